// Recharges (balance top-ups) and the audit log.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('recharges', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts');
    t.bigInteger('amount_minor').notNullable(); // positive top-up; negative only for a correction
    t.bigInteger('balance_after_minor').notNullable();
    t.uuid('operator_user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.text('note').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['account_id', 'created_at']);
  });
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.uuid('account_id').nullable().references('id').inTable('accounts');
    t.uuid('user_id').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.text('actor').notNullable(); // 'user:<id>', 'system', 'ivr', …
    t.text('action').notNullable(); // e.g. room.update, account.recharge, login.locked
    t.text('target_type').nullable();
    t.text('target_id').nullable();
    t.jsonb('data').notNullable().defaultTo('{}');
    t.text('ip').nullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['account_id', 'at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
  await knex.schema.dropTable('recharges');
}
