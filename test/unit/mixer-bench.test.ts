// Micro-benchmark of the mixer core: one tick with 1000 members. Prints the
// median cost per tick; asserts only a generous bound (5 ms, a quarter of the
// 20 ms frame) so a loaded machine cannot make it flaky.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConferenceMixer } from '../../bridge/mixer/conference-mixer.ts';
import { PCMA, PCMU } from '../../bridge/rtp/g711.ts';
import { ToneSource } from '../../bridge/rtp/tones.ts';
import { FRAME_SAMPLES, type FrameSource } from '../../bridge/rtp/frame-source.ts';

const MEMBERS = 1000;
const BOUND_MS = 5;

/** Loops over pre-generated frames without copying (the jitter buffer's cost is the engine's). */
function loopFrames(frames: readonly Int16Array[]): FrameSource {
  let i = 0;
  return { next: () => frames[i++ % frames.length]! };
}

function toneFrames(hz: number, levelDbfs: number, count = 50): Int16Array[] {
  const src = new ToneSource({ frequencies: [hz], levelDbfs });
  return Array.from({ length: count }, () => src.next()!);
}

/** Low-level noise (about −60 dBFS): measured by the detector, never talking. */
function noiseFrames(seed: number, count = 8): Int16Array[] {
  let x = seed * 2654435761 >>> 0;
  return Array.from({ length: count }, () => Int16Array.from({ length: FRAME_SAMPLES }, () => {
    x = (x * 1664525 + 1013904223) >>> 0;
    return (x >>> 16) % 64 - 32;
  }));
}

/** Per-tick cost: median and minimum over runs (the minimum is the least disturbed by a busy machine). */
function tickMs(mixer: ConferenceMixer, runs = 7, ticksPerRun = 300): { median: number; min: number } {
  for (let t = 0; t < 300; t++) mixer.tick(); // warm-up: JIT and talk state
  const perTick: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = process.hrtime.bigint();
    for (let t = 0; t < ticksPerRun; t++) mixer.tick();
    perTick.push(Number(process.hrtime.bigint() - start) / 1e6 / ticksPerRun);
  }
  perTick.sort((a, b) => a - b);
  return { median: perTick[Math.floor(runs / 2)]!, min: perTick[0]! };
}

test(`bench: ${MEMBERS} members, 3 talkers, PCMU and PCMA`, (t) => {
  const mixer = new ConferenceMixer();
  const talkerFrames = [toneFrames(400, -20), toneFrames(1000, -24), toneFrames(1900, -28)];
  for (let i = 0; i < MEMBERS; i++) {
    const input = i < 3 ? loopFrames(talkerFrames[i]!) : loopFrames(noiseFrames(i));
    mixer.addMember(`m${i}`, { codec: i % 2 ? PCMA : PCMU, input });
  }
  const { median: ms, min } = tickMs(mixer);
  const r = mixer.tick();
  assert.equal(r.talkers.length, 3);
  assert.equal(r.encodes, 3 + 2);
  t.diagnostic(`1000 members / 3 talkers: ${(ms * 1000).toFixed(0)} µs per tick (median of 7 × 300 ticks; best run ${(min * 1000).toFixed(0)} µs)`);
  assert.ok(ms < BOUND_MS, `${ms.toFixed(3)} ms per tick`);
});

test(`bench: ${MEMBERS} members all talking, bounded to the default maxTalkers`, (t) => {
  const mixer = new ConferenceMixer();
  const frames = Array.from({ length: 16 }, (_, k) => toneFrames(300 + k * 200, -15 - k));
  for (let i = 0; i < MEMBERS; i++) mixer.addMember(`m${i}`, { codec: i % 2 ? PCMA : PCMU, input: loopFrames(frames[i % frames.length]!) });
  const { median: ms, min } = tickMs(mixer);
  const r = mixer.tick();
  assert.equal(r.talkers.length, mixer.maxTalkers);
  assert.equal(mixer.members.filter((m) => m.talking).length, MEMBERS);
  assert.equal(r.encodes, mixer.maxTalkers + 2);
  t.diagnostic(`1000 members all talking / ${mixer.maxTalkers} mixed: ${(ms * 1000).toFixed(0)} µs per tick (median of 7 × 300 ticks; best run ${(min * 1000).toFixed(0)} µs)`);
  assert.ok(ms < BOUND_MS, `${ms.toFixed(3)} ms per tick`);
});
