import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DtmfDetector, DTMF_ROW_HZ, DTMF_COL_HZ, type DetectedDigit } from '../../bridge/rtp/dtmf-goertzel.ts';
import { encodeUlaw, decodeUlaw, encodeAlaw, decodeAlaw } from '../../bridge/rtp/g711.ts';
import { readWav } from '../../bridge/rtp/wav.ts';

// Level definition used here: each tone's level in dBm0, 0 dBm0 being a sine
// 3.17 dB below a full-scale sine (G.711), i.e. peak 32767·10^((L − 3.17)/20).
// "−25 dBm0" means each of the two tones at −25 dBm0 (the pair sums to −22 dBm0).
const amplitude = (dbm0: number): number => 32767 * 10 ** ((dbm0 - 3.17) / 20);
const KEYPAD = ['123A', '456B', '789C', '*0#D'];
const DIGITS = '0123456789*#ABCD';
function freqs(digit: string): [number, number] {
  const r = KEYPAD.findIndex((row) => row.includes(digit));
  return [DTMF_ROW_HZ[r]!, DTMF_COL_HZ[KEYPAD[r]!.indexOf(digit)]!];
}

interface Burst { digit: string; ms: number; dbm0?: number; twistDb?: number; rowOffset?: number; colOffset?: number }
/** Silence `leadSamples`, then each burst followed by `gapMs` of silence. */
function dtmfSignal(bursts: Burst[], { leadSamples = 0, gapMs = 100 } = {}): Int16Array {
  const total = leadSamples + bursts.reduce((n, b) => n + Math.round((b.ms + gapMs) * 8), 0);
  const x = new Int16Array(total);
  let at = leadSamples;
  for (const b of bursts) {
    const [fr, fc] = freqs(b.digit);
    const level = b.dbm0 ?? -25;
    const ar = amplitude(level), ac = amplitude(level - (b.twistDb ?? 0));
    const wr = (2 * Math.PI * fr * (1 + (b.rowOffset ?? 0))) / 8000, wc = (2 * Math.PI * fc * (1 + (b.colOffset ?? 0))) / 8000;
    const n = Math.round(b.ms * 8);
    for (let i = 0; i < n; i++) x[at + i] = Math.round(ar * Math.sin(wr * i) + ac * Math.sin(wc * i + 0.7));
    at += n + Math.round(gapMs * 8);
  }
  return x;
}

/** Runs the detector in 20 ms frames, as the media path does. */
function detect(x: Int16Array): DetectedDigit[] {
  const d = new DtmfDetector();
  const out: DetectedDigit[] = [];
  for (let i = 0; i < x.length; i += 160) out.push(...d.process(x.subarray(i, i + 160)));
  out.push(...d.flush());
  return out;
}
const digitsOf = (x: Int16Array): string => detect(x).map((d) => d.digit).join('');

test('Q.24: all 16 digits detected at −25 dBm0 per tone, 50 ms, ±1.5 % frequency offset, at every block alignment', () => {
  let cases = 0;
  for (const digit of DIGITS) {
    for (const [rowOffset, colOffset] of [[0, 0], [-0.015, -0.015], [0.015, 0.015], [-0.015, 0.015], [0.015, -0.015]] as const) {
      for (let lead = 0; lead < 102; lead += 17) {
        const got = detect(dtmfSignal([{ digit, ms: 50, rowOffset, colOffset }], { leadSamples: lead }));
        assert.deepEqual(got.map((d) => d.digit), [digit], `${digit} offsets ${rowOffset}/${colOffset} lead ${lead}`);
        cases++;
      }
    }
  }
  assert.equal(cases, 16 * 5 * 6);
});

test('Q.24: tones more than 3.5 % off their nominal frequencies are rejected', () => {
  for (const digit of DIGITS) {
    for (const [rowOffset, colOffset] of [[0.04, 0], [-0.04, 0], [0, 0.04], [0, -0.04], [0.05, 0.05]] as const) {
      assert.equal(digitsOf(dtmfSignal([{ digit, ms: 100, dbm0: -10, rowOffset, colOffset }])), '', `${digit} ${rowOffset}/${colOffset}`);
    }
  }
});

test('Q.24: start time and duration are reported (100 ms tone after 200 ms)', () => {
  const [d] = detect(dtmfSignal([{ digit: '5', ms: 100 }], { leadSamples: 1600 }));
  assert.ok(d);
  assert.ok(Math.abs(d.startMs - 200) <= 13, `start ${d.startMs}`);
  assert.ok(Math.abs(d.durationMs - 100) <= 26, `duration ${d.durationMs}`);
});

test('Q.24: 30 ms tones are not detected (any digit, any alignment)', () => {
  for (const digit of DIGITS) {
    for (let lead = 0; lead < 102; lead += 11) {
      assert.equal(digitsOf(dtmfSignal([{ digit, ms: 30, dbm0: -10 }], { leadSamples: lead })), '', `${digit} lead ${lead}`);
    }
  }
});

test('one keypress is one digit: long tones, and a dialled sequence with 50 ms gaps', () => {
  assert.equal(digitsOf(dtmfSignal([{ digit: '8', ms: 2000 }])), '8');
  const seq = '123A456B789C*0#D';
  assert.equal(digitsOf(dtmfSignal([...seq].map((digit) => ({ digit, ms: 60 })), { gapMs: 50 })), seq);
  assert.equal(digitsOf(dtmfSignal([{ digit: '7', ms: 80 }, { digit: '7', ms: 80 }], { gapMs: 60 })), '77', 'same digit twice');
});

test('a 10 ms dropout inside a keypress does not split it', () => {
  const x = dtmfSignal([{ digit: '3', ms: 300 }]);
  x.fill(0, 1200, 1280); // 10 ms of silence in the middle
  assert.equal(digitsOf(x), '3');
});

test('Q.24 twist: normal twist (column weaker) up to 8 dB, reverse twist (column stronger) up to 4 dB', () => {
  for (const digit of ['1', '5', '9', 'D']) {
    assert.equal(digitsOf(dtmfSignal([{ digit, ms: 60, dbm0: -10, twistDb: 6 }])), digit, 'normal 6 dB');
    assert.equal(digitsOf(dtmfSignal([{ digit, ms: 60, dbm0: -10, twistDb: -3 }])), digit, 'reverse 3 dB');
    assert.equal(digitsOf(dtmfSignal([{ digit, ms: 60, dbm0: -10, twistDb: 10 }])), '', 'normal 10 dB');
    assert.equal(digitsOf(dtmfSignal([{ digit, ms: 60, dbm0: -10, twistDb: -6 }])), '', 'reverse 6 dB');
  }
});

// (two tones at −3 dBm0 each is about the loudest pair G.711 can carry without clipping)
test('level: detected from −30 to −3 dBm0 per tone, not at −45 dBm0', () => {
  for (const dbm0 of [-30, -20, -10, -3]) assert.equal(digitsOf(dtmfSignal([{ digit: '#', ms: 60, dbm0 }])), '#', `${dbm0} dBm0`);
  assert.equal(digitsOf(dtmfSignal([{ digit: '#', ms: 60, dbm0: -45 }])), '');
});

test('G.711 path: digits survive µ-law and A-law encoding then decoding', () => {
  const x = dtmfSignal([...DIGITS].map((digit) => ({ digit, ms: 50, rowOffset: 0.015, colOffset: -0.015 })), { gapMs: 60 });
  assert.equal(digitsOf(decodeUlaw(encodeUlaw(x))), DIGITS);
  assert.equal(digitsOf(decodeAlaw(encodeAlaw(x))), DIGITS);
  const quiet = dtmfSignal([...DIGITS].map((digit) => ({ digit, ms: 60, dbm0: -30 })), { gapMs: 60 });
  assert.equal(digitsOf(decodeUlaw(encodeUlaw(quiet))), DIGITS, 'µ-law at −30 dBm0');
  assert.equal(digitsOf(decodeAlaw(encodeAlaw(quiet))), DIGITS, 'A-law at −30 dBm0');
});

// ------------------------------------------------------------------ talk-off

const fixture = (name: string): Int16Array => readWav(readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url))).samples;
function gain(x: Int16Array, g: number): Int16Array {
  return Int16Array.from(x, (v) => Math.max(-32768, Math.min(32767, Math.round(v * g))));
}

test('talk-off: no digit in 30 s of English and 30 s of Mandarin speech (espeak-ng), at three levels and through G.711', () => {
  for (const name of ['speech-en-8k.wav', 'speech-zh-8k.wav']) {
    const speech = fixture(name);
    assert.ok(speech.length >= 20 * 8000, `${name} holds at least 20 s`);
    for (const g of [0.5, 1, 3]) assert.deepEqual(detect(gain(speech, g)), [], `${name} × ${g}`);
    assert.deepEqual(detect(decodeUlaw(encodeUlaw(speech))), [], `${name} µ-law`);
    assert.deepEqual(detect(decodeAlaw(encodeAlaw(speech))), [], `${name} A-law`);
  }
});

test('DTMF is still detected over speech at 10 dB below the tones', () => {
  const speech = gain(fixture('speech-en-8k.wav'), 1);
  const tones = dtmfSignal([...'2580'].map((digit) => ({ digit, ms: 100, dbm0: -10 })), { leadSamples: 8000, gapMs: 200 });
  const mix = new Int16Array(tones.length);
  // Speech scaled to about −20 dBm0 RMS.
  let e = 0;
  for (let i = 0; i < tones.length; i++) e += speech[i + 16000]! ** 2;
  const g = amplitude(-20) / Math.SQRT2 / Math.sqrt(e / tones.length);
  for (let i = 0; i < tones.length; i++) mix[i] = Math.max(-32768, Math.min(32767, Math.round(tones[i]! + g * speech[i + 16000]!)));
  assert.equal(digitsOf(mix), '2580');
});

let seed = 12345;
const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const gaussian = (): number => Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());

test('talk-off: no digit in white or pink noise at several levels (10 s each)', () => {
  for (const rms of [100, 1000, 8000]) {
    const white = Int16Array.from({ length: 80_000 }, () => Math.max(-32768, Math.min(32767, Math.round(gaussian() * rms))));
    assert.deepEqual(detect(white), [], `white ${rms}`);
    // Pink noise: Paul Kellet's economy filter over white noise.
    let b0 = 0, b1 = 0, b2 = 0;
    const pink = Int16Array.from({ length: 80_000 }, () => {
      const w = gaussian();
      b0 = 0.99765 * b0 + w * 0.099046; b1 = 0.963 * b1 + w * 0.2965164; b2 = 0.57 * b2 + w * 1.0526913;
      return Math.max(-32768, Math.min(32767, Math.round((b0 + b1 + b2 + w * 0.1848) * rms * 0.5)));
    });
    assert.deepEqual(detect(pink), [], `pink ${rms}`);
  }
});

function mixTones(tones: Array<[number, number]>, ms: number): Int16Array {
  const n = Math.round(ms * 8), x = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (const [hz, dbm0] of tones) v += amplitude(dbm0) * Math.sin((2 * Math.PI * hz * i) / 8000 + hz);
    x[i] = Math.max(-32768, Math.min(32767, Math.round(v)));
  }
  return x;
}

test('talk-off: chords containing a DTMF pair plus other notes, and harmonic-rich notes, are rejected', () => {
  // A DTMF pair with a third note of equal level: the pair holds only 2/3 of the energy.
  for (const digit of ['1', '5', '9', '0']) {
    const [r, c] = freqs(digit);
    assert.equal(digitsOf(mixTones([[r, -15], [c, -15], [523.25, -15]], 500)), '', `${digit} + C5`);
    assert.equal(digitsOf(mixTones([[r, -15], [c, -15], [2500, -15], [330, -15]], 500)), '', `${digit} + 2 notes`);
  }
  // An instrument note on a column frequency with its second harmonic, plus a row tone.
  assert.equal(digitsOf(mixTones([[770, -15], [1336, -15], [2672, -20]], 500)), '', 'second harmonic of the column tone');
  // Musical chords (C major, A minor, G7) with harmonics.
  const chord = (notes: number[]): Array<[number, number]> => notes.flatMap((f) => [[f, -18], [2 * f, -24], [3 * f, -28]] as Array<[number, number]>).filter(([f]) => f < 3900);
  for (const notes of [[261.6, 329.6, 392], [440, 523.3, 659.3], [392, 493.9, 587.3, 698.5]]) {
    assert.equal(digitsOf(mixTones(chord(notes), 1000)), '', `chord ${notes.join('/')}`);
  }
});

// A glide of one note, or of a note with its octave or its fifth (siren, voice,
// instrument portamento), never forms a valid row/column pair. (Two independent
// sweeps can cross a real pair for 50 ms — that is DTMF, and is not tested.)
test('talk-off: frequency sweeps 300–3400 Hz (single, octave and fifth glides) are rejected', () => {
  for (const [seconds, ratios] of [[1, [1]], [3, [1]], [2, [1, 2]], [4, [1, 2]], [2, [1, 1.5]], [4, [1, 1.5]]] as const) {
    const n = seconds * 8000, x = new Int16Array(n);
    const phases = ratios.map(() => 0);
    for (let i = 0; i < n; i++) {
      const f = 300 * (3400 / 300) ** (i / n) / Math.max(...ratios); // exponential sweep
      let v = 0;
      ratios.forEach((r, k) => { phases[k]! += (2 * Math.PI * f * r) / 8000; v += Math.sin(phases[k]!); });
      x[i] = Math.round(amplitude(-10) * v);
    }
    assert.equal(digitsOf(x), '', `${seconds} s sweep ×${ratios.join('+')}`);
  }
});

test('detector cost: 60 s of audio processed well under real time', () => {
  const speech = fixture('speech-en-8k.wav');
  const d = new DtmfDetector();
  const t0 = process.hrtime.bigint();
  for (let rep = 0; rep < 2; rep++) for (let i = 0; i < speech.length; i += 160) d.process(speech.subarray(i, i + 160));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(ms < 1500, `${ms.toFixed(0)} ms for 60 s of audio`);
});
