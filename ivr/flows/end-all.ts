// The end of a drain (app/drain.ts, SIGTERM): every live room hears the
// goodbye ('meeting-ending-goodbye', as at the end of its window) and ends —
// each leg hung up, its CDR closed — and every caller still in the IVR (not
// in a room: typing a room number or a PIN, recording a name) hears
// 'service-unavailable' + 'goodbye' on their own leg and is hung up. Bounded:
// a prompt that does not finish within GOODBYE_BOUND_MS is cut by the hang-up.
import { Q850 } from '../../bridge/q850.ts';
import type { CallContext } from '../call/call-context.ts';
import { say } from '../call/say.ts';
import type { IvrServices } from '../services/ivr-services.ts';

/** Longest wait for a goodbye prompt before the hang-up (the prompts are ~3 s). */
const GOODBYE_BOUND_MS = 10_000;

/** Ends every room and every call of the IVR; resolves once all are hung up (or their hang-up failed). */
export async function endAll(svc: IvrServices, reason: string): Promise<void> {
  const rooms = svc.rooms.all();
  const inRoom = (ctx: CallContext): boolean => rooms.some((r) => r.get(ctx.leg.id) !== undefined);
  const outside = [...(svc.answered ?? [])].filter((ctx) => !ctx.ended && !inRoom(ctx));
  svc.log.info({ reason, rooms: rooms.length, inIvr: outside.length }, 'ending every meeting and call');
  await Promise.allSettled([
    ...rooms.map((r) => r.end(reason)),
    ...outside.map((ctx) => goodbyeInIvr(ctx)),
  ]);
}

async function goodbyeInIvr(ctx: CallContext): Promise<void> {
  ctx.outcome = 'drained';
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => { timer = setTimeout(resolve, GOODBYE_BOUND_MS); });
  try {
    await Promise.race([ctx.leg.play(say(['service-unavailable', 'goodbye'], ctx.lang), { interruptible: false }).catch(() => undefined), bound]);
  } finally {
    clearTimeout(timer);
  }
  if (!ctx.leg.ended) await ctx.leg.hangup(Q850.NORMAL_CLEARING).catch((err: unknown) => ctx.log.warn({ err }, 'drain hang-up failed'));
}
