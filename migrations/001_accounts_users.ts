// Accounts (prepaid, tiered, in a time zone) and the people who log in.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('accounts', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.text('name').notNullable();
    t.text('tier').notNullable().defaultTo('trial').checkIn(['trial', 'formal', 'vip']);
    // Prepaid balance in minor units (fen); may go below zero when a call
    // outlives the balance — new calls are refused at or below zero.
    t.bigInteger('balance_minor').notNullable().defaultTo(0);
    t.text('currency').notNullable().defaultTo('CNY');
    t.text('time_zone').notNullable().defaultTo('Asia/Shanghai');
    t.boolean('frozen').notNullable().defaultTo(false);
    t.timestamp('balance_exhausted_at', { useTz: true }).nullable();
    t.timestamps(true, true, false);
  });

  await knex.schema.createTable('users', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    // Operators belong to the platform, owners to one account.
    t.uuid('account_id').nullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('role').notNullable().checkIn(['owner', 'operator']);
    t.text('username').notNullable().unique();
    t.text('display_name').notNullable().defaultTo('');
    t.text('email').nullable();
    t.text('locale').notNullable().defaultTo('zh-CN');
    t.text('password_hash').notNullable(); // argon2id PHC string
    t.integer('failed_logins').notNullable().defaultTo(0);
    t.timestamp('locked_until', { useTz: true }).nullable();
    t.timestamp('last_login_at', { useTz: true }).nullable();
    t.timestamps(true, true, false);
    t.index(['account_id']);
  });
  await knex.raw(`ALTER TABLE users ADD CONSTRAINT users_role_account CHECK
    ((role = 'owner' AND account_id IS NOT NULL) OR (role = 'operator' AND account_id IS NULL))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('users');
  await knex.schema.dropTable('accounts');
}
