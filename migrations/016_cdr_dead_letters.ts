// Issue 15: call records the database refuses for good (a constraint: the
// leg's account deleted mid-call, or the database restored from a backup older
// than the CDR journal) are set aside here instead of blocking every other CDR.
// One row per leg, keyed by the leg id, holding the leg's latest state as the
// journal had it (JSON, so a later fix of the data can replay it), the
// PostgreSQL error (SQLSTATE and message) and when. No foreign keys: the row
// must go in precisely when the references are what is wrong.
// resolved_at is the operator's: set once the leg was replayed or written off.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cdr_dead_letters', (t) => {
    t.text('leg_id').primary(); // text, not uuid: whatever the journal held must fit
    t.text('node_id').notNullable();
    t.text('account_id').nullable();
    t.jsonb('leg').notNullable();
    t.text('error_code').notNullable();
    t.text('error_message').notNullable();
    t.integer('refusals').notNullable().defaultTo(1);
    t.timestamp('first_refused_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('refused_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true }).nullable();
  });
  await knex.raw('create index cdr_dead_letters_unresolved on cdr_dead_letters (refused_at) where resolved_at is null');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cdr_dead_letters');
}
