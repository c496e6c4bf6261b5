// Cluster state (issue 18) on PGlite and PostgreSQL: heartbeats and staleness,
// the host of a room's conference, take-over races, the sweep of a dead node
// (one survivor, legs closed and charged once, also against the node's own
// restart), and the PIN lockout shared by two nodes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { CdrRecorder } from '../../core/cdr/recorder.ts';
import { ClusterSweeper, NODE_LOST } from '../../core/cluster/sweeper.ts';
import { moduleLogger } from '../../common/log.ts';
import { registry } from '../../common/metrics.ts';
import { PinLockout } from '../../ivr/room/pin-lockout.ts';
import { PinLockoutSync } from '../../ivr/room/pin-lockout-sync.ts';
import { DEFAULT_IVR_CONFIG } from '../../ivr/services/config.ts';
import { joinCluster } from '../../app/cluster.ts';
import { loadConfig } from '../../common/config.ts';

const T0 = new Date('2026-06-01T02:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const STALE_MS = 5_000;
const BALANCE = 1_000_000;
const beat = (id: string, startedAt: Date, draining = false) => ({ id, sipHost: '127.0.0.2', sipPort: 5060, startedAt, draining });

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An account with a balance and an access number rated 10 fen/min in 60 s increments. */
async function setUp(r: Repositories, name: string): Promise<{ accountId: string; accessNumberId: string; roomId: string }> {
  const acc = await r.accounts.create({ name, tier: 'formal' });
  await r.accounts.recharge(acc.id, BALANCE);
  const an = await r.accessNumbers.findByNumber('4006701018') ?? await r.accessNumbers.create({ number: '4006701018', kind: 'meeting' });
  await r.rates.upsert({ direction: 'in', destinationClass: 'access_number', accessNumberId: an.id, perMinuteMinor: 10, incrementS: 60 });
  const room = await r.rooms.create(acc.id, { name: `${name} room` }, { now: T0 });
  return { accountId: acc.id, accessNumberId: an.id, roomId: room.id };
}

async function balance(db: Knex, accountId: string): Promise<number> {
  const row = await db('accounts').where({ id: accountId }).first('balance_minor') as { balance_minor: unknown };
  return Number(row.balance_minor);
}

async function sweptMetric(): Promise<number> {
  const m = await registry.getSingleMetric('bridge_cluster_swept_legs_total')?.get();
  return m?.values[0]?.value ?? 0;
}

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function journalPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'cluster-'));
  dirs.push(d);
  return join(d, 'cdr.jsonl');
}

/**
 * A node that took `n` calls and died: each leg answered at 0 s and
 * checkpointed at 125 s (2 min 5 s: 3 billed minutes, 30 fen), all in the
 * database and in its journal, still open. Returns its journal and leg ids.
 */
async function deadNode(r: Repositories, nodeId: string, n: number, acc: { accountId: string; accessNumberId: string; roomId: string }): Promise<{ journal: string; legs: string[] }> {
  const journal = journalPath();
  const rec = CdrRecorder.start({ journalPath: journal, sink: r.cdrs, nodeId, coalesceMs: 0 });
  const legs: string[] = [];
  for (let i = 0; i < n; i++) {
    const leg = rec.open({ direction: 'in', caller: `+86139${nodeId.length}${String(i).padStart(6, '0')}`, callee: '4006701018', startedAt: at(0), accountId: acc.accountId, accessNumberId: acc.accessNumberId, roomId: acc.roomId });
    rec.answer(leg.id, at(0));
    legs.push(leg.id);
  }
  rec.checkpointAll(at(125));
  await rec.flush();
  await rec.stop(); // a crash as far as the legs go: open in the journal and the database
  await r.cluster.heartbeat(beat(nodeId, at(-60)), at(125));
  return { journal, legs };
}

const LEG_COST = 30;

for (const engine of dbEngines()) {
  describe(`cluster state on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
    });

    it('heartbeats: alive within staleMs, stale after, gone on leave, alive again on restart', async () => {
      await r.cluster.heartbeat(beat('hb-a', at(0)), at(0));
      await r.cluster.heartbeat(beat('hb-b', at(0), true), at(3));
      let nodes = await r.cluster.nodes(at(4), STALE_MS);
      const a = nodes.find((n) => n.id === 'hb-a');
      const b = nodes.find((n) => n.id === 'hb-b');
      assert.deepEqual({ alive: a?.alive, draining: a?.draining, host: a?.sipHost, port: a?.sipPort }, { alive: true, draining: false, host: '127.0.0.2', port: 5060 });
      assert.equal(b?.draining, true);
      nodes = await r.cluster.nodes(at(6), STALE_MS);
      assert.equal(nodes.find((n) => n.id === 'hb-a')?.alive, false, 'a is stale 6 s after its beat');
      assert.equal(nodes.find((n) => n.id === 'hb-b')?.alive, true);
      await r.cluster.heartbeat(beat('hb-a', at(0)), at(6));
      assert.equal((await r.cluster.node('hb-a', at(6), STALE_MS))?.alive, true);
      await r.cluster.leave('hb-a', at(7));
      assert.equal((await r.cluster.node('hb-a', at(7), STALE_MS))?.alive, false, 'left');
      // A claim on the stale node, then its restart: alive, no longer swept.
      await r.cluster.heartbeat(beat('hb-b', at(0)), at(3));
      assert.deepEqual((await r.cluster.claimStale('hb-sweeper', at(20), STALE_MS)).map((c) => c.nodeId).filter((id) => id.startsWith('hb-')).sort(), ['hb-a', 'hb-b']);
      assert.deepEqual((await r.cluster.claimStale('hb-sweeper2', at(21), STALE_MS)).filter((c) => c.nodeId.startsWith('hb-')), [], 'claimed once');
      await r.cluster.heartbeat(beat('hb-b', at(30)), at(30));
      const row = await db('cluster_nodes').where({ id: 'hb-b' }).first() as Record<string, unknown>;
      assert.equal(row.swept_at, null);
      assert.equal(row.swept_by, null);
      assert.equal((await r.cluster.node('hb-b', at(31), STALE_MS))?.alive, true);
      assert.equal(await r.cluster.node('nobody', at(31), STALE_MS), undefined);
      // The same run beating again keeps a claim (only a restart clears it).
      await r.cluster.heartbeat(beat('hb-a', at(0)), at(32));
      assert.notEqual((await db('cluster_nodes').where({ id: 'hb-a' }).first() as Record<string, unknown>).swept_at, null);
    });

    it('hostOf: the live conference of a room and its node; none when ended', async () => {
      const acc = await setUp(r, 'host');
      assert.equal(await r.cluster.hostOf(acc.accountId, acc.roomId, at(0), STALE_MS), undefined);
      await r.cluster.heartbeat(beat('host-a', at(0)), at(0));
      const { conference } = await r.conferences.startOrGet(acc.accountId, { roomId: acc.roomId, at: at(0), nodeId: 'host-a' });
      const h = await r.cluster.hostOf(acc.accountId, acc.roomId, at(1), STALE_MS);
      assert.equal(h?.conferenceId, conference.id);
      assert.equal(h?.nodeId, 'host-a');
      assert.equal(h?.node?.alive, true);
      const stale = await r.cluster.hostOf(acc.accountId, acc.roomId, at(10), STALE_MS);
      assert.equal(stale?.node?.alive, false);
      const other = await setUp(r, 'host-other');
      assert.equal(await r.cluster.hostOf(other.accountId, acc.roomId, at(1), STALE_MS), undefined, 'another account sees nothing');
      await r.conferences.end(acc.accountId, conference.id, { at: at(2), reason: 'test' });
      assert.equal(await r.cluster.hostOf(acc.accountId, acc.roomId, at(2), STALE_MS), undefined);
      // A node without a row yet: its id, no node.
      const { conference: c2 } = await r.conferences.startOrGet(acc.accountId, { roomId: acc.roomId, at: at(3), nodeId: 'host-unknown' });
      const h2 = await r.cluster.hostOf(acc.accountId, acc.roomId, at(3), STALE_MS);
      assert.deepEqual(h2, { conferenceId: c2.id, nodeId: 'host-unknown', node: undefined });
      await r.conferences.end(acc.accountId, c2.id, { at: at(4), reason: 'test' });
    });

    it('takeOver: of two nodes racing for a conference one wins; a conference no longer on fromNode is not moved', async () => {
      const acc = await setUp(r, 'takeover');
      const { conference } = await r.conferences.startOrGet(acc.accountId, { roomId: acc.roomId, at: at(0), nodeId: 'to-dead' });
      const results = await Promise.all([
        r.cluster.takeOver(conference.id, 'to-dead', 'to-b', at(1)),
        r.cluster.takeOver(conference.id, 'to-dead', 'to-c', at(1)),
      ]);
      assert.equal(results.filter(Boolean).length, 1, `exactly one wins: ${JSON.stringify(results)}`);
      const winner = results[0] ? 'to-b' : 'to-c';
      assert.equal((await r.conferences.get(acc.accountId, conference.id)).nodeId, winner);
      assert.equal(await r.cluster.takeOver(conference.id, 'to-dead', 'to-d', at(2)), false);
      await r.conferences.end(acc.accountId, conference.id, { at: at(3), reason: 'test' });
      assert.equal(await r.cluster.takeOver(conference.id, winner, 'to-d', at(4)), false, 'an ended conference stays put');
    });

    it('sweep: of two survivors one claims the dead node; its open legs are closed at the checkpoint and charged once; its conferences end', async () => {
      const acc = await setUp(r, 'sweep');
      const metricBefore = await sweptMetric();
      const dead = await deadNode(r, 'sw-dead', 5, acc);
      const { conference } = await r.conferences.startOrGet(acc.accountId, { roomId: acc.roomId, at: at(0), nodeId: 'sw-dead' });
      // Another room's conference the dead node hosted, taken over by a survivor before the sweep: it goes on.
      const room2 = await r.rooms.create(acc.accountId, { name: 'taken over' }, { now: T0 });
      const { conference: taken } = await r.conferences.startOrGet(acc.accountId, { roomId: room2.id, at: at(0), nodeId: 'sw-dead' });
      assert.equal(await r.cluster.takeOver(taken.id, 'sw-dead', 'sw-b', at(140)), true);
      for (const id of ['sw-b', 'sw-c']) await r.cluster.heartbeat(beat(id, at(0)), at(140));
      const before = await balance(db, acc.accountId);
      const sweepers = ['sw-b', 'sw-c'].map((id) => new ClusterSweeper({ repos: r, nodeId: id, staleMs: STALE_MS, now: () => at(140) }));
      // Not stale yet at 129 s (last beat 125 s): nothing claimed.
      assert.deepEqual((await new ClusterSweeper({ repos: r, nodeId: 'sw-b', staleMs: STALE_MS, now: () => at(129) }).sweepOnce()).nodes.filter((n) => n.startsWith('sw-')), []);
      const reports = await Promise.all(sweepers.map((s) => s.sweepOnce()));
      const claimed = reports.filter((rep) => rep.nodes.includes('sw-dead'));
      assert.equal(claimed.length, 1, 'one survivor claims it');
      assert.deepEqual([...claimed[0]!.legs].sort(), [...dead.legs].sort());
      assert.deepEqual(claimed[0]!.conferences, [conference.id]);
      const rows = await db('call_legs').whereIn('id', dead.legs) as Array<Record<string, unknown>>;
      assert.equal(rows.length, 5);
      for (const row of rows) {
        assert.equal(row.state, 'closed');
        assert.equal(row.closed_by_recovery, true);
        assert.equal(Number(row.q850_cause), 41);
        assert.equal(new Date(String(row.ended_at)).getTime(), at(125).getTime(), 'closed at the last checkpoint');
        assert.equal(Number(row.billable_seconds), 125);
        assert.equal(Number(row.cost_minor), LEG_COST);
        assert.notEqual(row.charged_at, null);
      }
      assert.equal(before - await balance(db, acc.accountId), 5 * LEG_COST, 'charged once per leg');
      const ended = await r.conferences.get(acc.accountId, conference.id);
      assert.equal(ended.endReason, NODE_LOST);
      assert.equal(ended.endedAt?.getTime(), at(140).getTime());
      assert.equal((await r.conferences.get(acc.accountId, taken.id)).endedAt, null, 'the conference taken over goes on');
      assert.equal(await sweptMetric() - metricBefore, 5, 'metric: legs closed by sweeping');
      // Sweeping again finds nothing to claim.
      const again = await Promise.all(sweepers.map((s) => s.sweepOnce()));
      assert.deepEqual(again.flatMap((rep) => rep.legs), []);

      // The dead node restarts with its journal: it closes the same legs itself, which changes nothing.
      const restarted = CdrRecorder.start({ journalPath: dead.journal, sink: r.cdrs, nodeId: 'sw-dead', coalesceMs: 0 });
      assert.deepEqual([...restarted.lastRecovery.closed].sort(), [...dead.legs].sort(), 'the journal still had them open');
      await restarted.flush();
      await restarted.stop();
      const after = await db('call_legs').whereIn('id', dead.legs) as Array<Record<string, unknown>>;
      assert.deepEqual(after.map((x) => [x.id, String(x.ended_at), String(x.charged_at), Number(x.cost_minor)]).sort(),
        rows.map((x) => [x.id, String(x.ended_at), String(x.charged_at), Number(x.cost_minor)]).sort(), 'closed rows are final');
      assert.equal(before - await balance(db, acc.accountId), 5 * LEG_COST, 'still charged once');
      await r.conferences.end(acc.accountId, taken.id, { at: at(150), reason: 'test' });
    });

    it('sweep and the dead node\'s restart at the same time: every leg closed and charged exactly once', async () => {
      const acc = await setUp(r, 'race');
      const dead = await deadNode(r, 'race-dead', 20, acc);
      await r.cluster.heartbeat(beat('race-b', at(0)), at(140));
      const before = await balance(db, acc.accountId);
      const sweeper = new ClusterSweeper({ repos: r, nodeId: 'race-b', staleMs: STALE_MS, now: () => at(140) });
      const restart = async (): Promise<string[]> => {
        const rec = CdrRecorder.start({ journalPath: dead.journal, sink: r.cdrs, nodeId: 'race-dead', coalesceMs: 0 });
        await rec.flush();
        await rec.stop();
        return rec.lastRecovery.closed;
      };
      const [report, recovered] = await Promise.all([sweeper.sweepOnce(), restart()]);
      assert.deepEqual(report.nodes.filter((n) => n.startsWith('race-')), ['race-dead']);
      assert.equal(recovered.length, 20, 'the restart closed them from its journal too');
      const rows = await db('call_legs').whereIn('id', dead.legs) as Array<Record<string, unknown>>;
      assert.equal(rows.length, 20);
      for (const row of rows) {
        assert.equal(row.state, 'closed');
        assert.equal(new Date(String(row.ended_at)).getTime(), at(125).getTime());
        assert.equal(Number(row.cost_minor), LEG_COST);
      }
      assert.equal(before - await balance(db, acc.accountId), 20 * LEG_COST, 'charged once per leg');
    });

    it('a node that restarted before its sweep is left to its own recovery', async () => {
      const acc = await setUp(r, 'restarted');
      const dead = await deadNode(r, 'rs-dead', 2, acc);
      await r.cluster.heartbeat(beat('rs-b', at(0)), at(140));
      const claims = await r.cluster.claimStale('rs-b', at(140), STALE_MS);
      const claim = claims.find((c) => c.nodeId === 'rs-dead');
      assert.ok(claim);
      await r.cluster.heartbeat(beat('rs-dead', at(141)), at(141)); // the new run
      assert.equal(await r.transaction((tx) => tx.cluster.holdClaim(claim, 'rs-b')), false);
      assert.equal((await db('call_legs').whereIn('id', dead.legs).where({ state: 'open' })).length, 2, 'untouched');
    });

    it('the app\'s node: in the table at once with its advertised SIP address, draining as the IVR says, its sweeper closes a dead node\'s legs, left on stop', async () => {
      const acc = await setUp(r, 'app');
      const config = loadConfig({ BRIDGE_NODE_ID: 'app-n', BRIDGE_SIP_HOST: '127.0.0.1', BRIDGE_SIP_ADVERTISED_HOST: '127.0.0.9', BRIDGE_SIP_PORT: '5099', BRIDGE_CLUSTER_HEARTBEAT_MS: '100', BRIDGE_CLUSTER_STALE_MS: '1000' });
      // A node that died ten seconds ago with a call up.
      const dead = await deadNode(r, 'app-dead', 1, acc);
      await r.cluster.heartbeat(beat('app-dead', at(-60)), new Date(Date.now() - 10_000));
      let draining = false;
      const member = await joinCluster(config, r, () => draining);
      try {
        const me = await r.cluster.node('app-n', new Date(), 1_000);
        assert.deepEqual({ alive: me?.alive, host: me?.sipHost, port: me?.sipPort, draining: me?.draining }, { alive: true, host: '127.0.0.9', port: 5099, draining: false });
        draining = true;
        await waitFor(async () => (await r.cluster.node('app-n', new Date(), 1_000))?.draining === true, 2_000, 'the drain in the row');
        // The sweeper runs every ~2 s.
        await waitFor(async () => (await db('call_legs').where({ id: dead.legs[0] }).first() as Record<string, unknown>).state === 'closed', 5_000, 'the dead node\'s leg closed');
        assert.equal((await db('cluster_nodes').where({ id: 'app-dead' }).first() as Record<string, unknown>).swept_by, 'app-n');
      } finally {
        await member.stop();
      }
      const me = await r.cluster.node('app-n', new Date(), 60_000);
      assert.equal(me?.alive, false, 'left');
    });

    it('shared PIN lockout: a caller blocked on node A is blocked on node B within a second; the room alert counts both nodes', async () => {
      const acc = await setUp(r, 'pins');
      const cfg = { ...DEFAULT_IVR_CONFIG.pinLockout };
      const log = moduleLogger('test', { part: 'pins' });
      const a = new PinLockout(cfg);
      const b = new PinLockout(cfg);
      const syncA = new PinLockoutSync({ store: r.pinFailures, lockout: a, nodeId: 'pin-a', windowMs: cfg.windowMs, log, pollMs: 50 });
      const syncB = new PinLockoutSync({ store: r.pinFailures, lockout: b, nodeId: 'pin-b', windowMs: cfg.windowMs, log, pollMs: 50 });
      syncA.start();
      syncB.start();
      try {
        const attacker = { number: '+8613911112222', address: '198.51.100.7' };
        let refused = false;
        for (let i = 0; i < cfg.blockAfter; i++) refused = a.fail(acc.roomId, attacker, Date.now()).refused;
        assert.equal(refused, true, 'blocked on A');
        assert.equal(b.refusedUntil(attacker, Date.now()), null, 'B has not heard yet');
        const t = Date.now();
        await waitFor(() => b.refusedUntil(attacker, Date.now()) !== null, 1_000, 'the block on B');
        assert.ok(Date.now() - t < 1_000);
        assert.equal(a.refusedUntil({ number: '+8613900000000', address: '198.51.100.8' }, Date.now()), null, 'another caller is not blocked');

        // The room's alert: failures of different callers, some on A, the last on B.
        const room2 = await r.rooms.create(acc.accountId, { name: 'alert room' }, { now: T0 });
        const caller = (i: number) => ({ number: `+86139000011${String(i).padStart(2, '0')}`, address: `203.0.113.${i}` });
        for (let i = 0; i < cfg.roomAlertAfter - 1; i++) assert.equal(a.fail(room2.id, caller(i), Date.now()).roomAlertUntil, null);
        await waitFor(async () => Number((await db('pin_failures').where({ node_id: 'pin-a', room_id: room2.id }).count('* as n'))[0]?.n) === cfg.roomAlertAfter - 1, 1_000, 'A\'s failures written');
        // B's turns read them (two turns after the write at most).
        await new Promise((res) => setTimeout(res, 200));
        const last = b.fail(room2.id, caller(50), Date.now());
        assert.notEqual(last.roomAlertUntil, null, 'the failure that completes the count on B raises the alert');
        await waitFor(() => a.roomDelayMs(room2.id, Date.now()) > 0, 1_000, 'the room slowed on A too');
      } finally {
        await syncA.stop();
        await syncB.stop();
      }
      // Old rows go: a delete before a time after them all.
      const n = Number((await db('pin_failures').count('* as n'))[0]?.n);
      assert.ok(n > 0);
      assert.equal(await r.pinFailures.deleteBefore(new Date(Date.now() + 60_000), 10_000), n);
    });
  });
}
