// Issue 14 (part 3): the meeting summary mail and retention.
// accounts.summary_mail_since: when the owner asked for a summary after each
// meeting (null: no summaries). A moment rather than a flag, so turning it on
// mails the meetings that end from then on, not the whole history.
// accounts.retention_days: recordings and meeting logs (conference events)
// older than this are deleted by a daily job; 0 keeps them forever. The
// default is 0: deleting a customer's recordings is irreversible, so it is
// the owner's decision, never a surprise after an upgrade. Call records
// (call_legs) are never deleted: billing depends on them.
import type { Knex } from 'knex';

/** As core/meeting-records MAX_RETENTION_DAYS (a migration keeps its own copy: it must not change later). */
const MAX_RETENTION_DAYS = 3650;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('accounts', (t) => {
    t.timestamp('summary_mail_since', { useTz: true }).nullable();
    t.integer('retention_days').notNullable().defaultTo(0);
  });
  await knex.raw(`alter table accounts add constraint accounts_retention_days_check check (retention_days between 0 and ${MAX_RETENTION_DAYS})`);
  // The summary sweep looks for recently ended conferences; retention deletes events by account and age.
  await knex.raw('create index conferences_ended_at on conferences (ended_at) where ended_at is not null');
  await knex.schema.alterTable('conference_events', (t) => { t.index(['account_id', 'at']); });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('conference_events', (t) => { t.dropIndex(['account_id', 'at']); });
  await knex.raw('drop index if exists conferences_ended_at');
  await knex.raw('alter table accounts drop constraint if exists accounts_retention_days_check');
  await knex.schema.alterTable('accounts', (t) => {
    t.dropColumn('retention_days');
    t.dropColumn('summary_mail_since');
  });
}
