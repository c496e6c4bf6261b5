// The G.722 quadrature mirror filters (ITU-T G.722 §3.1 and §4.4): 24 taps
// that split 16 kHz PCM into a 0–4 kHz low band and a 4–8 kHz high band at
// 8 kHz each, and join them back.
//
// The ITU coefficients sum to 2·4096 and the codec runs its ADPCM on a 15-bit
// scale, so the raw filter gives each band at half the amplitude of the
// input. The public split()/join() work on a "unity" scale instead (a 1 kHz
// sine of amplitude A comes out of split() in the low band with amplitude ≈ A),
// so the low band mixes directly with G.711 audio. The unity value is exactly
// twice the codec's band value, which keeps decode() = join(decodeBands())
// bit-exact, and encode() = encodeBands(split()) too unless split() had to
// saturate a band (see g722.ts).
//
// History: each filter keeps its last 12 inputs twice over (at pos and pos+12),
// so the window oldest-first is always the contiguous run [pos, pos+12).

// The 12 taps for the first sample of each input pair (and the second output
// sample), oldest first: 3, −11, 12, 32, −210, 951, 3876, −805, 362, −156, 53, −11;
// the second sample's (and the first output sample's) are the same reversed.
// Written out as constants in the two dot products below.
const TAPS = 12;

export function saturate16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** The first sample's taps over history[pos..pos+12). */
function dotFirst(h: Int32Array, pos: number): number {
  return 3 * h[pos]! - 11 * h[pos + 1]! + 12 * h[pos + 2]! + 32 * h[pos + 3]! - 210 * h[pos + 4]! + 951 * h[pos + 5]!
    + 3876 * h[pos + 6]! - 805 * h[pos + 7]! + 362 * h[pos + 8]! - 156 * h[pos + 9]! + 53 * h[pos + 10]! - 11 * h[pos + 11]!;
}
/** The second sample's taps (reversed) over history[pos..pos+12). */
function dotSecond(h: Int32Array, pos: number): number {
  return -11 * h[pos]! + 53 * h[pos + 1]! - 156 * h[pos + 2]! + 362 * h[pos + 3]! - 805 * h[pos + 4]! + 3876 * h[pos + 5]!
    + 951 * h[pos + 6]! - 210 * h[pos + 7]! + 32 * h[pos + 8]! + 12 * h[pos + 9]! - 11 * h[pos + 10]! + 3 * h[pos + 11]!;
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
    const odd = dotFirst(this.first, next);
    const even = dotSecond(this.second, next);
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
    pcm16k[at] = saturate16(dotSecond(this.diff, next) >> shift);
    pcm16k[at + 1] = saturate16(dotFirst(this.sum, next) >> shift);
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
