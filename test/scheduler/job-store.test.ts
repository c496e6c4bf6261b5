// The job table's guarantees on both engines: enqueue is idempotent by
// dedupe key; two workers claiming at the same moment get disjoint jobs; a
// lapsed lease (a worker that died) hands the job to another worker, and the
// first can no longer complete it; failures retry with backoff, then fail.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRepositories } from '../../core/repositories.ts';
import { JobRunner } from '../../core/scheduler/runner.ts';
import { dbEngines } from '../support/db.ts';

const at = (iso: string): Date => new Date(iso);

for (const engine of dbEngines()) {
  describe(`scheduled jobs on ${engine.name}`, { timeout: 60_000 }, () => {
    it('enqueues once per dedupe key and gives each due job to one of two racing workers', async () => {
      const db = await engine.open();
      // Two store objects over the same database (on PostgreSQL: pooled connections, claims truly concurrent).
      const a = createRepositories(db).jobs;
      const b = createRepositories(db).jobs;
      const now = at('2026-03-02T00:00:00Z');
      for (let i = 0; i < 30; i++) assert.equal(await a.enqueue({ kind: 'test', runAt: new Date(now.getTime() - i * 1000), payload: { i }, dedupeKey: `t:${i}` }), true);
      assert.equal(await b.enqueue({ kind: 'test', runAt: now, payload: { i: 0 }, dedupeKey: 't:0' }), false, 'same key: nothing added');
      assert.equal(await a.enqueue({ kind: 'test', runAt: new Date(now.getTime() + 60_000), payload: {}, dedupeKey: 'later' }), true);

      const claims = await Promise.all(Array.from({ length: 6 }, (_, k) => (k % 2 ? a : b).claimDue(`w${k}`, now, { leaseMs: 60_000, limit: 10 })));
      const ids = claims.flat().map((j) => j.id);
      assert.equal(ids.length, 30, 'every due job claimed');
      assert.equal(new Set(ids).size, 30, 'none claimed twice');
      assert.ok(claims.flat().every((j) => j.status === 'running' && j.attempts === 1 && j.dedupeKey !== 'later'));
      assert.deepEqual(await a.claimDue('w9', now, { leaseMs: 60_000, limit: 50 }), [], 'leased jobs are not due');
    });

    it('a lapsed lease passes the job on; the old holder cannot complete it', async () => {
      const jobs = createRepositories(await engine.open()).jobs;
      const t0 = at('2026-03-02T00:00:00Z');
      await jobs.enqueue({ kind: 'test', runAt: t0, payload: {}, dedupeKey: 'one' });
      const [first] = await jobs.claimDue('dead', t0, { leaseMs: 60_000, limit: 5 });
      assert.ok(first);
      assert.deepEqual(await jobs.claimDue('alive', new Date(t0.getTime() + 59_000), { leaseMs: 60_000, limit: 5 }), []);
      const [again] = await jobs.claimDue('alive', new Date(t0.getTime() + 60_000), { leaseMs: 60_000, limit: 5 });
      assert.equal(again?.id, first.id);
      assert.equal(again?.attempts, 2);
      assert.equal(await jobs.complete(first.id, 'dead', t0), false);
      assert.equal(await jobs.complete(first.id, 'alive', t0), true);
      assert.equal((await jobs.get(first.id))?.status, 'done');
    });

    it('the runner retries a failing job with backoff, then marks it failed with the error', async () => {
      const jobs = createRepositories(await engine.open()).jobs;
      const clock = { now: at('2026-03-02T00:00:00Z') };
      let calls = 0;
      const runner = new JobRunner(jobs, { now: () => clock.now, worker: 'r', maxAttempts: 3, retryBaseMs: 10_000 })
        .handle('flaky', async () => { calls++; throw new Error('downstream unavailable'); });
      await jobs.enqueue({ kind: 'flaky', runAt: clock.now, payload: {}, dedupeKey: 'flaky' });
      await jobs.enqueue({ kind: 'unknown', runAt: clock.now, payload: {}, dedupeKey: 'unknown' });
      await runner.tick();
      const [flaky] = await jobs.list({ dedupePrefix: 'flaky' });
      assert.equal(flaky?.status, 'pending');
      assert.equal(flaky?.runAt.toISOString(), '2026-03-02T00:00:10.000Z');
      assert.equal(flaky?.lastError, 'downstream unavailable');
      const [unknown] = await jobs.list({ dedupePrefix: 'unknown' });
      assert.equal(unknown?.status, 'failed', 'no handler: failed at once');
      assert.match(unknown?.lastError ?? '', /no handler/);
      clock.now = at('2026-03-02T00:00:09Z');
      assert.equal((await runner.tick()).length, 0, 'not before the backoff');
      clock.now = at('2026-03-02T00:00:10Z');
      await runner.tick();
      assert.equal((await jobs.get(flaky!.id))?.runAt.toISOString(), '2026-03-02T00:00:30.000Z', 'doubled');
      clock.now = at('2026-03-02T00:00:30Z');
      await runner.tick();
      const last = await jobs.get(flaky!.id);
      assert.equal(last?.status, 'failed');
      assert.equal(last?.attempts, 3);
      assert.equal(calls, 3);
    });
  });
}
