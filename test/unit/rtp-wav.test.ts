import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ParseError, InvalidStateError } from '../../common/errors.ts';
import { readWav, writeWav, WavWriter } from '../../bridge/rtp/wav.ts';
import { encodeUlaw, ulawToLinear, linearToUlaw } from '../../bridge/rtp/g711.ts';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/audio/${name}`, import.meta.url));

function sine(n: number, freq: number, amp: number): Int16Array {
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amp * Math.sin((2 * Math.PI * freq * i) / 8000));
  return out;
}

function dominantIsNear(samples: Int16Array, freq: number): boolean {
  // zero crossings per second ≈ 2 × frequency
  let crossings = 0;
  for (let i = 1; i < samples.length; i++) if ((samples[i - 1]! < 0) !== (samples[i]! < 0)) crossings++;
  const f = (crossings / 2) * (8000 / samples.length);
  return Math.abs(f - freq) < freq * 0.05;
}

test('WAV 16-bit PCM round trip is exact; header is the canonical 44 bytes', () => {
  const samples = sine(801, 440, 20000); // odd count too
  const buf = writeWav({ samples });
  assert.equal(buf.length, 44 + 801 * 2);
  assert.equal(buf.toString('ascii', 36, 40), 'data');
  const back = readWav(buf);
  assert.equal(back.format, 'pcm16');
  assert.equal(back.sampleRate, 8000);
  assert.deepEqual(back.samples, samples);
});

test('WAV µ-law and A-law round trips decode to the G.711 values, odd data padded', () => {
  const samples = sine(161, 1000, 12000);
  for (const format of ['ulaw', 'alaw'] as const) {
    const buf = writeWav({ samples, format });
    assert.equal(buf.length % 2, 0, 'RIFF chunk padded to even length');
    const back = readWav(buf);
    assert.equal(back.format, format);
    assert.equal(back.samples.length, 161);
    // Writing what was read gives the same bytes (G.711 values are fixed points).
    assert.deepEqual(writeWav({ samples: back.samples, format }), buf);
  }
  const u = readWav(writeWav({ samples, format: 'ulaw' }));
  for (let i = 0; i < 161; i++) assert.equal(u.samples[i], ulawToLinear(linearToUlaw(samples[i]!)));
});

test('WAV files written by sox read correctly (PCM, µ-law with fact chunk, A-law)', () => {
  for (const name of ['sox-1k-pcm16.wav', 'sox-1k-ulaw.wav', 'sox-1k-alaw.wav']) {
    const w = readWav(fixture(name));
    assert.equal(w.sampleRate, 8000);
    assert.equal(w.samples.length, 800, name);
    assert.ok(dominantIsNear(w.samples, 1000), name);
    const peak = w.samples.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
    assert.ok(peak > 14000 && peak < 18000, `${name} peak ${peak}`);
  }
  assert.equal(readWav(fixture('sox-1k-ulaw.wav')).format, 'ulaw');
  assert.equal(readWav(fixture('sox-1k-alaw.wav')).format, 'alaw');
});

test('WAV other sample rates are rejected with a clear ParseError unless anyRate', () => {
  assert.throws(() => readWav(fixture('sox-16k.wav')), (err: unknown) => err instanceof ParseError && /16000 Hz/.test(err.message));
  assert.equal(readWav(fixture('sox-16k.wav'), { anyRate: true }).sampleRate, 16000);
});

/** Builds a RIFF file from chunks, padding odd chunks. */
function riff(chunks: Array<[string, Buffer]>): Buffer {
  const parts = chunks.map(([id, body]) => {
    const h = Buffer.alloc(8); h.write(id, 0, 'ascii'); h.writeUInt32LE(body.length, 4);
    return Buffer.concat([h, body, Buffer.alloc(body.length & 1)]);
  });
  const body = Buffer.concat(parts);
  const h = Buffer.alloc(12); h.write('RIFF', 0, 'ascii'); h.writeUInt32LE(4 + body.length, 4); h.write('WAVE', 8, 'ascii');
  return Buffer.concat([h, body]);
}
function fmtChunk(tag: number, channels: number, rate: number, bits: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(tag, 0); b.writeUInt16LE(channels, 2); b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(rate * channels * bits / 8, 8); b.writeUInt16LE(channels * bits / 8, 12); b.writeUInt16LE(bits, 14);
  return b;
}

test('WAV tolerates LIST and odd-sized unknown chunks before the data', () => {
  const data = Buffer.from(encodeUlaw(sine(160, 500, 8000)));
  const buf = riff([['fmt ', fmtChunk(7, 1, 8000, 8)], ['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00Lavf\x00')], ['odd ', Buffer.from([1, 2, 3])], ['fact', Buffer.from([160, 0, 0, 0])], ['data', data]]);
  const w = readWav(buf);
  assert.equal(w.format, 'ulaw');
  assert.equal(w.samples.length, 160);
});

test('WAV WAVE_FORMAT_EXTENSIBLE with a PCM sub-format is read', () => {
  const fmt = Buffer.alloc(40);
  fmtChunk(0xfffe, 1, 8000, 16).copy(fmt);
  fmt.writeUInt16LE(22, 16); fmt.writeUInt16LE(1, 24); // cbSize, sub-format GUID starts with 1 (PCM)
  const w = readWav(riff([['fmt ', fmt], ['data', Buffer.from([1, 0, 2, 0])]]));
  assert.deepEqual([...w.samples], [1, 2]);
});

test('WAV data size 0 or 0xFFFFFFFF on the last chunk means "to the end of the file"', () => {
  const buf = writeWav({ samples: Int16Array.of(5, 6, 7) });
  buf.writeUInt32LE(0, 40);
  assert.deepEqual([...readWav(buf).samples], [5, 6, 7]);
  buf.writeUInt32LE(0xffffffff, 40);
  assert.deepEqual([...readWav(buf).samples], [5, 6, 7]);
});

const bad: Array<[string, () => Buffer]> = [
  ['empty', () => Buffer.alloc(0)],
  ['not RIFF', () => Buffer.from('RIFX\0\0\0\0WAVE')],
  ['RIFF but not WAVE', () => Buffer.from('RIFF\0\0\0\0AVI ')],
  ['header cut inside fmt', () => writeWav({ samples: Int16Array.of(1, 2) }).subarray(0, 30)],
  ['no data chunk', () => riff([['fmt ', fmtChunk(1, 1, 8000, 16)]])],
  ['data before fmt', () => riff([['data', Buffer.alloc(4)], ['fmt ', fmtChunk(1, 1, 8000, 16)]])],
  ['data size beyond the file', () => { const b = writeWav({ samples: new Int16Array(10) }); b.writeUInt32LE(100, 40); return b; }],
  ['truncated file (data cut)', () => writeWav({ samples: new Int16Array(100) }).subarray(0, 100)],
  ['stereo', () => riff([['fmt ', fmtChunk(1, 2, 8000, 16)], ['data', Buffer.alloc(8)]])],
  ['8-bit PCM', () => riff([['fmt ', fmtChunk(1, 1, 8000, 8)], ['data', Buffer.alloc(8)]])],
  ['IEEE float', () => riff([['fmt ', fmtChunk(3, 1, 8000, 32)], ['data', Buffer.alloc(8)]])],
  ['fmt chunk too short', () => riff([['fmt ', Buffer.alloc(8)], ['data', Buffer.alloc(8)]])],
  ['odd byte count of 16-bit data', () => riff([['fmt ', fmtChunk(1, 1, 8000, 16)], ['data', Buffer.alloc(3)]])],
];
for (const [name, make] of bad) {
  test(`WAV rejects ${name} with ParseError`, () => {
    assert.throws(() => readWav(make()), ParseError);
  });
}

test('WavWriter streams frames and fixes the header sizes on close (PCM and µ-law)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wav-'));
  try {
    for (const format of ['pcm16', 'ulaw'] as const) {
      const path = join(dir, `rec-${format}.wav`);
      const w = await WavWriter.open(path, { format });
      const all = sine(160 * 25 + 1, 700, 9000);
      for (let i = 0; i < all.length; i += 160) w.write(all.subarray(i, i + 160));
      const result = await w.close();
      assert.equal(result.samples, all.length);
      assert.equal(result.durationMs, (all.length * 1000) / 8000);
      assert.deepEqual(await w.close(), result, 'close is idempotent');
      const file = readFileSync(path);
      const back = readWav(file);
      assert.equal(back.format, format);
      assert.equal(back.samples.length, all.length);
      assert.equal(file.readUInt32LE(4), file.length - 8, 'RIFF size fixed');
      assert.throws(() => w.write(all), InvalidStateError);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WavWriter.writeEncoded appends G.711 payloads as they are; refused for PCM files', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wav-'));
  try {
    const path = join(dir, 'rtp.wav');
    const w = await WavWriter.open(path, { format: 'ulaw' });
    const payload = encodeUlaw(sine(160, 300, 5000));
    w.writeEncoded(payload);
    payload.fill(0); // the writer copied it
    await w.close();
    assert.deepEqual(writeWav({ samples: readWav(readFileSync(path)).samples, format: 'ulaw' }).subarray(58), Buffer.from(encodeUlaw(sine(160, 300, 5000))));
    const p = await WavWriter.open(join(dir, 'p.wav'));
    assert.throws(() => p.writeEncoded(payload), InvalidStateError);
    await p.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('WavWriter.open rejects for a path that cannot be created', async () => {
  await assert.rejects(WavWriter.open('/nonexistent-dir/x.wav'), { code: 'ENOENT' });
});
