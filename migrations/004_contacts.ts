// Address book: contacts and groups, per account.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('phone').notNullable(); // E.164, optionally with *extension
    t.text('email').nullable();
    t.text('company').notNullable().defaultTo('');
    t.text('note').notNullable().defaultTo('');
    t.timestamps(true, true, false);
    // Not unique: duplicates are warned about, not forbidden.
    t.index(['account_id', 'phone']);
    t.index(['account_id', 'name']);
  });
  await knex.schema.createTable('contact_groups', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('name').notNullable();
    t.timestamps(true, true, false);
    t.unique(['account_id', 'name']);
  });
  await knex.schema.createTable('group_memberships', (t) => {
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.uuid('group_id').notNullable().references('id').inTable('contact_groups').onDelete('CASCADE');
    t.uuid('contact_id').notNullable().references('id').inTable('contacts').onDelete('CASCADE');
    t.primary(['group_id', 'contact_id']);
    t.index(['contact_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('group_memberships');
  await knex.schema.dropTable('contact_groups');
  await knex.schema.dropTable('contacts');
}
