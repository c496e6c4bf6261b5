// Invites from the web and the API (issue 13): the states `joined` and
// `refused`, the participant an invite became, each invite's state history
// (invite_events, one row per change, written in the change's transaction),
// and the room option "the callee presses 1 to join" (on by default, so that
// voicemail never joins a meeting).
import type { Knex } from 'knex';

const STATES = ['queued', 'calling', 'ringing', 'answered', 'joined', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'refused', 'ended'];
const OLD_STATES = ['queued', 'calling', 'ringing', 'answered', 'no_answer', 'busy', 'rejected', 'cancelled', 'failed', 'ended'];

const stateCheck = (states: string[]): string => `state in (${states.map((s) => `'${s}'`).join(', ')})`;

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table invites drop constraint if exists invites_state_check');
  await knex.raw(`alter table invites add constraint invites_state_check check (${stateCheck(STATES)})`);
  await knex.schema.alterTable('invites', (t) => {
    // The participant (leg id) once joined.
    t.text('participant_id').nullable();
  });
  await knex.schema.createTable('invite_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('invite_id').notNullable().references('id').inTable('invites').onDelete('CASCADE');
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('state').notNullable();
    t.integer('q850_cause').nullable();
    t.integer('sip_status').nullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['invite_id', 'id']);
  });
  await knex.schema.alterTable('rooms', (t) => {
    t.boolean('invite_confirm').notNullable().defaultTo(true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => { t.dropColumn('invite_confirm'); });
  await knex.schema.dropTable('invite_events');
  await knex.schema.alterTable('invites', (t) => { t.dropColumn('participant_id'); });
  await knex('invites').whereIn('state', ['joined']).update({ state: 'ended' });
  await knex('invites').whereIn('state', ['refused']).update({ state: 'failed' });
  await knex.raw('alter table invites drop constraint if exists invites_state_check');
  await knex.raw(`alter table invites add constraint invites_state_check check (${stateCheck(OLD_STATES)})`);
}
