// The port's prompts as FreeSWITCH playback strings: WAV files by path (the
// media server must see the same path: same machine or a shared mount),
// tones as tone_stream:// (teletone), silence as silence_stream://.
import { isAbsolute, resolve } from 'node:path';
import type { PromptRef } from '../port.ts';

/** Longest a looping prompt runs as one playback (hold music is looped by repeating). */
const LOOP_REPEATS = 500;

/** tone_stream:// for the port's tone: `v` is the level in dB, `L` the repeats of one on/off cycle. */
function toneStream(t: Extract<PromptRef, { tone: unknown }>['tone']): string {
  const freqs = t.freqs.map((f) => Math.round(f)).filter((f) => f > 0 && f < 8000);
  const onMs = Math.max(1, Math.round(t.onMs ?? t.totalMs));
  const offMs = Math.max(0, Math.round(t.offMs ?? 0));
  const cycles = Math.max(1, Math.round(t.totalMs / (onMs + offMs)));
  // teletone's volume is dB below full scale (its own 0 is full scale): the port's levelDbfs, default −16.
  const level = Math.max(-63, Math.min(0, Math.round(t.levelDbfs ?? -16)));
  return `tone_stream://v=${level};L=${cycles};%(${onMs},${offMs},${freqs.join(',')})`;
}

/** One prompt as a FreeSWITCH file string. */
export function fsPlayback(p: PromptRef): string {
  if ('file' in p) {
    const path = isAbsolute(p.file) ? p.file : resolve(p.file);
    if (/[!\s{}]/.test(path)) throw new RangeError(`a prompt path FreeSWITCH cannot take (space, "!" or braces): ${path}`);
    return p.loop ? `file_string://${Array.from({ length: LOOP_REPEATS }, () => path).join('!')}` : path;
  }
  if ('tone' in p) return toneStream(p.tone);
  return `silence_stream://${Math.max(1, Math.round(p.silenceMs))}`;
}

/** Several prompts as one playback (the channel's playback_delimiter is "!"). */
export function fsPlaylist(list: readonly PromptRef[]): string {
  return list.map(fsPlayback).join('!');
}

/** Several prompts as one file string (for mod_conference's play, which takes one). */
export function fsOneFile(list: readonly PromptRef[]): string {
  return list.length === 1 ? fsPlayback(list[0]!) : `file_string://${fsPlaylist(list)}`;
}
