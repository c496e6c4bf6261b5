// Turns the port's PromptRef into a FrameSource of 20 ms frames. Decoded WAV
// prompts are cached: the same few prompts are played again and again.
import { readFileSync } from 'node:fs';
import type { PromptRef } from '../../../port.ts';
import { PcmSource, SilenceSource, type FrameSource } from '../../../rtp/frame-source.ts';
import { ToneSource } from '../../../rtp/tones.ts';
import { readWav } from '../../../rtp/wav.ts';

const MAX_CACHED = 512;
const cache = new Map<string, Int16Array>();

/** The samples of an 8 kHz WAV prompt (PCM16, µ-law or A-law); throws ParseError on a bad file. */
export function loadPrompt(path: string): Int16Array {
  let samples = cache.get(path);
  if (!samples) {
    samples = readWav(readFileSync(path)).samples;
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(path, samples);
  }
  return samples;
}

export function promptSource(p: PromptRef): FrameSource {
  if ('file' in p) return new PcmSource(loadPrompt(p.file), { loop: p.loop });
  if ('tone' in p) {
    const t = p.tone;
    return new ToneSource({
      frequencies: t.freqs,
      levelDbfs: t.levelDbfs,
      durationMs: t.totalMs,
      cadenceMs: t.onMs !== undefined && t.offMs !== undefined ? [t.onMs, t.offMs] : undefined,
    });
  }
  return new SilenceSource(p.silenceMs);
}
