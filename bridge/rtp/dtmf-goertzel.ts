// In-band DTMF detector (ITU-T Q.23 frequencies, Q.24 acceptance) on 8 kHz
// linear PCM.
//
// The signal is cut into blocks of 102 samples (12.75 ms; bins 78 Hz wide,
// which separates the row tones 697/770/852/941 Hz while tolerating ±1.5 %
// frequency error). Each block runs the Goertzel filter on the eight DTMF
// frequencies and is a "hit" for a digit when:
//   - the strongest row and column tones are each above the level threshold;
//   - twist: the column tone is at most 8 dB weaker (normal twist) or 4 dB
//     stronger (reverse twist) than the row tone;
//   - relative peak: each of the two tones is ≥ 8 dB above the other tones
//     of its group;
//   - the two tones hold most of the block's energy (speech and music spread
//     theirs);
//   - the column tone's second harmonic is ≥ 15 dB below it (a voice or an
//     instrument has harmonics, a DTMF generator does not);
//   - frequency: each tone is stronger at its nominal frequency than at
//     ±5 % of it, which accepts ±1.5 % and rejects beyond about ±2.5 % (Q.24
//     requires rejection beyond ±3.5 %; the 78 Hz bins alone would not).
// A digit starts after 3 consecutive hits (≥ 38 ms: a 50 ms tone always gives
// 3 hits, a 30 ms tone at most 2) and ends after 2 blocks without it, so a
// one-block dropout does not split a keypress and one keypress is one digit.
//
// Levels: dBm0 per G.711, 0 dBm0 being a sine 3.17 dB below full scale.
import { DTMF_DIGITS } from './telephone-event.ts';

export const DTMF_ROW_HZ = [697, 770, 852, 941] as const;
export const DTMF_COL_HZ = [1209, 1336, 1477, 1633] as const;
const KEYPAD = ['123A', '456B', '789C', '*0#D'] as const;

const RATE = 8000;
export const DTMF_BLOCK = 102;
const MIN_HITS = 3;
const END_MISSES = 2;
/** Peak amplitude of a 0 dBm0 sine in 16-bit PCM. */
const DBM0_PEAK = 32767 * 10 ** (-3.17 / 20);

export interface DtmfDetectorOptions {
  /** Minimum level of each tone, dBm0 (default −36). */
  minLevelDbm0?: number;
  /** Column tone weaker than the row tone by at most this (default 8 dB). */
  normalTwistDb?: number;
  /** Column tone stronger than the row tone by at most this (default 4 dB). */
  reverseTwistDb?: number;
  /** Each tone above the others of its group by at least this (default 8 dB). */
  relativePeakDb?: number;
  /** Share of the block energy the two tones must hold (default 0.7). */
  minToneShare?: number;
  /** Column tone above its second harmonic by at least this (default 15 dB). */
  harmonicRejectDb?: number;
}

export interface DetectedDigit {
  digit: string;
  /** Start of the first block of the tone, in ms since the detector started. */
  startMs: number;
  durationMs: number;
}

interface Goertzel { coeff: number }
const goertzel = (hz: number): Goertzel => ({ coeff: 2 * Math.cos((2 * Math.PI * hz) / RATE) });

/** Goertzel power |X(f)|² of the block (same scale as (N·A/2)² for a sine of amplitude A). */
function power(g: Goertzel, x: Float64Array): number {
  let s1 = 0, s2 = 0;
  const c = g.coeff;
  for (let i = 0; i < x.length; i++) {
    const s0 = x[i]! + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

const dbRatio = (db: number): number => 10 ** (db / 10);
const NONE: readonly DetectedDigit[] = Object.freeze([]);

export class DtmfDetector {
  private readonly rows = DTMF_ROW_HZ.map(goertzel);
  private readonly cols = DTMF_COL_HZ.map(goertzel);
  private readonly colHarmonics = DTMF_COL_HZ.map((hz) => goertzel(2 * hz));
  private readonly rowProbes = DTMF_ROW_HZ.map((hz) => [goertzel(hz * 0.95), goertzel(hz * 1.05)] as const);
  private readonly colProbes = DTMF_COL_HZ.map((hz) => [goertzel(hz * 0.95), goertzel(hz * 1.05)] as const);
  private readonly minPower: number;
  private readonly normalTwist: number;
  private readonly reverseTwist: number;
  private readonly relativePeak: number;
  private readonly minToneShare: number;
  private readonly harmonicReject: number;

  private readonly block = new Float64Array(DTMF_BLOCK);
  private filled = 0;
  private blockEnergy = 0;
  private blockIndex = 0;

  private candidate: string | undefined;
  private candidateHits = 0;
  private candidateStart = 0;
  private active: string | undefined;
  private activeStart = 0;
  private activeLastHit = 0;
  private misses = 0;

  constructor(opts: DtmfDetectorOptions = {}) {
    const minAmplitude = DBM0_PEAK * 10 ** ((opts.minLevelDbm0 ?? -36) / 20);
    this.minPower = ((DTMF_BLOCK * minAmplitude) / 2) ** 2;
    this.normalTwist = dbRatio(opts.normalTwistDb ?? 8);
    this.reverseTwist = dbRatio(opts.reverseTwistDb ?? 4);
    this.relativePeak = dbRatio(opts.relativePeakDb ?? 8);
    this.minToneShare = opts.minToneShare ?? 0.7;
    this.harmonicReject = dbRatio(opts.harmonicRejectDb ?? 15);
  }

  /** The digit currently held (after the minimum duration), for barge-in. */
  get activeDigit(): string | undefined {
    return this.active;
  }

  /** Feeds samples (any length); returns the digits that ended within them. */
  process(samples: Int16Array): readonly DetectedDigit[] {
    let out: DetectedDigit[] | undefined;
    const block = this.block;
    const n = samples.length;
    let filled = this.filled;
    let energy = this.blockEnergy; // of the block so far, summed while copying
    let i = 0;
    while (i < n) {
      const take = Math.min(DTMF_BLOCK - filled, n - i);
      for (let k = 0; k < take; k++) {
        const v = samples[i + k]!;
        block[filled + k] = v;
        energy += v * v;
      }
      filled += take;
      i += take;
      if (filled === DTMF_BLOCK) {
        filled = 0;
        const ended = this.onBlock(this.classify(block, energy));
        energy = 0;
        if (ended) (out ??= []).push(ended);
      }
    }
    this.filled = filled;
    this.blockEnergy = energy;
    return out ?? NONE;
  }

  /** Ends a digit still held at the end of the stream. */
  flush(): readonly DetectedDigit[] {
    if (!this.active) return NONE;
    const d = this.finish();
    return [d];
  }

  /** The digit this block carries, or undefined. */
  private classify(x: Float64Array, energy: number): string | undefined {
    // Two tones each at least minPower carry at least 2·2·minPower/N of energy (see the share
    // below): quieter blocks — most frames of most callers — skip the eight filters.
    if (energy < (4 * this.minPower) / DTMF_BLOCK) return undefined;
    // The low group alone rules out most loud blocks (speech, music, a
    // single tone) before the high group's four filters run.
    const [row, rowPower, rowNext] = strongest(this.rows, x);
    if (rowPower < this.minPower || rowNext * this.relativePeak > rowPower) return undefined;
    const [col, colPower, colNext] = strongest(this.cols, x);
    if (colPower < this.minPower || colNext * this.relativePeak > colPower) return undefined;
    // Twist (Q.24): normal = high-group tone weaker than low-group tone.
    if (rowPower > colPower * this.normalTwist || colPower > rowPower * this.reverseTwist) return undefined;
    // For a sine of amplitude A, power = (N·A/2)² and its energy is N·A²/2: share = 2·power / (N·energy).
    if ((2 * (rowPower + colPower)) / (DTMF_BLOCK * energy) < this.minToneShare) return undefined;
    if (power(this.colHarmonics[col]!, x) * this.harmonicReject > colPower) return undefined;
    for (const probe of this.rowProbes[row]!) if (power(probe, x) > rowPower) return undefined;
    for (const probe of this.colProbes[col]!) if (power(probe, x) > colPower) return undefined;
    return KEYPAD[row]![col];
  }

  private onBlock(hit: string | undefined): DetectedDigit | undefined {
    const index = this.blockIndex++;
    let ended: DetectedDigit | undefined;
    if (this.active) {
      if (hit === this.active) {
        this.misses = 0;
        this.activeLastHit = index;
        return undefined;
      }
      if (++this.misses < END_MISSES) return undefined;
      ended = this.finish();
    }
    if (hit === undefined) {
      this.candidate = undefined;
      this.candidateHits = 0;
      return ended;
    }
    if (hit !== this.candidate) {
      this.candidate = hit;
      this.candidateHits = 0;
      this.candidateStart = index;
    }
    if (++this.candidateHits >= MIN_HITS) {
      this.active = hit;
      this.activeStart = this.candidateStart;
      this.activeLastHit = index;
      this.misses = 0;
      this.candidate = undefined;
      this.candidateHits = 0;
    }
    return ended;
  }

  private finish(): DetectedDigit {
    const digit = this.active!;
    this.active = undefined;
    this.misses = 0;
    const blockMs = (DTMF_BLOCK * 1000) / RATE;
    return {
      digit,
      startMs: this.activeStart * blockMs,
      durationMs: (this.activeLastHit - this.activeStart + 1) * blockMs,
    };
  }
}

/** Index and power of the strongest filter, and the power of the runner-up. */
/**
 * The strongest of four filters (a DTMF group), its power and the runner-up's:
 * the four Goertzel recurrences run side by side in one pass over the block.
 */
function strongest(filters: readonly Goertzel[], x: Float64Array): [number, number, number] {
  const c0 = filters[0]!.coeff, c1 = filters[1]!.coeff, c2 = filters[2]!.coeff, c3 = filters[3]!.coeff;
  let a1 = 0, a2 = 0, b1 = 0, b2 = 0, d1 = 0, d2 = 0, e1 = 0, e2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const a0 = v + c0 * a1 - a2; a2 = a1; a1 = a0;
    const b0 = v + c1 * b1 - b2; b2 = b1; b1 = b0;
    const d0 = v + c2 * d1 - d2; d2 = d1; d1 = d0;
    const e0 = v + c3 * e1 - e2; e2 = e1; e1 = e0;
  }
  const p0 = a1 * a1 + a2 * a2 - c0 * a1 * a2;
  const p1 = b1 * b1 + b2 * b2 - c1 * b1 * b2;
  const p2 = d1 * d1 + d2 * d2 - c2 * d1 * d2;
  const p3 = e1 * e1 + e2 * e2 - c3 * e1 * e2;
  let best = 0, bestPower = p0, next = -1;
  const ps = [p1, p2, p3];
  for (let i = 0; i < 3; i++) {
    const p = ps[i]!;
    if (p > bestPower) { next = bestPower; bestPower = p; best = i + 1; } else if (p > next) next = p;
  }
  return [best, bestPower, Math.max(next, 0)];
}

/** True for the characters a DTMF keypad can send. */
export function isDtmfDigit(c: string): boolean {
  return c.length === 1 && DTMF_DIGITS.includes(c);
}
