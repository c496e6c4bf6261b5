// What the fake engine makes of a PromptRef: a label a test can assert
// ("enter-pin", "tone:1000", "silence:300") and how long it plays in fake
// time (a WAV's own length, read from its header; a tone's or silence's
// length; a loop plays until it is stopped).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { PromptRef } from '../port.ts';

/** A WAV the fake cannot read (e.g. a name recording it never wrote) plays this long. */
export const UNKNOWN_FILE_MS = 1000;
const WAV_HEADER_BYTES = 44;

export interface PromptLabel {
  /** The file's name without `.wav`, `tone:<freqs>` or `silence:<ms>`. */
  name: string;
  /** The folder the file is in (a prompt's language), or '' for tones and silence. */
  folder: string;
}

export function labelOf(ref: PromptRef): PromptLabel {
  if ('file' in ref) return { name: basename(ref.file).replace(/\.wav$/i, ''), folder: basename(dirname(ref.file)) };
  if ('tone' in ref) return { name: `tone:${ref.tone.freqs.join('+')}`, folder: '' };
  return { name: `silence:${ref.silenceMs}`, folder: '' };
}

const fileMs = new Map<string, number>();

/** Length of a WAV from its header's byte rate and its size; UNKNOWN_FILE_MS when it cannot be read. */
function wavMs(path: string): number {
  const known = fileMs.get(path);
  if (known !== undefined) return known;
  let ms = UNKNOWN_FILE_MS;
  try {
    const header = Buffer.alloc(WAV_HEADER_BYTES);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, header, 0, WAV_HEADER_BYTES, 0);
    } finally {
      closeSync(fd);
    }
    const byteRate = header.readUInt32LE(28);
    if (header.toString('latin1', 0, 4) === 'RIFF' && byteRate > 0) ms = Math.round(((statSync(path).size - WAV_HEADER_BYTES) * 1000) / byteRate);
  } catch {
    // not there or not a WAV: the default length
  }
  fileMs.set(path, ms);
  return ms;
}

/** Fake milliseconds the prompt plays, or 'loop' for one that plays until stopped. */
export function lengthOf(ref: PromptRef): number | 'loop' {
  if ('file' in ref) return ref.loop ? 'loop' : wavMs(ref.file);
  if ('tone' in ref) return ref.tone.totalMs;
  return ref.silenceMs;
}
