// The recordings' WAV, read for the MP3 encoder. The bridge writes them
// (bridge/rtp/wav.ts WavWriter, which the web may not import) always as
// 16-bit PCM mono; this reads that format only:
//
//  "RIFF" size "WAVE"  "fmt " 16  tag=1(2) channels=1(2) rate(4) byteRate(4) blockAlign(2) bits=16(2)
//  … other chunks, each padded to an even length …  "data" size samples…
//
// A data size of 0 or 0xFFFFFFFF means "to the end of the file": a recording
// whose writer never fixed its header (it failed, or the process died). A
// last odd byte (a write cut short) is dropped.
import { ParseError } from '../../common/errors.ts';

export interface PcmAudio {
  sampleRate: number;
  samples: Int16Array;
}

function fourcc(buf: Uint8Array, offset: number): string {
  return String.fromCharCode(buf[offset]!, buf[offset + 1]!, buf[offset + 2]!, buf[offset + 3]!);
}

/** Pure: the samples of a 16-bit PCM mono WAV; ParseError for anything else. */
export function readPcmWav(buf: Uint8Array): PcmAudio {
  if (buf.length < 12 || fourcc(buf, 0) !== 'RIFF' || fourcc(buf, 8) !== 'WAVE') throw new ParseError('not a RIFF/WAVE file', 0);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let rate: number | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = fourcc(buf, offset);
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data') {
      if (rate === undefined) throw new ParseError('WAV data before its fmt chunk', offset);
      if (size === 0 || size === 0xffffffff || body + size > buf.length) size = buf.length - body;
      const n = Math.floor(size / 2);
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) samples[i] = view.getInt16(body + 2 * i, true);
      return { sampleRate: rate, samples };
    }
    if (body + size > buf.length) throw new ParseError(`WAV chunk "${id}" of ${size} bytes truncated`, offset);
    if (id === 'fmt ') {
      if (size < 16) throw new ParseError(`WAV fmt chunk of ${size} bytes`, offset);
      const tag = view.getUint16(body, true), channels = view.getUint16(body + 2, true), bits = view.getUint16(body + 14, true);
      if (tag !== 1 || channels !== 1 || bits !== 16) throw new ParseError(`WAV tag ${tag}, ${channels} channels, ${bits} bits: recordings are 16-bit PCM mono`, offset);
      rate = view.getUint32(body + 4, true);
      if (rate < 8000 || rate > 48000) throw new ParseError(`WAV sample rate ${rate} Hz`, offset);
    }
    offset = body + size + (size & 1);
  }
  throw new ParseError('WAV has no data chunk', offset);
}
