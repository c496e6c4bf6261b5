import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ToneSource, beep, ringbackTone, progressTone, sineAmplitude } from '../../bridge/rtp/tones.ts';
import { SilenceSource, PcmSource, SequenceSource, FRAME_SAMPLES, type FrameSource } from '../../bridge/rtp/frame-source.ts';

function drain(src: FrameSource, maxFrames = 100_000): Int16Array {
  const frames: Int16Array[] = [];
  for (let f = src.next(); f; f = src.next()) {
    assert.equal(f.length, FRAME_SAMPLES);
    frames.push(f);
    assert.ok(frames.length <= maxFrames, 'source did not finish');
  }
  const out = new Int16Array(frames.length * FRAME_SAMPLES);
  frames.forEach((f, i) => out.set(f, i * FRAME_SAMPLES));
  return out;
}

function take(src: FrameSource, frames: number): Int16Array {
  const out = new Int16Array(frames * FRAME_SAMPLES);
  for (let i = 0; i < frames; i++) out.set(src.next() ?? new Int16Array(FRAME_SAMPLES), i * FRAME_SAMPLES);
  return out;
}

/** Amplitude of the component at `freq` (Goertzel over the whole block). */
function amplitudeAt(x: Int16Array, freq: number): number {
  const w = (2 * Math.PI * freq) / 8000, k = 2 * Math.cos(w);
  let s1 = 0, s2 = 0;
  for (const v of x) { const s0 = v + k * s1 - s2; s2 = s1; s1 = s0; }
  return (2 * Math.sqrt(s1 * s1 + s2 * s2 - k * s1 * s2)) / x.length;
}
const rms = (x: Int16Array): number => Math.sqrt(x.reduce((a, v) => a + v * v, 0) / Math.max(1, x.length));

test('ToneSource: single sine at −10 dBFS has the right frequency and level; 200 ms = 10 frames', () => {
  const x = drain(new ToneSource({ frequencies: [1000], levelDbfs: -10, durationMs: 200 }));
  assert.equal(x.length, 1600);
  const expected = sineAmplitude(-10);
  assert.ok(Math.abs(amplitudeAt(x, 1000) - expected) < expected * 0.01);
  assert.ok(amplitudeAt(x, 1300) < expected * 0.01);
  assert.ok(Math.abs(rms(x) - expected / Math.SQRT2) < 30);
});

test('ToneSource: dual tone has both components at the level, and phase continuity across frames', () => {
  const x = take(new ToneSource({ frequencies: [440, 480], levelDbfs: -20 }), 50);
  const a = sineAmplitude(-20);
  assert.ok(Math.abs(amplitudeAt(x, 440) - a) < a * 0.02);
  assert.ok(Math.abs(amplitudeAt(x, 480) - a) < a * 0.02);
  // No discontinuity at frame edges: the step between samples stays small everywhere.
  let maxStep = 0;
  for (let i = 1; i < x.length; i++) maxStep = Math.max(maxStep, Math.abs(x[i]! - x[i - 1]!));
  assert.ok(maxStep < 2 * a * 2 * Math.PI * 480 / 8000 + 2);
});

function onOffSegments(x: Int16Array): Array<[boolean, number]> {
  // Per frame: on when any sample is non-zero; run-length encode in ms.
  const segs: Array<[boolean, number]> = [];
  for (let f = 0; f < x.length / FRAME_SAMPLES; f++) {
    const on = x.subarray(f * FRAME_SAMPLES, (f + 1) * FRAME_SAMPLES).some((v) => v !== 0);
    const last = segs.at(-1);
    if (last && last[0] === on) last[1] += 20; else segs.push([on, 20]);
  }
  return segs;
}

test('China ring-back: 450 Hz, 1 s on, 4 s off, repeating', () => {
  const x = take(ringbackTone('CN'), 500); // 10 s
  assert.deepEqual(onOffSegments(x), [[true, 1000], [false, 4000], [true, 1000], [false, 4000]]);
  assert.ok(amplitudeAt(x.subarray(0, 8000), 450) > 0.9 * sineAmplitude(-13));
});

test('US ring-back: 440+480 Hz, 2 s on, 4 s off', () => {
  const x = take(ringbackTone('US'), 450); // 9 s
  assert.deepEqual(onOffSegments(x), [[true, 2000], [false, 4000], [true, 2000], [false, 1000]]);
  const on = x.subarray(0, 16000);
  assert.ok(amplitudeAt(on, 440) > 0.9 * sineAmplitude(-13) && amplitudeAt(on, 480) > 0.9 * sineAmplitude(-13));
});

test('busy tones cadence (CN 350/350, US 500/500)', () => {
  assert.deepEqual(onOffSegments(take(progressTone('US', 'busy'), 100)), [[true, 500], [false, 500], [true, 500], [false, 500]]);
  const cn = onOffSegments(take(progressTone('CN', 'busy'), 35)); // 700 ms
  assert.deepEqual(cn.map(([on]) => on), [true, false]);
});

test('beep: 1 kHz, 200 ms, then finished', () => {
  const x = drain(beep());
  assert.equal(x.length, 1600);
  assert.ok(amplitudeAt(x, 1000) > 0.95 * sineAmplitude(-13));
  assert.equal(drain(beep({ durationMs: 30 })).length, 320, 'rounded up to whole frames, tail silent');
});

test('ToneSource rejects bad parameters', () => {
  assert.throws(() => new ToneSource({ frequencies: [] }), RangeError);
  assert.throws(() => new ToneSource({ frequencies: [4500] }), RangeError);
  assert.throws(() => new ToneSource({ frequencies: [400, 500], levelDbfs: 0 }), RangeError, 'clips');
  assert.throws(() => new ToneSource({ frequencies: [400], cadenceMs: [100] }), RangeError);
});

test('FrameSource: output buffer is reused when given', () => {
  const buf = new Int16Array(FRAME_SAMPLES);
  assert.equal(beep().next(buf), buf);
  assert.equal(new SilenceSource(100).next(buf), buf);
  assert.equal(new PcmSource(new Int16Array(10)).next(buf), buf);
  assert.throws(() => beep().next(new Int16Array(10)), RangeError);
});

test('SilenceSource: duration in frames, or endless', () => {
  assert.equal(drain(new SilenceSource(100)).length, 800);
  assert.ok(drain(new SilenceSource(50)).every((v) => v === 0));
  const endless = new SilenceSource();
  for (let i = 0; i < 1000; i++) assert.ok(endless.next());
});

test('PcmSource: plays samples, pads the last frame, loops for hold music', () => {
  const samples = Int16Array.from({ length: 400 }, (_, i) => i + 1);
  const once = drain(new PcmSource(samples));
  assert.equal(once.length, 480);
  assert.deepEqual(once.subarray(0, 400), samples);
  assert.ok(once.subarray(400).every((v) => v === 0));
  const looped = take(new PcmSource(samples, { loop: true }), 5);
  assert.equal(looped[400], 1, 'wraps to the start without a gap');
  assert.equal(looped[799], 400);
  assert.equal(new PcmSource(new Int16Array(0)).next(), null);
  assert.equal(new PcmSource(new Int16Array(0), { loop: true }).next(), null, 'empty loop finishes');
  const p = new PcmSource(samples);
  drain(p);
  p.rewind();
  assert.equal(p.next()?.[0], 1);
});

test('SequenceSource: plays each source in turn, skipping empty ones', () => {
  const seq = new SequenceSource([beep({ durationMs: 40 }), new PcmSource(new Int16Array(0)), new SilenceSource(60), beep({ durationMs: 20 })]);
  const x = drain(seq);
  assert.equal(x.length, 6 * FRAME_SAMPLES);
  assert.deepEqual(onOffSegments(x), [[true, 40], [false, 60], [true, 20]]);
  assert.equal(seq.next(), null);
});
