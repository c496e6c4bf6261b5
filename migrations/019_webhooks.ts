// Issue 19: webhooks. An account's endpoints (a URL, the signing secret we
// generated — kept in the clear because we sign with it —, the event types
// it wants, enabled), the deliveries (an outbox: written before anything is
// sent, claimed with a lease by one sender at a time, so a restart loses
// nothing and two processes never send one twice) and each delivery's
// attempts (when, HTTP status or network error, how long).
// (endpoint_id, event_id) is unique: every web process hears the same live
// event and writes it; the second insert is ignored.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('url').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('secret').notNullable();
    t.jsonb('events').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['account_id']);
  });
  await knex.schema.createTable('webhook_deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.bigIncrements('seq', { primaryKey: false });
    t.uuid('endpoint_id').notNullable().references('id').inTable('webhook_endpoints').onDelete('CASCADE');
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('event_id').notNullable();
    t.text('event_type').notNullable();
    // The exact body we sign and send (JSON text).
    t.text('body').notNullable();
    t.text('status').notNullable().checkIn(['pending', 'delivered', 'failed']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
    // Retried on temporary failures until then (created + the retry window; a redelivery starts a new window).
    t.timestamp('retry_until', { useTz: true }).notNullable();
    t.integer('last_status').nullable();
    t.text('last_error').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('delivered_at', { useTz: true }).nullable();
    t.unique(['endpoint_id', 'event_id']);
    t.index(['account_id', 'created_at']);
  });
  await knex.raw("create index webhook_deliveries_due on webhook_deliveries (next_attempt_at, seq) where status = 'pending'");
  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id');
    t.uuid('delivery_id').notNullable().references('id').inTable('webhook_deliveries').onDelete('CASCADE');
    t.integer('attempt').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('status_code').nullable();
    t.text('error').nullable();
    t.integer('duration_ms').notNullable();
    t.index(['delivery_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_attempts');
  await knex.schema.dropTable('webhook_deliveries');
  await knex.schema.dropTable('webhook_endpoints');
}
