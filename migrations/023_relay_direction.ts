// Issue 18 (several bridge nodes): call_legs.direction takes 'relay': the
// host node's leg of a caller whom another node relays to it. The caller's
// leg on the node it called is the billed record; the relay leg is kept for
// tracing, never rated (rates keep their directions: no relay rate) and left
// out of the account's history, billing and meeting records.
// The two covering indexes of the month report (migration 007) take the
// direction as well, so that the report's "not a relay leg" filter is still
// answered by an index-only scan.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE call_legs DROP CONSTRAINT call_legs_direction_check');
  await knex.raw("ALTER TABLE call_legs ADD CONSTRAINT call_legs_direction_check CHECK (direction IN ('in', 'out', 'webrtc', 'relay'))");
  await knex.raw('DROP INDEX call_legs_account_report');
  await knex.raw(`CREATE INDEX call_legs_account_report ON call_legs (account_id, started_at)
    INCLUDE (conference_id, billable_seconds, cost_minor, direction)`);
  await knex.raw('DROP INDEX call_legs_conference_report');
  await knex.raw('CREATE INDEX call_legs_conference_report ON call_legs (conference_id) INCLUDE (account_id, billable_seconds, cost_minor, direction)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX call_legs_conference_report');
  await knex.raw('CREATE INDEX call_legs_conference_report ON call_legs (conference_id) INCLUDE (account_id, billable_seconds, cost_minor)');
  await knex.raw('DROP INDEX call_legs_account_report');
  await knex.raw(`CREATE INDEX call_legs_account_report ON call_legs (account_id, started_at)
    INCLUDE (conference_id, billable_seconds, cost_minor)`);
  // Before this migration a relay leg was an unrated 'in' leg with no access number.
  await knex('call_legs').where({ direction: 'relay' }).update({ direction: 'in' });
  await knex.raw('ALTER TABLE call_legs DROP CONSTRAINT call_legs_direction_check');
  await knex.raw("ALTER TABLE call_legs ADD CONSTRAINT call_legs_direction_check CHECK (direction IN ('in', 'out', 'webrtc'))");
}
