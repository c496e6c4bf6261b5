import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JitterBuffer, type JitterFrame, type JitterBufferOptions } from '../../bridge/rtp/jitter-buffer.ts';
import { ULAW_TO_LINEAR } from '../../bridge/rtp/g711.ts';

// Every sample of the sender's timeline n carries a known µ-law code, so an
// output frame can be checked sample-exact against the timeline.
const code = (n: number): number => (n * 7 + 3) % 251;
const linear = (n: number): number => ULAW_TO_LINEAR[code(n)]!;

interface Sender { ssrc: number; seq0: number; ts0: number }
function payload(n0: number, samples: number): Uint8Array {
  const p = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) p[i] = code(n0 + i);
  return p;
}
/** Packet k of a stream with `samples` per packet (sample index n0 = k × samples). */
function packet(s: Sender, k: number, samples = 160, arrivalMs = k * (samples / 8)) {
  return { seq: (s.seq0 + k) & 0xffff, timestamp: (s.ts0 + k * samples) >>> 0, ssrc: s.ssrc, payload: payload(k * samples, samples), arrivalMs };
}

/** The timeline index of the first sample when the frame is audio taken from the timeline, else undefined. */
function timelineStart(f: JitterFrame): number | undefined {
  if (f.kind !== 'audio') return undefined;
  for (let n0 = 0; n0 < 251; n0++) {
    if (linear(n0) !== f.samples[0]) continue;
    let ok = true;
    for (let i = 1; i < 160 && ok; i++) ok = linear(n0 + i) === f.samples[i];
    if (ok) return n0;
  }
  return undefined;
}
const copy = (f: JitterFrame): JitterFrame => ({ kind: f.kind, samples: f.samples.slice() });

/** Checks that the audio frames, in order, are consecutive 160-sample pieces of the timeline. */
function assertContiguous(frames: JitterFrame[], expectedAudioFrames: number): void {
  const audio = frames.filter((f) => f.kind === 'audio');
  assert.equal(audio.length, expectedAudioFrames);
  let prev: number | undefined;
  for (const f of audio) {
    const n0 = timelineStart(f);
    assert.notEqual(n0, undefined, 'audio frame is not from the timeline');
    if (prev !== undefined) assert.equal(n0, (prev + 160) % 251, 'frames not consecutive');
    prev = n0;
  }
}

interface SimOptions {
  ptimeMs?: number; packets: number; delayMs?: (k: number) => number; drop?: (k: number) => boolean;
  tickOffsetMs?: number; extraTicks?: number; jb?: JitterBufferOptions; sender?: Sender;
}
/** Event-driven: packets sent every ptime with a network delay, get() every 20 ms. */
function simulate(o: SimOptions): { jb: JitterBuffer; frames: JitterFrame[]; counters: JitterBuffer['counters'] } {
  const ptime = o.ptimeMs ?? 20, samples = ptime * 8;
  const s = o.sender ?? { ssrc: 0x1234, seq0: 1000, ts0: 50_000 };
  const jb = new JitterBuffer(o.jb);
  const events: Array<{ t: number; order: number; run: () => void }> = [];
  for (let k = 0; k < o.packets; k++) {
    if (o.drop?.(k)) continue;
    const t = k * ptime + (o.delayMs?.(k) ?? 0);
    events.push({ t, order: 0, run: () => jb.put(packet(s, k, samples, t)) });
  }
  const frames: JitterFrame[] = [];
  // Counters as they were when the last audio frame played (the tail after the stream ends is concealment).
  let counters = jb.counters;
  const tick = (): void => {
    const f = copy(jb.get());
    frames.push(f);
    if (f.kind === 'audio') counters = jb.counters;
  };
  const ticks = Math.ceil((o.packets * ptime) / 20) + (o.extraTicks ?? 15);
  for (let i = 0; i < ticks; i++) events.push({ t: (o.tickOffsetMs ?? 1) + i * 20, order: 1, run: tick });
  events.sort((a, b) => a.t - b.t || a.order - b.order);
  for (const e of events) e.run();
  return { jb, frames, counters };
}

test('JitterBuffer: in-order 20 ms stream plays every frame, sample-exact and in order', () => {
  const { counters: c0, frames, jb } = simulate({ packets: 100 });
  assertContiguous(frames, 100);
  const c = c0;
  assert.equal(c.received, 100);
  assert.deepEqual([c.lost, c.late, c.duplicate, c.concealed, c.overflowDropped, c.underruns], [0, 0, 0, 0, 0, 0]);
  assert.equal(frames[0]?.kind, 'audio', 'starts as soon as the target (20 ms) is buffered');
});

test('JitterBuffer: reordered packets are played in timestamp order', () => {
  // Swap each pair in arrival (packet 2k+1 arrives 1 ms before 2k), with 60 ms minimum delay.
  const { counters: c0, frames, jb } = simulate({ packets: 60, delayMs: (k) => (k % 2 === 0 ? 21 : 0), jb: { minDelayMs: 60 } });
  assertContiguous(frames, 60);
  assert.equal(c0.late, 0);
  assert.equal(c0.concealed, 0);
});

test('JitterBuffer: a lost packet is concealed by the last frame at −6 dB, and counted', () => {
  const { counters: c0, frames, jb } = simulate({ packets: 30, drop: (k) => k === 10, jb: { minDelayMs: 40 } });
  const i = frames.findIndex((f) => f.kind === 'concealed');
  assert.ok(i > 0);
  const before = frames[i - 1]!;
  assert.equal(before.kind, 'audio');
  for (let n = 0; n < 160; n++) assert.equal(frames[i]!.samples[n], Math.round(before.samples[n]! * 0.5));
  assert.equal(timelineStart(frames[i + 1]!), (timelineStart(before)! + 320) % 251, 'the next frame is packet 11, in time');
  assert.equal(c0.lost, 1);
  assert.equal(c0.concealed, 1);
  assertContiguous(frames.slice(0, i), 10);
});

test('JitterBuffer: a burst loss fades −6, −12, −18 dB, then silence, then audio again', () => {
  const { counters: c0, frames, jb } = simulate({ packets: 40, drop: (k) => k >= 10 && k < 16, jb: { minDelayMs: 40 } });
  const first = frames.findIndex((f) => f.kind !== 'audio' && frames.indexOf(f) > 2);
  const last = frames[first - 1]!;
  const peak = (f: JitterFrame): number => f.samples.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  assert.deepEqual(frames.slice(first, first + 6).map((f) => f.kind), ['concealed', 'concealed', 'concealed', 'silence', 'silence', 'silence']);
  assert.ok(Math.abs(peak(frames[first]!) - peak(last) / 2) <= 1);
  assert.ok(Math.abs(peak(frames[first + 2]!) - peak(last) / 8) <= 1);
  assert.equal(peak(frames[first + 3]!), 0);
  assert.equal(frames[first + 6]?.kind, 'audio');
  assert.equal(c0.lost, 6);
  assert.equal(c0.concealed, 3);
});

test('JitterBuffer: duplicates are dropped and counted, whether buffered or already played', () => {
  const s: Sender = { ssrc: 1, seq0: 0, ts0: 0 };
  const jb = new JitterBuffer({ minDelayMs: 40 });
  jb.put(packet(s, 0)); jb.put(packet(s, 1)); jb.put(packet(s, 1));
  const f0 = copy(jb.get());
  jb.put(packet(s, 0)); // already played
  jb.put(packet(s, 2));
  const frames = [f0, copy(jb.get()), copy(jb.get())];
  assertContiguous(frames, 3);
  assert.equal(jb.counters.duplicate, 2);
  assert.equal(jb.counters.late, 0);
  assert.equal(jb.counters.received, 3);
});

test('JitterBuffer: a packet arriving after its time was played is late, not played', () => {
  const s: Sender = { ssrc: 1, seq0: 0, ts0: 0 };
  const jb = new JitterBuffer();
  jb.put(packet(s, 0)); jb.get();
  jb.put(packet(s, 2)); jb.put(packet(s, 3));
  const concealed = copy(jb.get()); // frame 1 missing, newer data present → concealed
  assert.equal(concealed.kind, 'concealed');
  jb.put(packet(s, 1)); // too late
  const next = copy(jb.get());
  assert.equal(timelineStart(next), 320 % 251);
  assert.equal(jb.counters.late, 1);
  assert.equal(jb.counters.lost, 0, 'a late packet is received, not lost');
});

test('JitterBuffer: an SSRC change resets the stream; the new source plays from its own timestamps', () => {
  const a: Sender = { ssrc: 0xa, seq0: 100, ts0: 1_000_000 };
  const b: Sender = { ssrc: 0xb, seq0: 40_000, ts0: 7 };
  const jb = new JitterBuffer();
  const frames: JitterFrame[] = [];
  for (let k = 0; k < 10; k++) { jb.put(packet(a, k)); frames.push(copy(jb.get())); }
  for (let k = 10; k < 20; k++) { jb.put(packet(b, k)); frames.push(copy(jb.get())); }
  assertContiguous(frames, 20);
  assert.equal(jb.counters.ssrcChanges, 1);
  assert.equal(jb.counters.late, 0);
  assert.equal(jb.counters.lost, 0);
});

test('JitterBuffer: 10 ms packets are re-packetised into 20 ms frames', () => {
  const { counters: c0, frames, jb } = simulate({ ptimeMs: 10, packets: 100 });
  assertContiguous(frames, 50);
  assert.equal(c0.received, 100);
  assert.equal(c0.concealed, 0);
});

test('JitterBuffer: 30 ms packets are re-packetised into 20 ms frames (one underrun while the delay settles)', () => {
  const { counters: c0, frames, jb } = simulate({ ptimeMs: 30, packets: 60, extraTicks: 20 });
  assertContiguous(frames, 90);
  assert.ok(c0.underruns <= 1, `underruns ${c0.underruns}`);
  assert.equal(c0.lost + c0.late, 0);
});

test('JitterBuffer: 40 ms packets too', () => {
  const { counters: c0, frames, jb } = simulate({ ptimeMs: 40, packets: 40, extraTicks: 20 });
  assertContiguous(frames, 80);
  assert.equal(jb.counters.late, 0);
});

test('JitterBuffer: sequence number and timestamp wrap-around', () => {
  const { counters: c0, frames, jb } = simulate({ packets: 60, sender: { ssrc: 9, seq0: 65_520, ts0: 2 ** 32 - 160 * 25 } });
  assertContiguous(frames, 60);
  assert.deepEqual([jb.counters.lost, jb.counters.late, jb.counters.duplicate], [0, 0, 0]);
});

test('JitterBuffer: overflow — a buffer nobody reads stays within capacityMs and keeps the newest audio', () => {
  const s: Sender = { ssrc: 1, seq0: 0, ts0: 0 };
  const jb = new JitterBuffer({ capacityMs: 300 });
  for (let k = 0; k < 200; k++) jb.put(packet(s, k));
  assert.ok(jb.depthMs <= 300, `depth ${jb.depthMs}`);
  assert.equal(jb.counters.overflowDropped, 200 - 15);
  const first = copy(jb.get());
  assert.equal(timelineStart(first), (185 * 160) % 251, 'plays the oldest frame still buffered');
});

test('JitterBuffer: adaptive target follows measured jitter, within [min, max]', () => {
  const calm = simulate({ packets: 200 });
  assert.equal(calm.jb.targetMs, 20);
  // Network delay jumping between 0 and 60 ms.
  let seed = 7;
  const rand = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const delays = Array.from({ length: 300 }, () => rand() * 60);
  const jittery = simulate({ packets: 300, delayMs: (k) => delays[k]!, extraTicks: 10 });
  assert.ok(jittery.jb.jitterMs > 10, `jitter ${jittery.jb.jitterMs}`);
  assert.ok(jittery.jb.targetMs >= 60 && jittery.jb.targetMs <= 200, `target ${jittery.jb.targetMs}`);
  const c = jittery.jb.counters;
  assert.ok(c.late < 15, `late ${c.late} of 300`);
  assert.equal(c.lost, 0);
  const wild = simulate({ packets: 200, delayMs: (k) => (k % 2) * 400, jb: { maxDelayMs: 200 } });
  assert.equal(wild.jb.targetMs, 200, 'clamped to maxDelayMs');
});

test('JitterBuffer: the delay shrinks back after a delay spike', () => {
  // One 120 ms delay spike at packet 20; the buffer stalls and grows, then comes back down.
  const { counters: c0, frames, jb } = simulate({ packets: 400, delayMs: (k) => (k >= 20 && k < 26 ? 120 - (k - 20) * 20 : 0) });
  assert.ok(jb.counters.shrunk >= 1, `shrunk ${jb.counters.shrunk}`);
  assert.ok(jb.depthMs <= 60, `depth ${jb.depthMs}`);
  assert.equal(jb.counters.late, 0);
  assert.ok(frames.filter((f) => f.kind === 'audio').length >= 400 - 6 - jb.counters.shrunk);
});

test('JitterBuffer: a pause in the stream (DTX, hold) then resumption plays the new talkspurt without late drops', () => {
  const s: Sender = { ssrc: 5, seq0: 0, ts0: 0 };
  const jb = new JitterBuffer();
  const frames: JitterFrame[] = [];
  for (let k = 0; k < 10; k++) { jb.put(packet(s, k, 160, k * 20)); frames.push(copy(jb.get())); }
  for (let i = 0; i < 100; i++) frames.push(copy(jb.get())); // 2 s with nothing
  for (let k = 110; k < 130; k++) { jb.put(packet(s, k - 100, 160, k * 20)); jb.put({ ...packet(s, k, 160, k * 20), seq: (k - 100 + 0) & 0xffff }); frames.push(copy(jb.get())); }
  // (packets 110… carry seq 10… continuing; their timestamps jumped by the pause)
  const kinds = frames.slice(10, 110).map((f) => f.kind);
  assert.deepEqual(kinds.slice(0, 4), ['concealed', 'concealed', 'concealed', 'silence']);
  assert.ok(frames.slice(110).filter((f) => f.kind === 'audio').length >= 18);
  assert.equal(jb.counters.late, 0);
});

test('JitterBuffer: A-law per packet payload type, and invalid payloads', () => {
  const jb = new JitterBuffer();
  jb.put({ seq: 1, timestamp: 0, ssrc: 1, payload: new Uint8Array(160).fill(0xd5), arrivalMs: 0, payloadType: 8 });
  const f = jb.get();
  assert.equal(f.kind, 'audio');
  assert.ok(f.samples.every((v) => v === 8), 'A-law 0xD5 = +8');
  jb.put({ seq: 2, timestamp: 160, ssrc: 1, payload: new Uint8Array(0), arrivalMs: 20 });
  jb.put({ seq: 3, timestamp: 320, ssrc: 1, payload: new Uint8Array(8000), arrivalMs: 40 });
  assert.equal(jb.counters.invalid, 2);
  assert.throws(() => new JitterBuffer({ minDelayMs: 300, maxDelayMs: 200 }), RangeError);
  assert.throws(() => jb.get(new Int16Array(10)), RangeError);
});

test('JitterBuffer: get() writes into a caller buffer and costs little', () => {
  const s: Sender = { ssrc: 1, seq0: 0, ts0: 0 };
  const jb = new JitterBuffer();
  const out = new Int16Array(160);
  const packets = Array.from({ length: 5000 }, (_, k) => packet(s, k));
  const t0 = process.hrtime.bigint();
  for (const p of packets) { jb.put(p); assert.equal(jb.get(out).samples, out); }
  const usPerFrame = Number(process.hrtime.bigint() - t0) / 1000 / 5000;
  assert.ok(usPerFrame < 50, `${usPerFrame.toFixed(2)} µs per put+get`);
});
