// Timed work (issue 14): a job table the scheduler processes claim rows from
// (SELECT … FOR UPDATE SKIP LOCKED plus a lease, so a second process or a
// restart neither loses nor doubles a job; the dedupe key makes planning
// idempotent); mail with retries (queued → sent | failed, attempts and the
// next attempt's time, a dedupe key so a re-run job does not mail twice);
// who a meeting's invitation went to (reminders, updates and cancellations
// go to them) and the .ics SEQUENCE, raised on every edit.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('scheduled_jobs', (t) => {
    t.uuid('id').primary().defaultTo(knex.fn.uuid());
    t.text('kind').notNullable();
    t.timestamp('run_at', { useTz: true }).notNullable();
    t.jsonb('payload').notNullable().defaultTo('{}');
    // pending → running (leased) → done | failed; a lapsed lease is pending again.
    t.text('status').notNullable().defaultTo('pending').checkIn(['pending', 'running', 'done', 'failed']);
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error').nullable();
    t.text('locked_by').nullable();
    t.timestamp('locked_until', { useTz: true }).nullable();
    t.text('dedupe_key').notNullable().unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true }).nullable();
    t.index(['status', 'run_at']);
  });
  await knex.raw('alter table mail_outbox drop constraint if exists mail_outbox_status_check');
  await knex.raw("alter table mail_outbox add constraint mail_outbox_status_check check (status in ('outbox', 'queued', 'sent', 'failed'))");
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.integer('attempts').notNullable().defaultTo(0);
    // When a queued mail is due again (after a failure: backoff; while one process sends it: its lease).
    t.timestamp('next_attempt_at', { useTz: true }).nullable();
    t.text('dedupe_key').nullable().unique();
    t.index(['status', 'next_attempt_at']);
  });
  await knex.schema.alterTable('rooms', (t) => {
    t.integer('ics_sequence').notNullable().defaultTo(0);
  });
  await knex.schema.createTable('room_invitees', (t) => {
    t.uuid('room_id').notNullable().references('id').inTable('rooms').onDelete('CASCADE');
    t.uuid('account_id').notNullable().references('id').inTable('accounts').onDelete('CASCADE');
    t.text('email').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['room_id', 'email']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('room_invitees');
  await knex.schema.alterTable('rooms', (t) => { t.dropColumn('ics_sequence'); });
  await knex('mail_outbox').where({ status: 'queued' }).update({ status: 'failed', error: 'not sent: migration 013 rolled back' });
  await knex.schema.alterTable('mail_outbox', (t) => {
    t.dropIndex(['status', 'next_attempt_at']);
    t.dropColumn('dedupe_key');
    t.dropColumn('next_attempt_at');
    t.dropColumn('attempts');
  });
  await knex.raw('alter table mail_outbox drop constraint if exists mail_outbox_status_check');
  await knex.raw("alter table mail_outbox add constraint mail_outbox_status_check check (status in ('outbox', 'sent', 'failed'))");
  await knex.schema.dropTable('scheduled_jobs');
}
