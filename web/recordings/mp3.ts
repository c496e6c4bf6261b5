// The MP3 copy of a recording, for phones and mail (WAV of 16-bit PCM is
// what the bridge writes; MP3 is what every phone plays). Encoded with
// @breezystack/lamejs — LAME in pure JavaScript, so no system package — at
// 8 kHz mono 32 kbit/s (MPEG-2.5 Layer III: the recording's own rate, no
// resampling), once, next to the WAV; later downloads read the file (and
// get range requests). The encoder works in slices that yield to the event
// loop, so an hour of meeting does not stall the web's other requests.
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { Mp3Encoder } from '@breezystack/lamejs';
import { readPcmWav } from './pcm-wav.ts';

const KBPS = 32;
/** Samples per slice: 10 s of audio (LAME frames are 576 samples at 8 kHz; any multiple works). */
const SLICE = 576 * 139;

/** Pure (but for the yields): MP3 bytes for 16-bit mono samples. */
export async function encodeMp3(samples: Int16Array, sampleRate: number): Promise<Buffer> {
  const enc = new Mp3Encoder(1, sampleRate, KBPS);
  const parts: Buffer[] = [];
  for (let i = 0; i < samples.length; i += SLICE) {
    const out = enc.encodeBuffer(samples.subarray(i, Math.min(samples.length, i + SLICE)));
    if (out.length > 0) parts.push(Buffer.from(out));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const tail = enc.flush();
  if (tail.length > 0) parts.push(Buffer.from(tail));
  return Buffer.concat(parts);
}

export function mp3PathOf(wavPath: string): string {
  return wavPath.replace(/\.wav$/i, '') + '.mp3';
}

const inFlight = new Map<string, Promise<string>>();

/** The MP3 beside the WAV, made on first use (one encoder per file at a time); its path. */
export function mp3Of(wavPath: string): Promise<string> {
  const target = mp3PathOf(wavPath);
  let p = inFlight.get(target);
  if (!p) {
    p = makeMp3(wavPath, target).finally(() => inFlight.delete(target));
    inFlight.set(target, p);
  }
  return p;
}

async function makeMp3(wavPath: string, target: string): Promise<string> {
  try {
    await stat(target);
    return target;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const wav = readPcmWav(await readFile(wavPath));
  const mp3 = await encodeMp3(wav.samples, wav.sampleRate);
  // Written aside and renamed: a download never sees half a file.
  const tmp = `${target}.${process.pid}.tmp`;
  await writeFile(tmp, mp3);
  try {
    await rename(tmp, target);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return target;
}
