// Prompt ids → what the port plays, and the short tones the IVR uses.
import type { PromptRef } from '../../bridge/port.ts';
import { holdMusicPath, promptPath, type PromptId, type PromptLang } from '../prompts/catalog.ts';

export function say(ids: readonly PromptId[], lang: PromptLang): PromptRef[] {
  return ids.map((id) => ({ file: promptPath(id, lang) }));
}

export const HOLD_MUSIC: PromptRef = { file: holdMusicPath(), loop: true };

/** The "after the tone" beep before a name recording. */
export const RECORD_BEEP: PromptRef = { tone: { freqs: [1000], levelDbfs: -12, totalMs: 250 } };
