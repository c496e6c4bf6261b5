// Toll fraud (issue 21): who may dial out, where, and how much. Accounts and
// rooms say whether guests may use *6 (both must allow it; off: chairs
// only); accounts carry the
// destination classes they may call (international off until an operator
// allows it), a cap on outbound calls at once and on outbound spend per day;
// the platform keeps a block list of premium and high-risk prefixes (E.164
// digits, no '+') that no account may call. A cap reached raises a
// `dial_out` alert.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.boolean('guests_may_invite').notNullable().defaultTo(false);
  });
  await knex.schema.alterTable('accounts', (t) => {
    t.jsonb('dial_out_classes').notNullable().defaultTo(JSON.stringify(['domestic_fixed', 'domestic_mobile']));
    t.integer('max_outbound_calls').notNullable().defaultTo(10);
    t.bigInteger('daily_outbound_cap_minor').nullable().defaultTo(20000); // null: no daily cap
    t.boolean('guests_may_invite').notNullable().defaultTo(false); // and only in rooms that allow it too
  });
  await knex.schema.createTable('blocked_prefixes', (t) => {
    t.text('prefix').primary();
    t.text('description').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  // A cap reached is an alert for the owner, beside help requests and PIN lockouts.
  await knex.raw('alter table live_alerts drop constraint if exists live_alerts_kind_check');
  await knex.raw("alter table live_alerts add constraint live_alerts_kind_check check (kind in ('help', 'lockout', 'dial_out'))");
}

export async function down(knex: Knex): Promise<void> {
  await knex('live_alerts').where({ kind: 'dial_out' }).delete();
  await knex.raw('alter table live_alerts drop constraint if exists live_alerts_kind_check');
  await knex.raw("alter table live_alerts add constraint live_alerts_kind_check check (kind in ('help', 'lockout'))");
  await knex.schema.dropTable('blocked_prefixes');
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumn('guests_may_invite');
    t.dropColumn('daily_outbound_cap_minor');
    t.dropColumn('max_outbound_calls');
    t.dropColumn('dial_out_classes');
  });
  await knex.schema.alterTable('rooms', (t) => { t.dropColumn('guests_may_invite'); });
}
