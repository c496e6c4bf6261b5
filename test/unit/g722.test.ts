// G.722 codec: bit-exact against spandsp (fixtures in test/fixtures/g722, see
// its README), the band paths against the whole-codec paths, tones through
// the codec (frequency, SNR, which band), state across frames, bad arguments.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { G722Decoder, G722Encoder, QmfAnalysis, QmfSynthesis } from '../../bridge/rtp/g722.ts';
import { energy, goertzelPower } from '../support/audio-check.ts';

const FIXTURES = new URL('../fixtures/g722/', import.meta.url);

interface FixtureParams {
  samples: number;
  lcg: { multiplier: number; increment: number };
  seed: number;
  phaseIncrementStart: number;
  phaseIncrementEnd: number;
  toneGains: number[];
  noiseGains: number[];
  randomSeed: number;
  randomBytes: number;
}
const params = JSON.parse(readFileSync(new URL('params.json', FIXTURES), 'utf8')) as FixtureParams;

function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, FIXTURES)));
}
function fixturePcm(name: string): Int16Array {
  const b = fixtureBytes(name);
  const pcm = new Int16Array(b.length / 2);
  for (let i = 0; i < pcm.length; i++) pcm[i] = (b[2 * i]! | (b[2 * i + 1]! << 8)) << 16 >> 16;
  return pcm;
}

function lcgStep(x: number): number {
  return (Math.imul(x, params.lcg.multiplier) + params.lcg.increment) >>> 0;
}
function clamp16(v: number): number {
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** The fixture input (README): a parabolic-sine chirp plus LCG noise under an 8-step envelope, integers only. */
function fixtureInput(): Int16Array {
  const n = params.samples;
  const out = new Int16Array(n);
  const span = params.phaseIncrementEnd - params.phaseIncrementStart;
  let x = params.seed;
  let phase = 0;
  for (let i = 0; i < n; i++) {
    const seg = Math.floor((i * 8) / n);
    phase = (phase + params.phaseIncrementStart + Math.floor((i * span) / n)) >>> 0;
    const t = phase >>> 16;
    const u = t & 0x7fff;
    const half = (u * (32768 - u)) >> 14;
    const chirp = t & 0x8000 ? -half : half;
    x = lcgStep(x);
    const noise = ((x >>> 16) & 0xffff) - 32768;
    out[i] = clamp16(((chirp * params.toneGains[seg]!) >> 14) + ((noise * params.noiseGains[seg]!) >> 14));
  }
  return out;
}

function randomBytes(): Uint8Array {
  const out = new Uint8Array(params.randomBytes);
  let x = params.randomSeed;
  for (let i = 0; i < out.length; i++) {
    x = lcgStep(x);
    out[i] = x >>> 24;
  }
  return out;
}

/** Index of the first difference, or -1 (a readable failure instead of a 16000-element diff). */
function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}
function assertSame(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  const at = firstDifference(actual, expected);
  assert.equal(at, -1, `${what}: first difference at ${at} (${actual[at]} vs ${expected[at]})`);
}

const input = fixtureInput();
const pairs = input.length / 2;
const expectedBytes = fixtureBytes('encoded.g722');

test('G.722 fixtures: the regenerated input has the documented shape (loud, clipped and silent segments)', () => {
  assert.equal(expectedBytes.length, pairs);
  const seg = input.length / 8;
  assert.ok(input.subarray(4 * seg, 5 * seg).some((v) => v === 32767 || v === -32768), 'segment 4 clips');
  assert.ok(input.subarray(7 * seg).every((v) => v === 0), 'segment 7 is digital silence');
  assert.ok(energy(input.subarray(0, seg)) > 0);
});

test('G.722 encode is bit-exact with spandsp', () => {
  assertSame(new G722Encoder().encode(input, new Uint8Array(pairs)), expectedBytes, 'encoded bytes');
});

test('G.722 decode is bit-exact with spandsp (the encoded fixture and 1000 random bytes)', () => {
  assertSame(new G722Decoder().decode(expectedBytes, new Int16Array(2 * pairs)), fixturePcm('decoded.s16le'), 'decoded PCM');
  const random = randomBytes();
  assertSame(new G722Decoder().decode(random, new Int16Array(2 * random.length)), fixturePcm('random-decoded.s16le'), 'random bytes');
});

test('G.722 decodeBands low band equals spandsp\'s 8 kHz (low band only) decoder', () => {
  const low = new Int16Array(pairs);
  const high = new Int16Array(pairs);
  new G722Decoder().decodeBands(expectedBytes, 0, pairs, low, high);
  assertSame(low, fixturePcm('decoded-low-8k.s16le'), 'low band');
  assert.ok(energy(high) > 0);
});

test('G.722 decode equals join(decodeBands) bit-exactly', () => {
  for (const bytes of [expectedBytes, randomBytes()]) {
    const n = bytes.length;
    const low = new Int16Array(n);
    const high = new Int16Array(n);
    new G722Decoder().decodeBands(bytes, 0, n, low, high);
    const joined = new Int16Array(2 * n);
    new QmfSynthesis().join(low, high, joined, n);
    assertSame(joined, new G722Decoder().decode(bytes, new Int16Array(2 * n)), 'join(decodeBands)');
  }
});

test('G.722 encode equals encodeBands(split) bit-exactly while split() does not saturate', () => {
  // Halved, the input cannot drive a band past ±32767 (the QMF's gain is at most 1.58).
  const quieter = input.map((v) => v >> 1);
  const low = new Int16Array(pairs);
  const high = new Int16Array(pairs);
  new QmfAnalysis().split(quieter, low, high, pairs);
  const viaBands = new G722Encoder().encodeBands(low, high, new Uint8Array(pairs));
  assertSame(viaBands, new G722Encoder().encode(quieter, new Uint8Array(pairs)), 'encodeBands(split)');

  // At full level the clipped segments push the bands past 16 bits: split() saturates
  // there (unity scale), encode() does not (the reference): identical up to that point.
  new QmfAnalysis().split(input, low, high, pairs);
  const firstSaturated = low.findIndex((v, i) => Math.abs(v) >= 32767 || Math.abs(high[i]!) >= 32767);
  assert.ok(firstSaturated > pairs / 4, `saturation only in the loud segments (at ${firstSaturated})`);
  const full = new G722Encoder().encodeBands(low, high, new Uint8Array(pairs));
  assertSame(full.subarray(0, firstSaturated), expectedBytes.subarray(0, firstSaturated), 'before saturation');
});

test('G.722 state carries across calls: 20 ms chunks equal one call (encode, decode, bands)', () => {
  const CHUNK = 160; // bytes = 320 samples at 16 kHz = 20 ms
  const enc = new G722Encoder();
  const bytes = new Uint8Array(pairs);
  const chunkOut = new Uint8Array(CHUNK);
  for (let at = 0; at < pairs; at += CHUNK) {
    const n = Math.min(CHUNK, pairs - at);
    enc.encode(input.subarray(2 * at, 2 * (at + n)), chunkOut, n);
    bytes.set(chunkOut.subarray(0, n), at);
  }
  assertSame(bytes, expectedBytes, 'chunked encode');

  const dec = new G722Decoder();
  const bandDec = new G722Decoder();
  const pcm = new Int16Array(2 * pairs);
  const frame = new Int16Array(2 * CHUNK);
  const low = new Int16Array(pairs);
  const high = new Int16Array(pairs);
  for (let at = 0; at < pairs; at += CHUNK) {
    const n = Math.min(CHUNK, pairs - at);
    dec.decode(expectedBytes, frame, at, n); // offset into the whole stream, as an RTP payload would be
    pcm.set(frame.subarray(0, 2 * n), 2 * at);
    bandDec.decodeBands(expectedBytes, at, n, low.subarray(at), high.subarray(at));
  }
  assertSame(pcm, fixturePcm('decoded.s16le'), 'chunked decode');
  assertSame(low, fixturePcm('decoded-low-8k.s16le'), 'chunked decodeBands');

  const split = new QmfAnalysis();
  const join = new QmfSynthesis();
  const lowAll = new Int16Array(pairs);
  const highAll = new Int16Array(pairs);
  new QmfAnalysis().split(input, lowAll, highAll, pairs);
  const pcmAll = new Int16Array(2 * pairs);
  new QmfSynthesis().join(lowAll, highAll, pcmAll, pairs);
  const lowPart = new Int16Array(CHUNK);
  const highPart = new Int16Array(CHUNK);
  for (let at = 0; at < pairs; at += CHUNK) {
    split.split(input.subarray(2 * at), lowPart, highPart, CHUNK);
    assertSame(lowPart, lowAll.subarray(at, at + CHUNK), `split chunk at ${at}`);
    join.join(lowPart, highPart, frame, CHUNK);
    assertSame(frame, pcmAll.subarray(2 * at, 2 * (at + CHUNK)), `join chunk at ${at}`);
  }
});

/** A sine at 16 kHz. */
function tone(hz: number, amplitude: number, samples: number): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / 16000)));
}

/** SNR (dB) of x against the best least-squares fit of a sine at hz (any phase and amplitude), and that amplitude. */
function sineFit(x: Int16Array, hz: number, rate: number): { snrDb: number; amplitude: number } {
  let ss = 0, cc = 0, sc = 0, xs = 0, xc = 0, xx = 0;
  for (let i = 0; i < x.length; i++) {
    const w = (2 * Math.PI * hz * i) / rate;
    const s = Math.sin(w);
    const c = Math.cos(w);
    const v = x[i]!;
    ss += s * s; cc += c * c; sc += s * c; xs += v * s; xc += v * c; xx += v * v;
  }
  const det = ss * cc - sc * sc;
  const a = (xs * cc - xc * sc) / det;
  const b = (xc * ss - xs * sc) / det;
  const fitted = a * xs + b * xc; // energy of the projection
  return { snrDb: 10 * Math.log10(fitted / Math.max(xx - fitted, 1e-9)), amplitude: Math.hypot(a, b) };
}

function throughCodec(pcm: Int16Array): Int16Array {
  const n = pcm.length / 2;
  const bytes = new G722Encoder().encode(pcm, new Uint8Array(n));
  return new G722Decoder().decode(bytes, new Int16Array(pcm.length));
}

test('G.722 keeps a 1 kHz and a 6 kHz tone: the tone dominates (> 50 dB), SNR > 20 dB at 1 kHz (47 dB measured)', () => {
  for (const hz of [1000, 6000]) {
    const out = throughCodec(tone(hz, 10000, 16000)).subarray(1600); // skip the first 100 ms (adaptation)
    const atTone = goertzelPower(out, hz, 16000);
    for (const other of [300, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 7700]) {
      if (other === hz) continue;
      const ratioDb = 10 * Math.log10(atTone / Math.max(goertzelPower(out, other, 16000), 1e-9));
      assert.ok(ratioDb > 50, `${hz} Hz tone vs ${other} Hz: ${ratioDb.toFixed(1)} dB`);
    }
    const fit = sineFit(out, hz, 16000);
    assert.ok(Math.abs(fit.amplitude / 10000 - 1) < 0.03, `${hz} Hz comes out at amplitude ${fit.amplitude.toFixed(0)}`);
    if (hz === 1000) assert.ok(fit.snrDb > 20, `1 kHz SNR ${fit.snrDb.toFixed(1)} dB`);
  }
});

test('G.722 bands: 1 kHz lands in the low band at unity amplitude, 6 kHz in the high band', () => {
  const n = 8000;
  for (const [hz, lowHz] of [[1000, 1000], [6000, 2000]] as const) { // 6 kHz folds to 8 − 6 = 2 kHz in the high band
    const pcm = tone(hz, 12000, 2 * n);
    const bytes = new G722Encoder().encode(pcm, new Uint8Array(n));
    const low = new Int16Array(n);
    const high = new Int16Array(n);
    new G722Decoder().decodeBands(bytes, 0, n, low, high);
    const eLow = energy(low.subarray(800));
    const eHigh = energy(high.subarray(800));
    const inBand = hz === 1000 ? low : high;
    const fit = sineFit(inBand.subarray(800), lowHz, 8000);
    assert.ok(Math.abs(fit.amplitude / 12000 - 1) < 0.03, `${hz} Hz decoded band amplitude ${fit.amplitude.toFixed(0)}`);
    if (hz === 1000) assert.ok(eLow > 1e5 * eHigh, `1 kHz: low ${eLow} vs high ${eHigh}`);
    else assert.ok(eHigh > 1e5 * eLow, `6 kHz: high ${eHigh} vs low ${eLow}`);

    // The analysis filter alone: unity scale, as the mixer needs for 8 kHz G.711 audio.
    const splitLow = new Int16Array(n);
    const splitHigh = new Int16Array(n);
    new QmfAnalysis().split(pcm, splitLow, splitHigh, n);
    const splitFit = sineFit((hz === 1000 ? splitLow : splitHigh).subarray(100), lowHz, 8000);
    assert.ok(Math.abs(splitFit.amplitude / 12000 - 1) < 0.02, `${hz} Hz split amplitude ${splitFit.amplitude.toFixed(0)}`);
    assert.ok(splitFit.snrDb > 60, `${hz} Hz split SNR ${splitFit.snrDb.toFixed(1)} dB`);
  }
});

test('G.722 join(split) reconstructs the input (QMF alone, 22-sample delay)', () => {
  const a = tone(1000, 6000, 3200);
  const b = tone(6000, 6000, 3200);
  const pcm = a.map((v, i) => v + b[i]!);
  const n = pcm.length / 2;
  const low = new Int16Array(n);
  const high = new Int16Array(n);
  new QmfAnalysis().split(pcm, low, high, n);
  const back = new Int16Array(pcm.length);
  new QmfSynthesis().join(low, high, back, n);
  const DELAY = 22;
  let err = 0;
  for (let i = 200; i < pcm.length; i++) err = Math.max(err, Math.abs(back[i]! - pcm[i - DELAY]!));
  assert.ok(err <= 60, `max error ${err} on 1 kHz + 6 kHz at 6000 each`);
});

test('G.722 silence in, (almost) silence out; the decoder settles after loud input', () => {
  const silence = new Int16Array(3200);
  const out = throughCodec(silence);
  assert.ok(out.every((v) => Math.abs(v) <= 4), `max ${Math.max(...out.map(Math.abs))}`);
  // The fixture ends in 125 ms of digital silence after loud noise: the last 50 ms decoded are quiet.
  const decoded = fixturePcm('decoded.s16le');
  const tail = decoded.subarray(decoded.length - 800);
  assert.ok(tail.every((v) => Math.abs(v) <= 16), `tail max ${Math.max(...tail.map(Math.abs))}`);
});

test('G.722 rejects short buffers and bad ranges with RangeError', () => {
  const enc = new G722Encoder();
  const dec = new G722Decoder();
  assert.throws(() => enc.encode(new Int16Array(320), new Uint8Array(100)), RangeError);
  assert.throws(() => enc.encode(new Int16Array(100), new Uint8Array(160), 160), RangeError);
  assert.throws(() => enc.encodeBands(new Int16Array(160), new Int16Array(100), new Uint8Array(160), 160), RangeError);
  assert.throws(() => dec.decode(new Uint8Array(160), new Int16Array(319)), RangeError);
  assert.throws(() => dec.decode(new Uint8Array(160), new Int16Array(320), 10, 160), RangeError);
  assert.throws(() => dec.decode(new Uint8Array(160), new Int16Array(320), -1, 10), RangeError);
  assert.throws(() => dec.decodeBands(new Uint8Array(160), 0, 161, new Int16Array(161), new Int16Array(161)), RangeError);
  assert.throws(() => dec.decodeBands(new Uint8Array(160), 0, 160, new Int16Array(160), new Int16Array(10)), RangeError);
  assert.throws(() => new QmfAnalysis().split(new Int16Array(10), new Int16Array(10), new Int16Array(10), 10), RangeError);
  assert.throws(() => new QmfSynthesis().join(new Int16Array(10), new Int16Array(10), new Int16Array(10), 10), RangeError);
});
