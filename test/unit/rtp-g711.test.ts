import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ULAW_TO_LINEAR, ALAW_TO_LINEAR, linearToUlaw, linearToAlaw, ulawToLinear, alawToLinear,
  encodeUlaw, decodeUlaw, encodeAlaw, decodeAlaw, codecFor, g711CodecOf,
} from '../../bridge/rtp/g711.ts';

// An independent implementation (the sip-tools copy in test/support), used only to cross-check.
interface ReferenceG711 {
  ulawToLinear(code: number): number; alawToLinear(code: number): number;
  linearToUlaw(sample: number): number; linearToAlaw(sample: number): number;
}
// @ts-expect-error -- a plain .mjs helper without type declarations
const ref = (await import('../support/sip-tools/lib/rtplib.mjs')) as ReferenceG711;

// ITU-T G.711 reconstruction values on the 16-bit scale (µ-law Table 2a × 4,
// A-law Table 1a × 8), as in the Sun/CCITT reference tables.
const ULAW_REFERENCE: Array<[number, number]> = [
  [0x00, -32124], [0x01, -31100], [0x02, -30076], [0x03, -29052], [0x0f, -16764],
  [0x10, -15996], [0x7e, -8], [0x7f, 0], [0x80, 32124], [0x81, 31100], [0xfe, 8], [0xff, 0],
  [0xef, 132], [0xf0, 120],
];
const ALAW_REFERENCE: Array<[number, number]> = [
  [0x00, -5504], [0x01, -5248], [0x02, -6016], [0x03, -5760], [0x80, 5504], [0x81, 5248],
  [0xd5, 8], [0x55, -8], [0xd4, 24], [0x2a, -32256], [0xaa, 32256],
];

test('G.711 µ-law decode table matches ITU-T reference values', () => {
  for (const [code, linear] of ULAW_REFERENCE) assert.equal(ULAW_TO_LINEAR[code], linear, `code 0x${code.toString(16)}`);
});

test('G.711 A-law decode table matches ITU-T reference values', () => {
  for (const [code, linear] of ALAW_REFERENCE) assert.equal(ALAW_TO_LINEAR[code], linear, `code 0x${code.toString(16)}`);
});

test('G.711 decode tables agree with an independent implementation for all 256 codes', () => {
  for (let code = 0; code < 256; code++) {
    assert.equal(ulawToLinear(code), ref.ulawToLinear(code) + 0); // + 0: the reference yields -0 for 0x7F
    assert.equal(alawToLinear(code), ref.alawToLinear(code));
  }
});

test('G.711 µ-law round trip encode(decode(b)) == b for all codes (0x7F, the negative zero, encodes as 0xFF)', () => {
  for (let code = 0; code < 256; code++) {
    const expected = code === 0x7f ? 0xff : code;
    assert.equal(linearToUlaw(ulawToLinear(code)), expected, `code 0x${code.toString(16)}`);
  }
});

test('G.711 A-law round trip encode(decode(b)) == b for all 256 codes', () => {
  for (let code = 0; code < 256; code++) assert.equal(linearToAlaw(alawToLinear(code)), code);
});

/** Half the width of the decision interval that holds the code's reconstruction value. */
function ulawHalfStep(code: number): number {
  const exponent = ((~code & 0xff) >> 4) & 7;
  return 4 << exponent;
}
function alawHalfStep(code: number): number {
  const segment = ((code ^ 0x55) & 0x70) >> 4;
  return segment <= 1 ? 8 : 8 << (segment - 1);
}

test('G.711 µ-law quantisation error ≤ half a step for all 65536 inputs (clipping beyond ±32124)', () => {
  for (let x = -32768; x <= 32767; x++) {
    const code = linearToUlaw(x);
    const y = ulawToLinear(code);
    const bound = Math.abs(x) > 32124 ? Math.abs(x) - 32124 : ulawHalfStep(code);
    assert.ok(Math.abs(x - y) <= bound, `x=${x} → ${y}`);
    if (ref) assert.equal(code, ref.linearToUlaw(x));
    if (x !== 0) assert.ok(Math.sign(y) === Math.sign(x) || y === 0, `sign of ${x}`);
  }
});

test('G.711 A-law quantisation error ≤ half a step for all 65536 inputs (clipping beyond ±32256)', () => {
  for (let x = -32768; x <= 32767; x++) {
    const code = linearToAlaw(x);
    const y = alawToLinear(code);
    const bound = Math.abs(x) > 32256 ? Math.abs(x) - 32256 : alawHalfStep(code);
    assert.ok(Math.abs(x - y) <= bound, `x=${x} → ${y}`);
    if (ref) assert.equal(code, ref.linearToAlaw(x));
  }
});

test('G.711 encoders are monotonic', () => {
  let prevU = -Infinity, prevA = -Infinity;
  for (let x = -32768; x <= 32767; x++) {
    const u = ulawToLinear(linearToUlaw(x)), a = alawToLinear(linearToAlaw(x));
    assert.ok(u >= prevU && a >= prevA, `x=${x}`);
    prevU = u; prevA = a;
  }
});

test('G.711 whole-frame functions: 160 samples, output buffers reused', () => {
  const pcm = new Int16Array(160);
  for (let i = 0; i < 160; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  const bytes = new Uint8Array(160);
  const back = new Int16Array(160);
  for (const [enc, dec, one] of [[encodeUlaw, decodeUlaw, linearToUlaw], [encodeAlaw, decodeAlaw, linearToAlaw]] as const) {
    assert.equal(enc(pcm, bytes), bytes);
    for (let i = 0; i < 160; i++) assert.equal(bytes[i], one(pcm[i]!));
    assert.equal(dec(bytes, back), back);
    for (let i = 0; i < 160; i++) assert.ok(Math.abs(back[i]! - pcm[i]!) <= 256);
    assert.equal(enc(pcm).length, 160);
  }
  assert.throws(() => encodeUlaw(pcm, new Uint8Array(10)), RangeError);
  assert.throws(() => decodeAlaw(bytes, new Int16Array(10)), RangeError);
});

test('G.711 codecFor maps RFC 3551 static payload types', () => {
  assert.equal(codecFor(0).name, 'PCMU');
  assert.equal(codecFor(8).name, 'PCMA');
  assert.equal(codecFor(0).decodeTable[codecFor(0).silenceByte], 0);
  assert.equal(g711CodecOf(8)?.wavFormat, 6);
  assert.equal(g711CodecOf(18), undefined);
});
