// Audio assertions for wire tests: read a WAV the bridge or a client wrote,
// measure tone power with Goertzel, find the dominant frequency, compare with
// a reference (best-lag cross-correlation from sip-tools/wav-compare.mjs).
import { readFileSync } from 'node:fs';
import { readWav } from '../../bridge/rtp/wav.ts';
import { bestLag, compareWavs } from './sip-tools/wav-compare.mjs';

export { compareWavs };

/** Linear samples of an 8 kHz mono WAV (PCM16, µ-law or A-law). */
export function readSamples(path: string): Int16Array {
  return readWav(readFileSync(path)).samples;
}

/** Goertzel power of one frequency, normalised so a full-scale sine gives about 0.25 × n². */
export function goertzelPower(x: Int16Array, freq: number, rate = 8000): number {
  const k = 2 * Math.cos((2 * Math.PI * freq) / rate);
  let s1 = 0;
  let s2 = 0;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/**
 * Level (dB) of one frequency as the median of its Goertzel power over
 * blocks of `blockMs`, each normalised by its length. A jitter buffer that
 * drops or conceals a frame jumps the tone's phase; one coherent Goertzel
 * over seconds then loses several dB to cancellation, while each short block
 * still measures the tone, and the median ignores the few blocks a gap spoils.
 */
export function steadyToneDb(x: Int16Array, freq: number, blockMs = 40, rate = 8000): number {
  const n = Math.round((blockMs * rate) / 1000);
  const levels: number[] = [];
  for (let s = 0; s + n <= x.length; s += n) levels.push(goertzelPower(x.subarray(s, s + n), freq, rate) / (n * n));
  if (levels.length === 0) throw new Error(`steadyToneDb: fewer than ${n} samples`);
  levels.sort((a, b) => a - b);
  return 10 * Math.log10(Math.max(levels[levels.length >> 1]!, 1e-12));
}

/** Total energy (sum of squares). */
export function energy(x: Int16Array): number {
  let e = 0;
  for (let i = 0; i < x.length; i++) e += x[i]! * x[i]!;
  return e;
}

/** RMS level in dBFS (-Infinity for digital silence). */
export function levelDbfs(x: Int16Array): number {
  if (x.length === 0) return -Infinity;
  return 10 * Math.log10(energy(x) / x.length / 32768 ** 2);
}

/**
 * Strongest frequency between 100 and 3900 Hz in 10 Hz steps, and the share
 * of the signal's energy a pure tone there explains (about 1 for a clean sine).
 */
export function dominantFrequency(x: Int16Array, rate = 8000): { hz: number; share: number } {
  let best = { hz: 0, power: 0 };
  for (let f = 100; f <= 3900; f += 10) {
    const p = goertzelPower(x, f, rate);
    if (p > best.power) best = { hz: f, power: p };
  }
  const e = energy(x);
  // Goertzel power of a sine of amplitude A over n samples ≈ (A n / 2)²; its energy is A² n / 2.
  const share = e > 0 ? (2 * best.power) / (x.length * e) : 0;
  return { hz: best.hz, share };
}

/** The samples between two times (ms). */
export function slice(x: Int16Array, fromMs: number, toMs: number, rate = 8000): Int16Array {
  return x.subarray(Math.round((fromMs * rate) / 1000), Math.round((toMs * rate) / 1000));
}

export interface WindowMatch { startMs: number; lagMs: number; correlation: number }

/**
 * Cross-correlation of `rec` with `ref` window by window (each window of ref
 * searched in rec within ±maxLagMs of the same place), skipping near-silent
 * windows of ref. An adaptive jitter buffer may drop or conceal a frame when
 * the machine stalls, which moves the alignment by 20 ms: one global lag then
 * understates a faithful recording, while each window still matches.
 */
export function windowedCorrelation(ref: Int16Array, rec: Int16Array, windowMs = 1000, maxLagMs = 300): WindowMatch[] {
  const w = (windowMs * 8000) / 1000;
  const maxLag = (maxLagMs * 8000) / 1000;
  const out: WindowMatch[] = [];
  for (let s = 0; s + w <= ref.length; s += w) {
    const r = ref.subarray(s, s + w);
    if (levelDbfs(r) < -45) continue;
    const lo = Math.max(0, s - maxLag);
    const hi = Math.min(rec.length, s + w + maxLag);
    if (hi - lo < w / 2) { out.push({ startMs: s / 8, lagMs: NaN, correlation: 0 }); continue; }
    const b = bestLag(r, rec.subarray(lo, hi), maxLag + (s - lo));
    out.push({ startMs: s / 8, lagMs: (b.lagSamples + lo - s) / 8, correlation: b.correlation });
  }
  return out;
}

export interface Found { lagMs: number; correlation: number; windows: number[]; median: number }

/**
 * Where `ref` (a prompt) is in `rec` (a recording), searched up to
 * `maxLagSamples` in: the best global lag, then the per-second windows from
 * there (sorted) and their median — a busy machine's jitter buffer may drop a
 * frame and shift the rest by 20 ms, which one global lag understates.
 */
export function findInRecording(ref: Int16Array, rec: Int16Array, maxLagSamples: number): Found {
  const m = bestLag(ref, rec, maxLagSamples);
  const windows = windowedCorrelation(ref, rec.subarray(Math.max(0, m.lagSamples))).map((w) => w.correlation).sort((a, b) => a - b);
  return { lagMs: m.lagSamples / 8, correlation: m.correlation, windows, median: windows[Math.floor(windows.length / 2)] ?? 0 };
}
