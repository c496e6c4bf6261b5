// The G.722 quadrature mirror filters (ITU-T G.722 §3.1 and §4.4): 24 taps
// that split 16 kHz PCM into a 0–4 kHz low band and a 4–8 kHz high band at
// 8 kHz each, and join them back.
//
// The ITU coefficients sum to 2·4096 and the codec runs its ADPCM on a 15-bit
// scale, so the raw filter gives each band at half the amplitude of the
// input. The public split()/join() work on a "unity" scale instead (a 1 kHz
// sine of amplitude A comes out of split() in the low band with amplitude ≈ A),
// so the low band mixes directly with G.711 audio. The unity value is exactly
// twice the codec's band value, which keeps encode() = encodeBands(split())
// and decode() = join(decodeBands()) bit-exact (see g722.ts).
//
// History: each filter keeps its last 12 inputs twice over (at pos and pos+12),
// so the window oldest-first is always the contiguous run [pos, pos+12).

/** Taps for the first sample of each input pair (and the second output sample), oldest first. */
const TAPS_FIRST = Int32Array.of(3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11);
/** The same taps reversed, for the second input sample (and the first output sample). */
const TAPS_SECOND = Int32Array.of(-11, 53, -156, 362, -805, 3876, 951, -210, 32, 12, -11, 3);
const TAPS = 12;

export function saturate16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

function dot(history: Int32Array, pos: number, taps: Int32Array): number {
  let sum = 0;
  for (let k = 0; k < TAPS; k++) sum += history[pos + k]! * taps[k]!;
  return sum;
}

/** Transmit QMF: 16 kHz → low and high band at 8 kHz. */
export class QmfAnalysis {
  private readonly first = new Int32Array(2 * TAPS);
  private readonly second = new Int32Array(2 * TAPS);
  private pos = 0;
  /** Written by push(): the filtered low band, 2¹⁴ × the codec's 15-bit band value. */
  lowSum = 0;
  /** Written by push(): the filtered high band, same scale. */
  highSum = 0;

  /** Filters one pair of 16 kHz samples (the earlier first) into lowSum/highSum. */
  push(firstSample: number, secondSample: number): void {
    const pos = this.pos;
    this.first[pos] = this.first[pos + TAPS] = firstSample;
    this.second[pos] = this.second[pos + TAPS] = secondSample;
    const next = pos === TAPS - 1 ? 0 : pos + 1;
    this.pos = next;
    const odd = dot(this.first, next, TAPS_FIRST);
    const even = dot(this.second, next, TAPS_SECOND);
    this.lowSum = even + odd;
    this.highSum = even - odd;
  }

  /** pcm16k[0..2n) → low[0..n) and high[0..n), unity-scaled, saturated to 16 bits. */
  split(pcm16k: Int16Array, low: Int16Array, high: Int16Array, n: number): void {
    checkLength('pcm16k', pcm16k, 2 * n);
    checkLength('low', low, n);
    checkLength('high', high, n);
    for (let i = 0; i < n; i++) {
      this.push(pcm16k[2 * i]!, pcm16k[2 * i + 1]!);
      low[i] = saturate16(this.lowSum >> 13);
      high[i] = saturate16(this.highSum >> 13);
    }
  }
}

/** Receive QMF: low and high band at 8 kHz → 16 kHz. */
export class QmfSynthesis {
  private readonly sum = new Int32Array(2 * TAPS);
  private readonly diff = new Int32Array(2 * TAPS);
  private pos = 0;

  /**
   * Filters one band sample pair, given as low+high and low−high, into
   * pcm16k[at] and pcm16k[at+1]. `shift` is 11 for the codec's 15-bit band
   * values and 12 for unity-scaled ones.
   */
  push(bandSum: number, bandDiff: number, shift: number, pcm16k: Int16Array, at: number): void {
    const pos = this.pos;
    this.sum[pos] = this.sum[pos + TAPS] = bandSum;
    this.diff[pos] = this.diff[pos + TAPS] = bandDiff;
    const next = pos === TAPS - 1 ? 0 : pos + 1;
    this.pos = next;
    pcm16k[at] = saturate16(dot(this.diff, next, TAPS_SECOND) >> shift);
    pcm16k[at + 1] = saturate16(dot(this.sum, next, TAPS_FIRST) >> shift);
  }

  /** low[0..n) and high[0..n), unity-scaled → pcm16k[0..2n). */
  join(low: Int16Array, high: Int16Array, pcm16k: Int16Array, n: number): void {
    checkLength('low', low, n);
    checkLength('high', high, n);
    checkLength('pcm16k', pcm16k, 2 * n);
    for (let i = 0; i < n; i++) {
      const l = low[i]!;
      const h = high[i]!;
      this.push(l + h, l - h, 12, pcm16k, 2 * i);
    }
  }
}

export function checkLength(name: string, array: ArrayLike<number>, need: number): void {
  if (!Number.isInteger(need) || need < 0) throw new RangeError(`${name}: bad length ${need}`);
  if (array.length < need) throw new RangeError(`${name} holds ${array.length}, need ${need}`);
}
