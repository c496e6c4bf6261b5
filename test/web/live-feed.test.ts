// One connection's live feed (web/live/feed.ts) on a fake writer: order
// kept, bursts coalesced (latest talking and state per participant, quality
// merged), one write per flush, a congested client never written to and
// dropped with a `resync` past the bounds, `ended` flushed at once and the
// stream ended, the subscription released exactly once.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LiveFeed, type FeedTuning } from '../../web/live/feed.ts';
import type { SseFrame, SseWriter } from '../../web/http/event-stream.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import { fakeParticipant } from '../support/fake-live-host.ts';
import { encodeFrames } from '../../web/http/event-stream.ts';

class FakeWriter {
  writes: SseFrame[][] = [];
  ok = true;
  buffered = 0;
  ended = false;
  drain: (() => void) | null = null;
  get closed() { return this.ended; }
  write(frames: readonly SseFrame[]): boolean { this.writes.push([...frames]); return this.ok; }
  comment(): boolean { return this.ok; }
  onDrain(cb: () => void): void { this.drain = cb; }
  end(): void { this.ended = true; }
  get frames(): SseFrame[] { return this.writes.flat(); }
}

const base = { conferenceId: 'c1', accountId: 'a1', at: '2026-06-01T00:00:00.000Z' };
const talking = (id: string, on: boolean): LiveEvent => ({ type: 'talking', ...base, participantId: id, talking: on });
const state = (id: string, muted: boolean): LiveEvent => ({ type: 'participant', ...base, participant: fakeParticipant(id, { muted }), by: null });
const quality = (...items: Array<[string, number]>): LiveEvent => ({
  type: 'quality', ...base, items: items.map(([participantId, lossPct]) => ({ participantId, quality: { lossPct, jitterMs: 1, rttMs: null, badge: 'good' as const } })),
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const TUNING: FeedTuning = { flushMs: 5, maxPending: 50, maxBufferedBytes: 10_000 };

function started(tuning = TUNING, endsOn?: (e: LiveEvent) => boolean) {
  let released = 0;
  const feed = new LiveFeed(tuning, endsOn).opening([{ event: 'snapshot', data: { n: 1 } }], () => { released++; });
  const out = new FakeWriter();
  feed.start(out as unknown as SseWriter);
  return { feed, out, released: () => released };
}

describe('live feed', () => {
  it('keeps the order, coalesces talking and state per participant and merges quality, in one write', async () => {
    const { feed, out } = started();
    assert.deepEqual(out.frames.map((f) => f.event), ['snapshot']);
    feed.push({ type: 'joined', ...base, participant: fakeParticipant('p1') });
    feed.push(talking('p1', true));
    feed.push(state('p1', true));
    feed.push(quality(['p1', 1]));
    feed.push(talking('p1', false));
    feed.push(talking('p2', true));
    feed.push({ type: 'left', ...base, participantId: 'p3', reason: 'hangup' });
    feed.push(state('p1', false));
    feed.push(quality(['p2', 7], ['p1', 3]));
    feed.push({ type: 'locked', ...base, locked: true, by: null });
    assert.equal(out.writes.length, 1, 'nothing before the flush');
    await sleep(30);
    assert.equal(out.writes.length, 2, 'one write for the burst');
    const got = out.writes[1]!;
    assert.deepEqual(got.map((f) => f.event), ['joined', 'talking', 'participant', 'quality', 'talking', 'left', 'locked']);
    assert.equal((got[1]!.data as { talking: boolean }).talking, false);
    assert.equal((got[2]!.data as { participant: { muted: boolean } }).participant.muted, false);
    const items = (got[3]!.data as { items: Array<{ participantId: string; quality: { lossPct: number } }> }).items;
    assert.deepEqual(Object.fromEntries(items.map((i) => [i.participantId, i.quality.lossPct])), { p1: 3, p2: 7 });
    assert.deepEqual(feed.stats, { received: 10, written: 7, coalesced: 3, resyncs: 0 });
  });

  it('writes nothing to a congested client, resumes on drain, and drops it with a resync past maxPending', async () => {
    const { feed, out, released } = started();
    out.ok = false;
    feed.push(talking('p1', true));
    await sleep(20);
    assert.equal(out.writes.length, 2);
    for (let i = 0; i < 30; i++) feed.push(talking('p1', i % 2 === 0)); // coalesced: one slot
    feed.push({ type: 'left', ...base, participantId: 'x', reason: 'hangup' });
    await sleep(20);
    assert.equal(out.writes.length, 2, 'nothing written while the socket is full');
    assert.equal(feed.pending, 2);
    out.ok = true;
    out.drain!();
    await sleep(20);
    assert.deepEqual(out.writes[2]!.map((f) => f.event), ['talking', 'left']);
    out.ok = false;
    feed.push(talking('p1', true));
    await sleep(20);
    for (let i = 0; i < 60; i++) feed.push({ type: 'joined', ...base, participant: fakeParticipant(`j${i}`) });
    assert.equal(out.writes.at(-1)![0]!.event, 'resync');
    assert.equal(out.ended, true);
    assert.equal(Number(feed.pending), 0, 'the queue is dropped');
    feed.stop();
    feed.stop();
    assert.equal(released(), 1);
    feed.push(talking('p1', false));
    assert.equal(feed.pending, 0, 'nothing queued after stop');
  });

  it('drops a client whose socket holds more than maxBufferedBytes', async () => {
    const { feed, out } = started();
    out.buffered = 20_000;
    feed.push(talking('p1', true));
    await sleep(20);
    assert.equal(out.frames.at(-1)!.event, 'resync');
    assert.deepEqual(out.frames.at(-1)!.data, { reason: 'buffer' });
    assert.equal(out.ended, true);
  });

  it('writes `ended` at once and ends the stream', async () => {
    const { feed, out } = started({ ...TUNING, flushMs: 10_000 }, (e) => e.type === 'ended');
    feed.push(talking('p1', true));
    feed.push({ type: 'ended', ...base, reason: 'web' });
    feed.push(talking('p1', false));
    await sleep(10);
    assert.deepEqual(out.frames.map((f) => f.event), ['snapshot', 'talking', 'ended']);
    assert.equal(out.ended, true);
  });

  it('overflowing before the stream opens sends the snapshot and a resync, then ends', () => {
    let released = 0;
    const feed = new LiveFeed({ ...TUNING, maxPending: 3 });
    for (let i = 0; i < 5; i++) feed.push({ type: 'joined', ...base, participant: fakeParticipant(`j${i}`) });
    feed.opening([{ event: 'snapshot', data: {} }], () => { released++; });
    const out = new FakeWriter();
    feed.start(out as unknown as SseWriter);
    assert.deepEqual(out.frames.map((f) => f.event), ['snapshot', 'resync']);
    assert.equal(out.ended, true);
    feed.stop();
    assert.equal(released, 1);
  });

  it('a feed stopped before it opened releases its subscription when it gets one', () => {
    const feed = new LiveFeed(TUNING);
    feed.stop();
    let released = 0;
    feed.opening([], () => { released++; });
    assert.equal(released, 1);
  });

  it('encodes frames as text/event-stream with one JSON data line each', () => {
    assert.equal(encodeFrames([{ event: 'talking', data: { a: 'x\ny' } }, { event: 'ended', data: {} }]), 'event: talking\ndata: {"a":"x\\ny"}\n\nevent: ended\ndata: {}\n\n');
  });
});
