// Issue 14 (part 2): the owner's low-balance warning and recordings that
// failed while being written.
// accounts: the threshold (minor units; 0 turns the warning off), when a
// rated call drew the balance below it (cleared when a recharge or a lower
// threshold brings the balance back to it or above: the warning is armed
// again), and when the warning mail was claimed (one mail per crossing).
// recordings: why a recording stopped on its own (a write error), if it did.
import type { Knex } from 'knex';

/** ¥50.00 / $50.00: about an hour of a small meeting at the demo rates. */
export const DEFAULT_LOW_BALANCE_THRESHOLD_MINOR = 5000;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => {
    t.bigInteger('low_balance_threshold_minor').notNullable().defaultTo(DEFAULT_LOW_BALANCE_THRESHOLD_MINOR);
    t.timestamp('low_balance_since', { useTz: true }).nullable();
    t.timestamp('low_balance_mailed_at', { useTz: true }).nullable();
  });
  await knex.schema.alterTable('recordings', (t) => {
    t.text('failure').nullable();
    t.index(['account_id', 'room_id', 'started_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('recordings', (t) => {
    t.dropIndex(['account_id', 'room_id', 'started_at']);
    t.dropColumn('failure');
  });
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumn('low_balance_mailed_at');
    t.dropColumn('low_balance_since');
    t.dropColumn('low_balance_threshold_minor');
  });
}
