// Issue 18 (several bridge nodes on one PostgreSQL): the cluster's state.
// cluster_nodes: one row per bridge node (BRIDGE_NODE_ID), upserted by its
// heartbeat; a node whose heartbeat is stale is claimed by ONE survivor
// (swept_at/swept_by set by a conditional UPDATE), which closes its open CDR
// legs and ends its conferences; a restart (new started_at) clears the claim;
// a clean shutdown sets left_at.
// pin_failures: every wrong PIN on any node, so that each node adds the
// others' to its own tallies (ivr/room/pin-lockout-sync.ts); rows older than
// the lockout window are deleted.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cluster_nodes', (t) => {
    t.text('id').primary();
    t.text('sip_host').notNullable();
    t.integer('sip_port').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('heartbeat_at', { useTz: true }).notNullable();
    t.boolean('draining').notNullable().defaultTo(false);
    t.timestamp('left_at', { useTz: true }).nullable();
    t.timestamp('swept_at', { useTz: true }).nullable();
    t.text('swept_by').nullable();
  });
  await knex.schema.createTable('pin_failures', (t) => {
    t.bigIncrements('id').primary();
    t.text('node_id').notNullable();
    // No foreign key: a failure outlives nothing (deleted after the window) and must not fail for a room deleted meanwhile.
    t.uuid('room_id').notNullable();
    t.text('caller_number').notNullable();
    t.text('caller_address').notNullable();
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['at']);
  });
  // The sweeper's look-up of a dead node's live conferences.
  await knex.raw('CREATE INDEX conferences_live_by_node ON conferences (node_id) WHERE ended_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX conferences_live_by_node');
  await knex.schema.dropTable('pin_failures');
  await knex.schema.dropTable('cluster_nodes');
}
