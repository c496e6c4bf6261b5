// WAV (RIFF/WAVE) for prompts and recordings: 16-bit PCM (format 1), A-law
// (format 6) and µ-law (format 7), mono.
//
//  "RIFF" size "WAVE"
//  "fmt " 16|18  tag(2) channels(2) rate(4) byteRate(4) blockAlign(2) bits(2) [cbSize(2)]
//  ["fact" 4 sampleCount(4)]      (non-PCM formats)
//  … other chunks (LIST, …), each padded to an even length …
//  "data" size samples…
//
// A data size of 0 or 0xFFFFFFFF on the last chunk means "to the end of the
// file" (a stream, or a recording whose writer never closed).
import { open, type FileHandle } from 'node:fs/promises';
import { ParseError, InvalidStateError } from '../../common/errors.ts';
import { decodeAlaw, decodeUlaw, encodeAlaw, encodeUlaw } from './g711.ts';

export type WavFormat = 'pcm16' | 'ulaw' | 'alaw';

const FORMAT_TAG: Record<WavFormat, number> = { pcm16: 1, alaw: 6, ulaw: 7 };
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export interface WavAudio {
  sampleRate: number;
  format: WavFormat;
  samples: Int16Array;
}

export interface ReadWavOptions {
  /** Accept any sample rate instead of requiring 8000 Hz (there is no resampler). */
  anyRate?: boolean;
}

function fourcc(buf: Uint8Array, offset: number): string {
  return String.fromCharCode(buf[offset]!, buf[offset + 1]!, buf[offset + 2]!, buf[offset + 3]!);
}

/** Reads a mono WAV into linear samples; throws ParseError for anything else. */
export function readWav(buf: Uint8Array, opts: ReadWavOptions = {}): WavAudio {
  if (buf.length < 12 || fourcc(buf, 0) !== 'RIFF' || fourcc(buf, 8) !== 'WAVE') {
    throw new ParseError('not a RIFF/WAVE file', 0);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let fmt: { tag: number; channels: number; rate: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length && !data) {
    const id = fourcc(buf, offset);
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data' && (size === 0xffffffff || size === 0)) size = buf.length - body;
    if (body + size > buf.length) throw new ParseError(`WAV chunk "${id}" of ${size} bytes truncated`, offset);
    if (id === 'fmt ') {
      if (size < 16) throw new ParseError(`WAV fmt chunk of ${size} bytes`, offset);
      let tag = view.getUint16(body, true);
      if (tag === WAVE_FORMAT_EXTENSIBLE) {
        if (size < 40) throw new ParseError('WAV extensible fmt chunk truncated', offset);
        tag = view.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      fmt = { tag, channels: view.getUint16(body + 2, true), rate: view.getUint32(body + 4, true), bits: view.getUint16(body + 14, true) };
    } else if (id === 'data') {
      data = buf.subarray(body, body + size);
    }
    offset = body + size + (size & 1); // RIFF chunks are padded to an even length
  }
  if (!fmt) throw new ParseError('WAV has no fmt chunk before its data', offset);
  if (!data) throw new ParseError('WAV has no data chunk', offset);
  if (fmt.channels !== 1) throw new ParseError(`WAV has ${fmt.channels} channels; only mono is supported`);
  if (!opts.anyRate && fmt.rate !== 8000) {
    throw new ParseError(`WAV sample rate is ${fmt.rate} Hz; prompts must be 8000 Hz (resample with: sox in.wav -r 8000 -c 1 -b 16 out.wav)`);
  }
  let format: WavFormat;
  let samples: Int16Array;
  if (fmt.tag === 1 && fmt.bits === 16) {
    format = 'pcm16';
    if (data.length % 2 !== 0) throw new ParseError('WAV 16-bit data has an odd byte count');
    samples = new Int16Array(data.length / 2);
    const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < samples.length; i++) samples[i] = dv.getInt16(i * 2, true);
  } else if (fmt.tag === 7 && fmt.bits === 8) {
    format = 'ulaw';
    samples = decodeUlaw(data);
  } else if (fmt.tag === 6 && fmt.bits === 8) {
    format = 'alaw';
    samples = decodeAlaw(data);
  } else {
    throw new ParseError(`WAV format tag ${fmt.tag} with ${fmt.bits} bits is not supported (use 16-bit PCM, µ-law or A-law)`);
  }
  return { sampleRate: fmt.rate, format, samples };
}

function headerSize(format: WavFormat): number {
  return format === 'pcm16' ? 44 : 58;
}

/** The header for `dataBytes` bytes of audio (fmt 16 bytes for PCM; 18 + fact for G.711). */
function wavHeader(format: WavFormat, sampleRate: number, dataBytes: number): Buffer {
  const bytesPerSample = format === 'pcm16' ? 2 : 1;
  const h = Buffer.alloc(headerSize(format));
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(h.length - 8 + dataBytes + (dataBytes & 1), 4);
  h.write('WAVE', 8, 'ascii');
  h.write('fmt ', 12, 'ascii');
  const fmtSize = format === 'pcm16' ? 16 : 18;
  h.writeUInt32LE(fmtSize, 16);
  h.writeUInt16LE(FORMAT_TAG[format], 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * bytesPerSample, 28);
  h.writeUInt16LE(bytesPerSample, 32);
  h.writeUInt16LE(bytesPerSample * 8, 34);
  let o = 36;
  if (format !== 'pcm16') {
    h.writeUInt16LE(0, 36); // cbSize
    h.write('fact', 38, 'ascii');
    h.writeUInt32LE(4, 42);
    h.writeUInt32LE(dataBytes, 46); // samples = bytes for 8-bit formats
    o = 50;
  }
  h.write('data', o, 'ascii');
  h.writeUInt32LE(dataBytes, o + 4);
  return h;
}

function encodeSamples(format: WavFormat, samples: Int16Array): Buffer {
  if (format === 'ulaw') return Buffer.from(encodeUlaw(samples).buffer);
  if (format === 'alaw') return Buffer.from(encodeAlaw(samples).buffer);
  const out = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

export interface WriteWavInput {
  samples: Int16Array;
  sampleRate?: number;
  format?: WavFormat;
}

export function writeWav(input: WriteWavInput): Buffer {
  const format = input.format ?? 'pcm16';
  const data = encodeSamples(format, input.samples);
  const pad = data.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0);
  return Buffer.concat([wavHeader(format, input.sampleRate ?? 8000, data.length), data, pad]);
}

export interface WavWriterOptions {
  format?: WavFormat;
  sampleRate?: number;
  /**
   * Called once, at the first write that fails (disk full, I/O error): the
   * writer has stopped writing (later frames are dropped) and close() will
   * throw that error. Lets the owner stop the recording at once instead of
   * finding out at the end.
   */
  onError?: (err: unknown) => void;
}

export interface WavWriterResult {
  path: string;
  samples: number;
  durationMs: number;
}

/**
 * A recording being written: a header with sizes 0 first (readable even if
 * the process dies), frames appended as they come, sizes fixed on close().
 * Writes are queued in order; the first I/O error is thrown by close().
 */
export class WavWriter {
  private queue: Promise<void> = Promise.resolve();
  private error: unknown;
  private dataBytes = 0;
  private closed: Promise<WavWriterResult> | undefined;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    readonly format: WavFormat,
    readonly sampleRate: number,
    private readonly onError: ((err: unknown) => void) | undefined,
  ) {}

  /** Creates (or truncates) the file and writes the provisional header. */
  static async open(path: string, opts: WavWriterOptions = {}): Promise<WavWriter> {
    const format = opts.format ?? 'pcm16';
    const sampleRate = opts.sampleRate ?? 8000;
    const file = await open(path, 'w');
    try {
      await file.write(wavHeader(format, sampleRate, 0), 0, headerSize(format), 0);
    } catch (err) {
      await file.close();
      throw err;
    }
    return new WavWriter(path, file, format, sampleRate, opts.onError);
  }

  get samplesWritten(): number {
    return this.format === 'pcm16' ? this.dataBytes / 2 : this.dataBytes;
  }

  /** Appends linear samples (encoded to the file's format). */
  write(samples: Int16Array): void {
    this.append(encodeSamples(this.format, samples));
  }

  /** Appends bytes already in the file's G.711 format (e.g. RTP payloads, no transcoding). */
  writeEncoded(bytes: Uint8Array): void {
    if (this.format === 'pcm16') throw new InvalidStateError('writeEncoded needs a µ-law or A-law file');
    this.append(Buffer.from(bytes)); // copy: the caller may reuse its buffer
  }

  private append(chunk: Buffer): void {
    if (this.closed) throw new InvalidStateError('WavWriter is closed');
    const position = headerSize(this.format) + this.dataBytes;
    this.dataBytes += chunk.length;
    this.queue = this.queue.then(async () => {
      if (this.error === undefined) await this.file.write(chunk, 0, chunk.length, position);
    }).catch((err: unknown) => {
      if (this.error !== undefined) return;
      this.error = err;
      try { this.onError?.(err); } catch { /* the owner's handler must not break the queue */ }
    });
  }

  /** Fixes the header sizes and closes the file; idempotent. */
  close(): Promise<WavWriterResult> {
    this.closed ??= this.finish();
    return this.closed;
  }

  private async finish(): Promise<WavWriterResult> {
    await this.queue;
    try {
      if (this.error === undefined) {
        // RIFF: a chunk of odd length is followed by a pad byte.
        if (this.dataBytes & 1) await this.file.write(Buffer.alloc(1), 0, 1, headerSize(this.format) + this.dataBytes);
        await this.file.write(wavHeader(this.format, this.sampleRate, this.dataBytes), 0, headerSize(this.format), 0);
      }
    } catch (err) {
      this.error ??= err;
    } finally {
      await this.file.close();
    }
    if (this.error !== undefined) throw this.error;
    const samples = this.samplesWritten;
    return { path: this.path, samples, durationMs: (samples * 1000) / this.sampleRate };
  }
}
