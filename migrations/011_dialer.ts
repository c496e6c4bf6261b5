// The outbound dialer (issue 13): a trunk to fail over to (on 503 or no
// answer from the trunk), and the DTMF sequence sent after the answer of a
// video-meeting link (meeting ID, #, password, # with pauses) on invites and
// on rooms' auto-invite lists.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('trunks', (t) => {
    t.uuid('failover_trunk_id').nullable().references('id').inTable('trunks').onDelete('SET NULL');
  });
  await knex.raw('alter table trunks add constraint trunks_failover_not_self check (failover_trunk_id is null or failover_trunk_id <> id)');
  await knex.schema.alterTable('invites', (t) => {
    // Digits 0-9 * # A-D; ',' is a pause of 500 ms.
    t.text('dtmf').notNullable().defaultTo('');
  });
  await knex.schema.alterTable('room_auto_invites', (t) => {
    t.text('dtmf').notNullable().defaultTo('');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('room_auto_invites', (t) => { t.dropColumn('dtmf'); });
  await knex.schema.alterTable('invites', (t) => { t.dropColumn('dtmf'); });
  await knex.raw('alter table trunks drop constraint if exists trunks_failover_not_self');
  await knex.schema.alterTable('trunks', (t) => { t.dropColumn('failover_trunk_id'); });
}
