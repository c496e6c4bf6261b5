// Issue 19: API tokens. An owner (or admin) makes a token for the account's
// own systems: a name, scopes (read, meetings, live, billing), an expiry of
// at most a year. The token string is shown once; the table keeps only the
// SHA-256 of its secret part, and a short random prefix that is shown in the
// list and used to find the row. A token dies with its creator (CASCADE: the
// user's removal ends it) and with its account.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('api_tokens', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.uuid('created_by').notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.text('name').notNullable();
    t.specificType('scopes', 'text[]').notNullable();
    t.text('prefix').notNullable().unique();
    t.text('secret_hash').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('revoked_at', { useTz: true }).nullable();
    t.timestamp('last_used_at', { useTz: true }).nullable();
    t.text('last_used_ip').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['account_id', 'created_at']);
  });
  await knex.raw(`alter table api_tokens add constraint api_tokens_scopes_known
    check (cardinality(scopes) > 0 and scopes <@ array['read', 'meetings', 'live', 'billing']::text[])`);
  await knex.raw('alter table api_tokens add constraint api_tokens_expiry check (expires_at > created_at and expires_at <= created_at + interval \'366 days\')');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_tokens');
}
