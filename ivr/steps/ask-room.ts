// Room number + # (SPEC §2.1–2.2): three tries for an existing room; a room
// outside its window or on an account out of service ends the call.
import { Q850 } from '../../bridge/q850.ts';
import { checkRoomAdmission, type Admission, type AdmissionDeps } from '../../core/rooms/admission.ts';
import type { CallContext } from '../call/call-context.ts';
import type { PromptId } from '../prompts/catalog.ts';

export type OpenAdmission = Extract<Admission, { ok: true }>;

export interface AskRoomOptions {
  tries: number;
  firstDigitTimeoutMs: number;
  interDigitTimeoutMs: number;
  now: () => Date;
}

const REFUSAL_PROMPT: Record<Exclude<Extract<Admission, { ok: false }>['reason'], 'no_such_room'>, PromptId> = {
  not_started: 'meeting-not-started',
  ended: 'meeting-has-ended',
  service_unavailable: 'service-unavailable',
};

/** Asks for the room; resolves with the admission, or null once the call is over. */
export async function askRoom(ctx: CallContext, deps: AdmissionDeps, opts: AskRoomOptions): Promise<OpenAdmission | null> {
  for (let attempt = 1; attempt <= opts.tries && !ctx.ended; attempt++) {
    await ctx.play(['enter-room']);
    const entry = await ctx.keys.collect({ max: 12, terminator: '#', firstTimeoutMs: opts.firstDigitTimeoutMs, interTimeoutMs: opts.interDigitTimeoutMs });
    const number = entry.digits;
    if (ctx.ended) return null;
    if (number === '') { ctx.entryErrors.noRoom++; ctx.log.info({ attempt }, 'no room number entered'); if (attempt < opts.tries) await ctx.play(['try-again']); continue; }
    const admission = await checkRoomAdmission(deps, number, opts.now());
    if (admission.ok) return admission;
    ctx.log.info({ attempt, room: number, reason: admission.reason }, 'room refused');
    if (admission.reason === 'no_such_room') {
      ctx.entryErrors.roomNotFound++;
      await ctx.play(['room-not-found']);
      continue;
    }
    await ctx.goodbye([REFUSAL_PROMPT[admission.reason], 'goodbye'], admission.reason === 'service_unavailable' ? Q850.CALL_REJECTED : Q850.NORMAL_CLEARING, `room_refused:${admission.reason}`);
    return null;
  }
  if (!ctx.ended) await ctx.goodbye(['too-many-attempts'], Q850.NORMAL_CLEARING, 'too_many_attempts:room');
  return null;
}
