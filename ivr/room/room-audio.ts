// What a room plays and how a participant's state reaches the mix: prompts
// to everyone in the mix (one mixed prompt when all share a language, else
// each in their own), and a participant's member settings (mute, hold,
// volume) pushed to the engine. Neither throws: a failed prompt or update
// is logged, the meeting goes on.
import type { Conference, PromptRef } from '../../bridge/port.ts';
import type { Logger } from '../../common/log.ts';
import type { PromptLang } from '../prompts/catalog.ts';
import { memberOptions, type Participant } from './participant.ts';

export async function announceToMix(conference: Conference, inMix: readonly Participant[], refs: (lang: PromptLang) => PromptRef[], log: Logger): Promise<void> {
  const langs = new Set(inMix.map((p) => p.ctx.lang));
  try {
    if (langs.size <= 1) {
      await conference.playToAll(refs([...langs][0] ?? 'zh-CN'));
    } else {
      await Promise.all(inMix.map((p) => p.ctx.keys.play(refs(p.ctx.lang), false)));
    }
  } catch (err) {
    log.warn({ err }, 'room announcement failed');
  }
}

/** Pushes the participant's settings to its member (nothing while away). */
export async function applyMember(p: Participant, log: Logger): Promise<void> {
  if (!p.member) return;
  try {
    await p.member.update(memberOptions(p));
  } catch (err) {
    if (!p.ctx.leg.ended) log.warn({ err, leg: p.id }, 'updating the member failed');
  }
}
