// ClusterStore over knex: cluster_nodes (migrations/022_cluster.ts) and the
// conferences' node_id.
import type { Knex } from 'knex';
import { date } from '../sql.ts';
import type { ClusterNode, ClusterStore, LostConference, NodeBeat, SweepClaim } from './store.ts';

type Row = Record<string, unknown>;

function toNode(r: Row, at: Date, staleMs: number): ClusterNode {
  const heartbeatAt = date(r.heartbeat_at);
  return {
    id: String(r.id), sipHost: String(r.sip_host), sipPort: Number(r.sip_port), startedAt: date(r.started_at), heartbeatAt,
    draining: Boolean(r.draining), alive: r.left_at === null && at.getTime() - heartbeatAt.getTime() <= staleMs,
  };
}

export class KnexClusterStore implements ClusterStore {
  constructor(private readonly db: Knex) {}

  async heartbeat(node: NodeBeat, at: Date): Promise<void> {
    // A new started_at is a new run: alive again, no longer swept nor left.
    await this.db.raw(
      `insert into cluster_nodes (id, sip_host, sip_port, started_at, heartbeat_at, draining)
       values (?, ?, ?, ?::timestamptz, ?::timestamptz, ?)
       on conflict (id) do update set sip_host = excluded.sip_host, sip_port = excluded.sip_port, heartbeat_at = excluded.heartbeat_at,
         draining = excluded.draining, left_at = null,
         swept_at = case when cluster_nodes.started_at = excluded.started_at then cluster_nodes.swept_at else null end,
         swept_by = case when cluster_nodes.started_at = excluded.started_at then cluster_nodes.swept_by else null end,
         started_at = excluded.started_at`,
      [node.id, node.sipHost, node.sipPort, node.startedAt, at, node.draining],
    );
  }

  async leave(nodeId: string, at: Date): Promise<void> {
    await this.db('cluster_nodes').where({ id: nodeId }).update({ left_at: at, heartbeat_at: at, draining: true });
  }

  async nodes(at: Date, staleMs: number): Promise<ClusterNode[]> {
    return (await this.db('cluster_nodes').orderBy('id') as Row[]).map((r) => toNode(r, at, staleMs));
  }

  async node(id: string, at: Date, staleMs: number): Promise<ClusterNode | undefined> {
    const row = await this.db('cluster_nodes').where({ id }).first() as Row | undefined;
    return row ? toNode(row, at, staleMs) : undefined;
  }

  async hostOf(accountId: string, roomId: string, at: Date, staleMs: number): Promise<{ conferenceId: string; node: ClusterNode | undefined; nodeId: string } | undefined> {
    const row = await this.db('conferences as c').leftJoin('cluster_nodes as n', 'n.id', 'c.node_id')
      .where({ 'c.account_id': accountId, 'c.room_id': roomId }).whereNull('c.ended_at')
      .first('c.id as conference_id', 'c.node_id', 'n.id', 'n.sip_host', 'n.sip_port', 'n.started_at', 'n.heartbeat_at', 'n.draining', 'n.left_at') as Row | undefined;
    if (!row) return undefined;
    return { conferenceId: String(row.conference_id), nodeId: String(row.node_id), node: row.id === null ? undefined : toNode(row, at, staleMs) };
  }

  async takeOver(conferenceId: string, fromNode: string, toNode: string, at: Date): Promise<boolean> {
    const rows = await this.db('conferences').where({ id: conferenceId, node_id: fromNode }).whereNull('ended_at')
      .update({ node_id: toNode, updated_at: at }).returning('id') as Row[];
    return rows.length === 1;
  }

  async claimStale(byNode: string, at: Date, staleMs: number): Promise<SweepClaim[]> {
    const before = new Date(at.getTime() - staleMs);
    const rows = await this.db('cluster_nodes').whereNull('swept_at').whereNot({ id: byNode })
      .where((q) => { void q.where('heartbeat_at', '<', before).orWhereNotNull('left_at'); })
      .update({ swept_at: at, swept_by: byNode }).returning(['id', 'started_at', 'heartbeat_at', 'left_at']) as Row[];
    return rows.map((r) => ({ nodeId: String(r.id), startedAt: date(r.started_at), heartbeatAt: date(r.heartbeat_at), left: r.left_at !== null }));
  }

  async holdClaim(claim: SweepClaim, byNode: string): Promise<boolean> {
    const row = await this.db('cluster_nodes').where({ id: claim.nodeId, swept_by: byNode, started_at: claim.startedAt })
      .forUpdate().first('id') as Row | undefined;
    return row !== undefined;
  }

  async endLiveOn(nodeId: string, at: Date, reason: string, limit: number): Promise<LostConference[]> {
    const res = await this.db.raw(
      `with lost as (
         update conferences set ended_at = ?::timestamptz, end_reason = ?, updated_at = now()
         where id in (select id from conferences where node_id = ? and ended_at is null order by started_at limit ? for update skip locked)
           and node_id = ? and ended_at is null
         returning id, account_id)
       insert into conference_events (account_id, conference_id, at, kind, actor, data)
       select account_id, id, ?::timestamptz, 'end', 'system', ?::jsonb from lost
       returning conference_id, account_id`,
      [at, reason, nodeId, limit, nodeId, at, JSON.stringify({ reason })],
    ) as { rows: Row[] };
    return res.rows.map((r) => ({ conferenceId: String(r.conference_id), accountId: String(r.account_id) }));
  }
}
