// Welcome (SPEC §2.1): the greeting and the hint, in the other language, that
// 9 switches. A key other than 9 pressed during the welcome is the start of
// the caller's next entry (room number, or PIN for SIP URI dial-in) and stays queued.
import type { CallContext } from '../call/call-context.ts';
import { welcomeSequence, type PromptLang } from '../prompts/catalog.ts';

const OTHER: Record<PromptLang, PromptLang> = { 'zh-CN': 'en', en: 'zh-CN' };

/** Plays the welcome; switches ctx.lang when the first key is 9. */
export async function welcome(ctx: CallContext): Promise<void> {
  await ctx.play(welcomeSequence(ctx.lang));
  if (ctx.keys.pending === 0) return;
  const first = await ctx.keys.next(0);
  if (first === '9') {
    ctx.lang = OTHER[ctx.lang];
    ctx.log = ctx.log.child({ lang: ctx.lang });
    ctx.log.info('language switched');
  } else if (first !== undefined) {
    ctx.keys.unread(first);
  }
}
