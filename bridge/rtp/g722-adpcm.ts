// The sub-band ADPCM of G.722 at 64 kbit/s (ITU-T G.722 §3.3–3.6 and §4.2–4.3;
// block names as in the Recommendation): a 6-bit quantiser for the low band,
// a 2-bit one for the high band, each with its own scale-factor adaptation and
// the shared pole-zero predictor (BLOCK 4). Integer arithmetic throughout,
// with the Recommendation's 16-bit saturations and truncations, so the result
// is bit-exact with the ITU reference (and with spandsp's g722.c, which
// implements it).
//
// Band values are on the codec's 15-bit scale (half the unity scale of
// g722-qmf.ts). Encoder and decoder each keep one AdpcmBand per band.

import { saturate16 } from './g722-qmf.ts';

/** Decision levels of the 6-bit low-band quantiser (QUANTL), before scaling. */
const Q6 = Int32Array.of(
  0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714,
  786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919,
);
/** Quantiser interval → 6-bit code, for negative and for non-negative differences. */
const ILN = Int32Array.of(
  0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
  18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0,
);
const ILP = Int32Array.of(
  0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47,
  46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0,
);
/** Inverse quantisers: 6-bit (the decoder's output), 4-bit (prediction), 2-bit (high band). */
const QM6 = Int32Array.of(
  -136, -136, -136, -136, -24808, -21904, -19008, -16704,
  -14984, -13512, -12280, -11192, -10232, -9360, -8576, -7856,
  -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576,
  -3168, -2776, -2400, -2032, -1688, -1360, -1040, -728,
  24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
  10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456,
  4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
  1688, 1360, 1040, 728, 432, 136, -432, -136,
);
const QM4 = Int32Array.of(
  0, -20456, -12896, -8968, -6288, -4240, -2584, -1200,
  20456, 12896, 8968, 6288, 4240, 2584, 1200, 0,
);
const QM2 = Int32Array.of(-7408, -1616, 7408, 1616);
/** Log scale-factor multipliers (LOGSCL/LOGSCH), indexed through RL42 / RH2. */
const WL = Int32Array.of(-60, -30, 58, 172, 334, 538, 1198, 3042);
const RL42 = Int32Array.of(0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0);
const WH = Int32Array.of(0, -214, 798);
const RH2 = Int32Array.of(2, 1, 2, 1);
/** Antilog table of SCALEL/SCALEH. */
const ILB = Int32Array.of(
  2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774, 2834,
  2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008,
);

const NB_MAX_LOW = 18432;
const NB_MAX_HIGH = 22528;

function saturate15(v: number): number {
  return v > 16383 ? 16383 : v < -16384 ? -16384 : v;
}

/** The state of one band: scale factor, predictor coefficients and histories. */
export class AdpcmBand {
  /** Log scale factor (nbl/nbh) and the scale factor itself (detl/deth). */
  nb = 0;
  det: number;
  /** Signal estimate (sl/sh) and its zero section (szl/szh). */
  s = 0;
  sz = 0;
  /** Last reconstructed signal, last two partial reconstructions, pole coefficients. */
  r = 0;
  p1 = 0;
  p2 = 0;
  a1 = 0;
  a2 = 0;
  /** Zero-section coefficients b1…b6 of the Recommendation. */
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  b4 = 0;
  b5 = 0;
  /** The last six quantised differences, newest first, each stored doubled and saturated (as FILTEZ uses them; the sign is the difference's). */
  d1 = 0;
  d2 = 0;
  d3 = 0;
  d4 = 0;
  d5 = 0;
  d6 = 0;

  constructor(initialDet: number) {
    this.det = initialDet;
  }
}

export function lowBand(): AdpcmBand {
  return new AdpcmBand(32);
}
export function highBand(): AdpcmBand {
  return new AdpcmBand(8);
}

/**
 * BLOCK 4: reconstruction, pole and zero predictor adaptation, the next estimate.
 * Values are 16-bit, sign-extended, so (x ^ y) < 0 is "signs differ".
 */
function adaptPredictor(band: AdpcmBand, dx: number): void {
  const r = saturate16(band.s + dx); // RECONS
  const p = saturate16(band.sz + dx); // PARREC
  const signChange1 = (p ^ band.p1) < 0;
  const signChange2 = (p ^ band.p2) < 0;

  // UPPOL2
  const a1x4 = saturate16(band.a1 << 2);
  let wd = signChange1 ? a1x4 : 0 - a1x4; // 0 − x, not −x: no −0 (keeps V8 on integers)
  if (wd > 32767) wd = 32767;
  let a2 = (signChange2 ? -128 : 128) + (wd >> 7) + ((band.a2 * 32512) >> 15);
  if (a2 > 12288) a2 = 12288;
  else if (a2 < -12288) a2 = -12288;

  // UPPOL1
  let a1 = saturate16((signChange1 ? -192 : 192) + ((band.a1 * 32640) >> 15));
  const a1Limit = 15360 - a2;
  if (a1 > a1Limit) a1 = a1Limit;
  else if (a1 < -a1Limit) a1 = -a1Limit;

  // FILTEP
  const sp = saturate16(((a1 * saturate16(r + r)) >> 15) + ((a2 * saturate16(band.r + band.r)) >> 15));
  band.r = r;
  band.a1 = a1;
  band.a2 = a2;
  band.p2 = band.p1;
  band.p1 = p;

  // UPZERO (each coefficient leaks and steps toward agreement of its difference's sign
  // with the new one), FILTEZ (the zero section's estimate), DELAYA (the history shift).
  const up = dx === 0 ? 0 : 128;
  const down = 0 - up;
  const d0 = saturate16(dx + dx);
  const d1 = band.d1, d2 = band.d2, d3 = band.d3, d4 = band.d4, d5 = band.d5;
  const b5 = saturate16(((band.d6 ^ dx) < 0 ? down : up) + ((band.b5 * 32640) >> 15));
  const b4 = saturate16(((d5 ^ dx) < 0 ? down : up) + ((band.b4 * 32640) >> 15));
  const b3 = saturate16(((d4 ^ dx) < 0 ? down : up) + ((band.b3 * 32640) >> 15));
  const b2 = saturate16(((d3 ^ dx) < 0 ? down : up) + ((band.b2 * 32640) >> 15));
  const b1 = saturate16(((d2 ^ dx) < 0 ? down : up) + ((band.b1 * 32640) >> 15));
  const b0 = saturate16(((d1 ^ dx) < 0 ? down : up) + ((band.b0 * 32640) >> 15));
  // Each term truncated on its own, as in the reference.
  const sz = ((b5 * d5) >> 15) + ((b4 * d4) >> 15) + ((b3 * d3) >> 15)
    + ((b2 * d2) >> 15) + ((b1 * d1) >> 15) + ((b0 * d0) >> 15);
  band.b0 = b0; band.b1 = b1; band.b2 = b2; band.b3 = b3; band.b4 = b4; band.b5 = b5;
  band.d6 = d5; band.d5 = d4; band.d4 = d3; band.d3 = d2; band.d2 = d1; band.d1 = d0;
  band.sz = saturate16(sz);
  band.s = saturate16(sp + band.sz); // PREDIC
}

/** Scale factor from the log scale factor (SCALEL: offset 8, SCALEH: offset 10). */
function scale(nb: number, offset: number): number {
  const shift = offset - (nb >> 11);
  const antilog = ILB[(nb >> 6) & 31]!;
  return (shift < 0 ? antilog << -shift : antilog >> shift) << 2;
}

/** LOGSCL + SCALEL + the predictor, once the 4-bit code is known. */
function updateLow(band: AdpcmBand, code4: number): void {
  const dlow = (band.det * QM4[code4]!) >> 15; // INVQAL
  let nb = ((band.nb * 127) >> 7) + WL[RL42[code4]!]!;
  if (nb < 0) nb = 0;
  else if (nb > NB_MAX_LOW) nb = NB_MAX_LOW;
  band.nb = nb;
  band.det = scale(nb, 8);
  adaptPredictor(band, dlow);
}

/** INVQAH + LOGSCH + SCALEH + the predictor. */
function updateHigh(band: AdpcmBand, code2: number): void {
  const dhigh = (band.det * QM2[code2]!) >> 15;
  let nb = ((band.nb * 127) >> 7) + WH[RH2[code2]!]!;
  if (nb < 0) nb = 0;
  else if (nb > NB_MAX_HIGH) nb = NB_MAX_HIGH;
  band.nb = nb;
  band.det = scale(nb, 10);
  adaptPredictor(band, dhigh);
}

/** Low band, encoder: one 15-bit sample → its 6-bit code (SUBTRA, QUANTL, then the adaptation). */
export function encodeLow(band: AdpcmBand, x: number): number {
  const el = saturate16(x - band.s);
  const magnitude = el >= 0 ? el : ~el;
  // The first interval i in 1..29 whose upper decision level exceeds the
  // difference (30 when none does); the levels rise with i, so bisect.
  const det = band.det;
  let lo = 1;
  let hi = 30;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (magnitude < (Q6[mid]! * det) >> 12) hi = mid;
    else lo = mid + 1;
  }
  const code = el < 0 ? ILN[lo]! : ILP[lo]!;
  updateLow(band, code >> 2);
  return code;
}

/** Low band, decoder: a 6-bit code → the reconstructed 15-bit sample. */
export function decodeLow(band: AdpcmBand, code: number): number {
  const rlow = saturate15(band.s + ((band.det * QM6[code]!) >> 15)); // INVQBL, RECONS, LIMIT
  updateLow(band, code >> 2);
  return rlow;
}

/** High band, encoder: one 15-bit sample → its 2-bit code (SUBTRA, QUANTH, then the adaptation). */
export function encodeHigh(band: AdpcmBand, x: number): number {
  const eh = saturate16(x - band.s);
  const magnitude = eh >= 0 ? eh : ~eh;
  const outer = magnitude >= (564 * band.det) >> 12;
  const code = eh < 0 ? (outer ? 0 : 1) : (outer ? 2 : 3);
  updateHigh(band, code);
  return code;
}

/** High band, decoder: a 2-bit code → the reconstructed 15-bit sample. */
export function decodeHigh(band: AdpcmBand, code: number): number {
  const rhigh = saturate15(band.s + ((band.det * QM2[code]!) >> 15)); // INVQAH, RECONS, LIMIT
  updateHigh(band, code);
  return rhigh;
}
