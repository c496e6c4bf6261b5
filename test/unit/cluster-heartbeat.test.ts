// The cluster heartbeat loop (core/cluster/heartbeat.ts) against a fake store:
// it beats every heartbeatMs with the drain state, survives a database outage
// (logged, next beat tries again, nothing thrown), and leaves on stop. And the
// cluster settings (common/config.ts).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { ClusterHeartbeat } from '../../core/cluster/heartbeat.ts';
import type { ClusterStore, NodeBeat } from '../../core/cluster/store.ts';
import { loadConfig } from '../../common/config.ts';

class FakeCluster implements Pick<ClusterStore, 'heartbeat' | 'leave'> {
  down = false;
  readonly beats: Array<{ node: NodeBeat; at: Date }> = [];
  readonly left: string[] = [];
  failed = 0;
  async heartbeat(node: NodeBeat, at: Date): Promise<void> {
    if (this.down) { this.failed++; throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }); }
    this.beats.push({ node, at });
  }
  async leave(nodeId: string): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    this.left.push(nodeId);
  }
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

it('beats with the drain state, rides out a database outage, leaves on stop', async () => {
  const fake = new FakeCluster();
  let draining = false;
  const hb = new ClusterHeartbeat({ cluster: fake as unknown as ClusterStore, nodeId: 'n1', sipHost: '127.0.0.3', sipPort: 5070, draining: () => draining, heartbeatMs: 20 });
  await hb.start();
  assert.equal(fake.beats.length, 1, 'the first beat is awaited');
  assert.deepEqual(fake.beats[0]!.node, { id: 'n1', sipHost: '127.0.0.3', sipPort: 5070, startedAt: hb.startedAt, draining: false });
  fake.down = true;
  await waitFor(() => fake.failed >= 3, 2_000, 'beats during the outage');
  fake.down = false;
  draining = true;
  const n = fake.beats.length;
  await waitFor(() => fake.beats.length > n, 2_000, 'a beat after the outage');
  assert.equal(fake.beats.at(-1)!.node.draining, true);
  assert.equal(fake.beats.at(-1)!.node.startedAt, hb.startedAt, 'the same run');
  await hb.stop();
  assert.deepEqual(fake.left, ['n1']);
  const after = fake.beats.length;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(fake.beats.length, after, 'no beat after stop');
});

it('a database down at start and at stop: nothing thrown', async () => {
  const fake = new FakeCluster();
  fake.down = true;
  const hb = new ClusterHeartbeat({ cluster: fake as unknown as ClusterStore, nodeId: 'n2', sipHost: '127.0.0.1', sipPort: 5060, draining: () => false, heartbeatMs: 20 });
  await hb.start();
  assert.equal(await hb.beat(), false);
  await hb.stop();
  assert.deepEqual(fake.left, []);
});

it('cluster settings: defaults, environment, and a stale time below two beats refused', () => {
  assert.deepEqual(loadConfig({}).cluster, { heartbeatMs: 1_000, staleMs: 5_000 });
  assert.deepEqual(loadConfig({ BRIDGE_CLUSTER_HEARTBEAT_MS: '500', BRIDGE_CLUSTER_STALE_MS: '3000' }).cluster, { heartbeatMs: 500, staleMs: 3_000 });
  assert.throws(() => loadConfig({ BRIDGE_CLUSTER_HEARTBEAT_MS: '2000', BRIDGE_CLUSTER_STALE_MS: '3000' }), /cluster\.staleMs must be at least twice/);
  assert.throws(() => loadConfig({ BRIDGE_CLUSTER_HEARTBEAT_MS: 'often' }), /cluster\.heartbeatMs/);
});
