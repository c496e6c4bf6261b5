// The month report (totals and per-meeting bills over an account's call
// records) reads only a few columns of call_legs: a covering index lets
// PostgreSQL answer it with an index-only scan instead of visiting every row
// of the month (see test/bench/web-month-report.ts and BENCHMARKS.md).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE INDEX call_legs_account_report ON call_legs (account_id, started_at)
    INCLUDE (conference_id, billable_seconds, cost_minor)`);
  // Per-meeting bills join a month's conferences to their legs.
  await knex.raw('CREATE INDEX call_legs_conference_report ON call_legs (conference_id) INCLUDE (account_id, billable_seconds, cost_minor)');
  // The older plain indexes are covered by the new ones.
  await knex.raw('DROP INDEX IF EXISTS call_legs_account_id_started_at_index');
  await knex.raw('DROP INDEX IF EXISTS call_legs_conference_id_index');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS call_legs_account_id_started_at_index ON call_legs (account_id, started_at)');
  await knex.raw('CREATE INDEX IF NOT EXISTS call_legs_conference_id_index ON call_legs (conference_id)');
  await knex.raw('DROP INDEX IF EXISTS call_legs_conference_report');
  await knex.raw('DROP INDEX IF EXISTS call_legs_account_report');
}
