// The live seam (issue 12): alerts the console shows until dismissed (a *0
// help request, a room's PIN lockout), commands on their way from a web
// process to the node that hosts a conference (PgLiveBus: a row per command,
// NOTIFY to wake the host, the result written back), and the room option
// "end when the last chair leaves".
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rooms', (t) => {
    t.boolean('end_when_last_chair_leaves').notNullable().defaultTo(false);
  });
  await knex.schema.createTable('live_alerts', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.uuid('room_id').nullable().references('id').inTable('rooms').onDelete('SET NULL');
    t.text('room_number').notNullable();
    t.uuid('conference_id').nullable().references('id').inTable('conferences').onDelete('SET NULL');
    t.text('kind').notNullable().checkIn(['help', 'lockout']);
    // The participant (leg id) who asked for help; null for a lockout.
    t.text('participant_id').nullable();
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('raised_at', { useTz: true }).notNullable();
    // Help ended (the participant was back in the mix or left); the alert stays until dismissed.
    t.timestamp('resolved_at', { useTz: true }).nullable();
    t.timestamp('dismissed_at', { useTz: true }).nullable();
    t.uuid('dismissed_by').nullable().references('id').inTable('users').onDelete('SET NULL');
    t.index(['account_id', 'dismissed_at']);
  });
  await knex.schema.createTable('live_commands', (t) => {
    t.bigIncrements('id').primary();
    t.text('node_id').notNullable();
    t.uuid('account_id').notNullable();
    // Null for requests about the node as a whole.
    t.uuid('conference_id').nullable();
    t.jsonb('request').notNullable();
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'done', 'failed']);
    t.jsonb('result').nullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('done_at', { useTz: true }).nullable();
    t.index(['node_id', 'status']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('live_commands');
  await knex.schema.dropTable('live_alerts');
  await knex.schema.alterTable('rooms', (t) => { t.dropColumn('end_when_last_chair_leaves'); });
}
