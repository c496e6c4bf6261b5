// Name recording for *announce* (SPEC §2.5): "after the tone say your name,
// then press #", at most a few seconds.
import { join } from 'node:path';
import type { CallContext } from '../call/call-context.ts';
import { RECORD_BEEP, say } from '../call/say.ts';

/** The WAV of the caller's name, or null when nothing usable was recorded. */
export async function recordName(ctx: CallContext, dir: string, maxMs: number): Promise<string | null> {
  await ctx.keys.play([...say(['record-name'], ctx.lang), RECORD_BEEP], false);
  if (ctx.ended) return null;
  ctx.keys.clear();
  try {
    const rec = await ctx.leg.record({ path: join(dir, `name-${ctx.leg.id}.wav`), maxMs, terminator: '#' });
    ctx.keys.clear(); // the # that ended it
    return rec.endedBy === 'hangup' || rec.durationMs < 200 ? null : rec.path;
  } catch (err) {
    if (ctx.ended) return null;
    throw err;
  }
}
