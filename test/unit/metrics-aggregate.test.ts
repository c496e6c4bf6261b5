// What /metrics adds up, as pure parts: a media worker's totals over legs that
// come, restart their jitter buffer, move away and close (never counted twice,
// never going back); the control side's sum over workers, with a worker that
// does not answer (its last answer stands) and one that died (its totals are
// kept); the histogram written from worker buckets; the label guards that
// keep a scanner's tokens out of the label space.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { histogramValues } from '../../common/metrics.ts';
import { MediaChannel } from '../../bridge/embedded/media/control/media-channel.ts';
import { PoolCounters, emptyCounters } from '../../bridge/embedded/media/control/media-metrics.ts';
import { MediaCounters } from '../../bridge/embedded/media/worker/media-counters.ts';
import { TICK_BUCKETS_MS, type MediaRequest, type MediaResults, type WorkerCounters } from '../../bridge/embedded/media/protocol.ts';
import { methodLabel, statusLabel } from '../../bridge/sip/transport/sip-metrics.ts';
import { outcomeLabel } from '../../ivr/ivr-metrics.ts';

const counts = (packetsIn: number, packetsOut: number, framesLost = 0, framesLate = 0) => ({ packetsIn, packetsOut, framesLost, framesLate });

test('MediaCounters: a leg\'s growth is counted once, across reads, a jitter-buffer restart and its removal', () => {
  const c = new MediaCounters();
  c.legAdded('a', counts(0, 0));
  c.legAdded('b', counts(500, 400, 3, 1)); // moved in with its own history: not this worker's
  let r = c.read([['a', counts(10, 12, 1, 0)], ['b', counts(510, 400, 3, 2)]], [40, 60]);
  assert.deepEqual([r.packetsIn, r.packetsOut, r.framesLost, r.framesLate], [20, 12, 1, 1]);
  assert.equal(r.jitterDepthMeanMs, 50);
  assert.equal(r.jitterDepthMaxMs, 60);
  // Read again with no change: nothing added.
  r = c.read([['a', counts(10, 12, 1, 0)], ['b', counts(510, 400, 3, 2)]], []);
  assert.deepEqual([r.packetsIn, r.packetsOut, r.framesLost, r.framesLate], [20, 12, 1, 1]);
  assert.equal(r.jitterDepthMaxMs, 0);
  // a closes having sent 3 more; b's lost count went back (never subtracted).
  c.legRemoved('a', counts(10, 15, 1, 0));
  r = c.read([['b', counts(515, 405, 0, 2)]], [20]);
  assert.deepEqual([r.packetsIn, r.packetsOut, r.framesLost, r.framesLate], [25, 20, 1, 1]);
  // A removed leg read again by mistake adds nothing.
  c.legRemoved('a', counts(99, 99, 9, 9));
  assert.equal(c.read([], []).packetsIn, 25);
});

test('MediaCounters: tick times fall in their buckets, the slowest above the last bound', () => {
  const c = new MediaCounters();
  for (const ms of [0.1, 0.25, 0.3, 3, 19.9, 120]) c.tick(ms);
  const r = c.read([], []);
  assert.equal(r.tickBuckets.length, TICK_BUCKETS_MS.length + 1);
  assert.deepEqual(r.tickBuckets, [2, 1, 0, 0, 1, 0, 1, 0, 1]);
  assert.equal(r.tickCount, 6);
  assert.ok(Math.abs(r.tickSumMs - 143.55) < 1e-9);
});

test('histogramValues: cumulative buckets, +Inf, sum and count in Prometheus form', () => {
  const v = histogramValues('x_seconds', [0.001, 0.01], { counts: [2, 3, 4], sum: 1.5, count: 9 });
  assert.deepEqual(v.map((s) => [s.metricName, s.labels.le ?? '', s.value]), [
    ['x_seconds_bucket', 0.001, 2], ['x_seconds_bucket', 0.01, 5], ['x_seconds_bucket', '+Inf', 9], ['x_seconds_sum', '', 1.5], ['x_seconds_count', '', 9],
  ]);
});

/** A worker stand-in: answers `counters` with what it is given, or never (wedged). */
class FakeWorker extends MediaChannel {
  answer: WorkerCounters | 'never' = emptyCounters();
  request<R extends MediaRequest>(req: R): Promise<MediaResults[R['op']]> {
    assert.equal(req.op, 'counters');
    const a = this.answer;
    return a === 'never' ? new Promise(() => undefined) : Promise.resolve({ ...a, tickBuckets: [...a.tickBuckets] } as MediaResults[R['op']]);
  }
  async close(): Promise<void> {}
}

const worker = (packetsIn: number, ticks: number, depthMs: number): WorkerCounters => {
  const w = emptyCounters();
  w.packetsIn = packetsIn; w.packetsOut = packetsIn * 2; w.tickCount = ticks; w.tickBuckets[2] = ticks; w.jitterDepthMeanMs = depthMs; w.jitterDepthMaxMs = depthMs;
  return w;
};

test('PoolCounters: sums the workers; a wedged worker times out and its last answer stands; a dead one\'s totals are kept', async () => {
  const a = new FakeWorker();
  const b = new FakeWorker();
  let channels: MediaChannel[] = [a, b];
  const pool = new PoolCounters(() => channels);
  a.answer = worker(100, 10, 40);
  b.answer = worker(50, 5, 80);
  let t = await pool.read(50);
  assert.deepEqual([t.counters.packetsIn, t.counters.packetsOut, t.counters.tickCount, t.answering, t.workers], [150, 300, 15, 2, 2]);
  assert.equal(t.counters.tickBuckets[2], 15);
  assert.equal(t.counters.jitterDepthMeanMs, 60);
  assert.equal(t.counters.jitterDepthMaxMs, 80);

  b.answer = 'never';
  a.answer = worker(110, 11, 20);
  const started = Date.now();
  t = await pool.read(50);
  assert.ok(Date.now() - started < 1000, 'a wedged worker does not hold the read');
  assert.deepEqual([t.counters.packetsIn, t.answering, t.workers], [160, 1, 2], 'b\'s last totals stand in');
  assert.equal(t.counters.jitterDepthMaxMs, 20, 'depth only from the workers that answered');

  // b dies; its replacement starts from zero; the total never goes back.
  pool.retire(b);
  const c = new FakeWorker();
  c.answer = worker(1, 1, 0);
  channels = [a, c];
  t = await pool.read(50);
  assert.deepEqual([t.counters.packetsIn, t.counters.tickCount, t.answering], [161, 17, 2]);
});

test('label guards: known SIP methods and 1xx–6xx statuses pass, anything else is "other"; IVR outcomes lose their detail', () => {
  assert.equal(methodLabel('INVITE'), 'INVITE');
  assert.equal(methodLabel('INFO'), 'INFO');
  assert.equal(methodLabel('XYZZY-SCAN'), 'other');
  assert.equal(methodLabel('invite'), 'other');
  assert.equal(statusLabel(200), '200');
  assert.equal(statusLabel(699), '699');
  assert.equal(statusLabel(700), 'other');
  assert.equal(statusLabel(99), 'other');
  assert.equal(outcomeLabel('joined'), 'joined');
  assert.equal(outcomeLabel('too_many_attempts:pin'), 'too_many_attempts');
  assert.equal(outcomeLabel('room_refused:not_started'), 'room_refused');
  assert.equal(outcomeLabel('Weird Outcome'), 'other');
});
