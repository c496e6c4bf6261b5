// A leg the bridge called (a *6 invitee, a multi-party party) into a room:
// as a guest, past a lock but never into a full room, then its own star-code
// loop until it hangs up (hung up, too, when the room closes under it).
import type { CallLeg } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { CallContext } from '../call/call-context.ts';
import type { PromptLang } from '../prompts/catalog.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { IvrServices } from '../services/ivr-services.ts';
import { inRoom } from './in-room.ts';

/** True once joined; false when the room is full (the leg is told and hung up). `track` keeps the loop counted; `given`: the leg's context when a step already reads its keys. */
export async function joinCalled(
  svc: IvrServices, track: (loop: Promise<void>) => void, room: LiveRoom, leg: CallLeg, cdrId: string, lang: PromptLang, given?: CallContext,
): Promise<boolean> {
  const ctx = given ?? new CallContext(leg, lang, svc.log.child({ callId: leg.callId, leg: leg.id, room: room.number, direction: 'out' }), null, svc.clock);
  if (room.reserve('guest', { ignoreLock: true })) {
    await ctx.goodbye(['meeting-full'], Q850.CALL_REJECTED);
    return false;
  }
  const p = await room.join({ ctx, cdrId, role: 'guest', kind: 'invitee', name: null });
  track((async () => {
    try {
      await inRoom(svc, room, p);
    } catch (err) {
      if (!leg.ended) ctx.log.error({ err }, 'invitee loop failed');
    }
    if (!leg.ended && room.isClosed) await leg.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
  })());
  return true;
}
