// Fuzz target: WAV reading (bridge/rtp/wav.ts readWav), what loads prompts
// and recordings. Seeds: small files from writeWav in the three formats, the
// sox-made fixtures of test/fixtures/audio/ (the small ones), a
// WAVE_FORMAT_EXTENSIBLE header, a LIST chunk before the data, a "stream"
// data size (0xFFFFFFFF). Structure: RIFF files assembled from generated
// chunks (fmt with any tag, channels, rate and bits; fact; LIST; data of any
// declared size).
// Property: readWav returns audio or throws ParseError, with and without
// anyRate; the samples come from the file (no more than its bytes allow);
// audio it reads writes back (writeWav) to a file it reads as the same
// samples.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ParseError } from '../../../common/errors.ts';
import { readWav, writeWav, type WavAudio, type WavFormat } from '../../../bridge/rtp/wav.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const AUDIO = new URL('../../fixtures/audio/', import.meta.url);

function chunk(id: string, body: Buffer, declared = body.length): Buffer {
  const h = Buffer.alloc(8);
  h.write(id, 0, 'latin1');
  h.writeUInt32LE(declared >>> 0, 4);
  return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function riff(chunks: Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), ...chunks]);
  const h = Buffer.alloc(8);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(body.length, 4);
  return Buffer.concat([h, body]);
}

function fmt(tag: number, channels: number, rate: number, bits: number, extra = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(tag, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate >>> 0, 4);
  b.writeUInt32LE(((rate * channels * bits) / 8) >>> 0, 8);
  b.writeUInt16LE(((channels * bits) / 8) & 0xffff, 12);
  b.writeUInt16LE(bits, 14);
  return Buffer.concat([b, extra]);
}

function seeds(): Buffer[] {
  const tone = Int16Array.from({ length: 80 }, (_, i) => Math.round(8000 * Math.sin(i / 3)));
  const extensible = Buffer.alloc(24);
  extensible.writeUInt16LE(22, 0);
  extensible.writeUInt16LE(1, 8); // sub-format GUID starts with the PCM tag
  const pcm = Buffer.from(tone.buffer);
  return [
    ...(['pcm16', 'ulaw', 'alaw'] as const).map((format) => writeWav({ samples: tone, format })),
    ...['sox-1k-pcm16.wav', 'sox-1k-ulaw.wav', 'sox-1k-alaw.wav', 'sox-16k.wav'].map((f) => readFileSync(new URL(f, AUDIO))),
    riff([chunk('fmt ', fmt(0xfffe, 1, 8000, 16, extensible)), chunk('data', pcm)]),
    riff([chunk('fmt ', fmt(1, 1, 8000, 16)), chunk('LIST', Buffer.from('INFOISFT\x05\x00\x00\x00sox!\x00', 'latin1')), chunk('data', pcm)]),
    riff([chunk('fmt ', fmt(7, 1, 8000, 8)), chunk('data', Buffer.alloc(33, 0xff), 0xffffffff)]),
  ];
}

const structured: fc.Arbitrary<Buffer> = fc.record({
  tag: fc.constantFrom(1, 6, 7, 3, 0xfffe, 0),
  channels: fc.constantFrom(1, 1, 1, 2, 0),
  rate: fc.constantFrom(8000, 8000, 16000, 0, 44100, 0xffffffff),
  bits: fc.constantFrom(16, 8, 8, 24, 0),
  extra: fc.uint8Array({ maxLength: 26 }),
  before: fc.array(fc.tuple(fc.constantFrom('LIST', 'fact', 'junk', 'data', 'fmt '), fc.uint8Array({ maxLength: 12 })), { maxLength: 2 }),
  data: fc.uint8Array({ maxLength: 400 }),
  declared: fc.oneof({ weight: 6, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.constantFrom(0, 0xffffffff, 1, 0x7fffffff) }),
  fmtFirst: fc.boolean(),
}).map((r) => {
  const f = chunk('fmt ', fmt(r.tag, r.channels, r.rate, r.bits, Buffer.from(r.extra)));
  const others = r.before.map(([id, b]) => chunk(id, Buffer.from(b)));
  const data = chunk('data', Buffer.from(r.data), r.declared < 0 ? r.data.length : r.declared);
  return riff(r.fmtFirst ? [f, ...others, data] : [...others, f, data]);
});

/** The samples a G.711 file's decoded samples become after one more encode and decode. */
function roundTrip(a: WavAudio): void {
  if (a.sampleRate > 0x7fffffff || a.sampleRate === 0) return; // writeWav's byte-rate field cannot hold it (or nothing to play)
  let again: WavAudio;
  try {
    again = readWav(writeWav({ samples: a.samples, sampleRate: a.sampleRate, format: a.format }), { anyRate: true });
  } catch (err) {
    throw new InvariantError(`audio read from a file does not write and read back: ${String(err)}`);
  }
  if (again.format !== a.format || again.sampleRate !== a.sampleRate || !isDeepStrictEqual(again.samples, a.samples)) {
    throw new InvariantError('write → read changed the audio');
  }
}

function run(input: Buffer): void {
  let strict: WavAudio | undefined;
  try {
    strict = readWav(input);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  const any = readWav(input, { anyRate: true });
  if (strict && strict.sampleRate !== 8000) throw new InvariantError(`read a ${strict.sampleRate} Hz file without anyRate`);
  const perSample = any.format === 'pcm16' ? 2 : 1;
  if (any.samples.length * perSample > input.length) throw new InvariantError('more samples than the file has bytes');
  roundTrip(any);
}

export const wavTarget: FuzzTarget = {
  name: 'wav',
  seeds: seeds(),
  structured,
  dictionary: ['RIFF', 'WAVE', 'fmt ', 'data', 'fact', 'LIST', '\x00', '\xff', '\xfe\xff', '\xff\xff\xff\xff', '\x01\x00', '\x40\x1f\x00\x00'],
  expected: (err) => err instanceof ParseError,
  run,
};
