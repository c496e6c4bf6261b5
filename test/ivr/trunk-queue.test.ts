// TrunkQueue: concurrency and calls-per-second limits, FIFO, cancel while waiting, bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../../common/clock.ts';
import { CallFailedError } from '../../common/errors.ts';
import { FakeClock } from '../../bridge/fake/clock.ts';
import { SEND_MARGIN_MS, TrunkQueue } from '../../ivr/call/trunk-queue.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('at most maxConcurrent in progress, FIFO, release frees a slot', async () => {
  const q = new TrunkQueue({ maxConcurrent: 2, maxCallsPerSecond: 1000 });
  const order: number[] = [];
  const rel: Array<() => void> = [];
  const ps = [0, 1, 2, 3].map((i) => q.acquire().then((r) => { order.push(i); rel.push(r); }));
  await sleep(30);
  assert.deepEqual(order, [0, 1]);
  assert.equal(q.inProgress, 2);
  rel[0]!(); rel[0]!(); // twice counts once
  await sleep(30);
  assert.deepEqual(order, [0, 1, 2]);
  rel[1]!(); rel[2]!();
  await Promise.all(ps);
  assert.deepEqual(order, [0, 1, 2, 3]);
});

test('calls per second are spaced evenly', async () => {
  const q = new TrunkQueue({ maxConcurrent: 100, maxCallsPerSecond: 20 });
  const t0 = Date.now();
  const times: number[] = [];
  await Promise.all(Array.from({ length: 6 }, () => q.acquire().then(() => times.push(Date.now() - t0))));
  for (let i = 1; i < times.length; i++) assert.ok(times[i]! - times[i - 1]! >= 45, `gap ${times[i]! - times[i - 1]!}`);
  assert.ok(times[5]! >= 240 && times[5]! < 600, `last at ${times[5]}`);
});

test('a cancelled waiter leaves the queue at once; the queue is bounded', async () => {
  const q = new TrunkQueue({ maxConcurrent: 1, maxCallsPerSecond: 1000 }, systemClock, 2);
  const r0 = await q.acquire();
  const ac = new AbortController();
  const p1 = q.acquire(ac.signal);
  const p2 = q.acquire();
  await assert.rejects(q.acquire(), CallFailedError);
  ac.abort();
  await assert.rejects(p1, CallFailedError);
  assert.equal(q.queued, 1);
  r0();
  await p2;
  assert.equal(q.inProgress, 1);
});

test('sendGate: INVITEs that come late and bunched after their grant still never make more than maxCallsPerSecond in any second (+ the margin)', async () => {
  const clock = new FakeClock({ start: new Date('2026-12-05T10:00:00Z') });
  const q = new TrunkQueue({ maxConcurrent: 100, maxCallsPerSecond: 5 }, clock);
  const sent: number[] = [];
  const t0 = clock.now();
  // Twelve calls reach the gate together (e.g. their CDR writes were slow), then three more 1.5 s later.
  const all = Array.from({ length: 12 }, () => q.sendGate().then(() => sent.push(clock.now() - t0)));
  await clock.runUntil(() => sent.length === 12, { what: 'twelve sent', withinMs: 10_000 });
  const late = Array.from({ length: 3 }, () => q.sendGate().then(() => sent.push(clock.now() - t0)));
  await clock.runUntil(() => sent.length === 15, { what: 'fifteen sent', withinMs: 10_000 });
  await Promise.all([...all, ...late]);
  for (let i = 5; i < sent.length; i++) assert.ok(sent[i]! - sent[i - 5]! >= 1000 + SEND_MARGIN_MS, `INVITE ${i} at ${sent[i]} ms, five before at ${sent[i - 5]} ms`);
  assert.deepEqual(sent.slice(0, 6), [0, 0, 0, 0, 0, 1000 + SEND_MARGIN_MS], 'the first five at once (the grants space them), the sixth a second later');
});
