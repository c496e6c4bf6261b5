// One invite from the web or the API, on the wire: the call through the
// dialer (call/call-out.ts, as *6 places it; `number*ext` sends the
// extension as DTMF on answer), its state as SIP goes (calling → ringing →
// answered, or busy / rejected / no_answer / failed / cancelled from the
// Q.850 cause), then what the callee hears: "you are invited to meeting room
// N" and, when the room asks for it (inviteConfirm, on by default), "press 1
// to join". 1 within `confirmMs` after the prompt joins them as a guest
// (`joined`, with the participant id); no 1 in time hangs up (`no_answer`),
// a callee who hangs up first ends `rejected`. Cancelling (the signal)
// sends CANCEL while it rings, or hangs up a callee still being asked.
// An invite with a DTMF sequence (a video-meeting link, SPEC §5: the far
// meeting cannot press 1) hears no greeting: its digits are sent after the
// answer (call/send-dtmf.ts) and it joins the room directly once they are out.
import { Q850 } from '../../bridge/q850.ts';
import type { CallLeg } from '../../bridge/port.ts';
import type { Clock } from '../../common/clock.ts';
import { inviteStateForCause } from '../../core/invites/states.ts';
import { CallContext } from '../call/call-context.ts';
import { callOut, type CallOutDeps } from '../call/call-out.ts';
import { inviteGreeting, type PromptLang } from '../prompts/catalog.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { InviteTrack } from './invite-book.ts';

/** Brings an answered leg into the room as a guest (IvrServices.joinCalled); false when the room is full. */
export type JoinCalled = (room: LiveRoom, leg: CallLeg, cdrId: string, lang: PromptLang, ctx: CallContext) => Promise<boolean>;

export interface InviteCallDeps extends CallOutDeps {
  clock: Clock;
  joinCalled: JoinCalled;
  /** What the callee hears in. */
  lang: PromptLang;
  /** After "press 1": this long for the 1. */
  confirmMs: number;
}

/** Places `track`'s invite for `room`; resolves when it has joined or ended. Never throws. */
export async function placeInvite(d: InviteCallDeps, room: LiveRoom, track: InviteTrack, signal: AbortSignal): Promise<void> {
  if (signal.aborted) { await track.move('cancelled'); return; }
  // The row stays queued while the trunk's queue holds the call; `calling`
  // when the INVITE leaves (moves are applied in the order asked).
  let dialling = false;
  let rang = false;
  const r = await callOut(d, {
    target: track.invite.target, room: room.legFacts, role: 'invitee', signal, dtmf: track.invite.dtmf, lang: d.lang, origin: 'web',
    onDialling: () => { if (!dialling) { dialling = true; void track.move('calling'); } },
    onProgress: (p) => { if (p === 'ringing' && dialling && !rang) { rang = true; void track.move('ringing'); } },
  });
  if (!r.ok) {
    const to = r.cancelled || signal.aborted ? 'cancelled' : r.refused ? 'refused' : inviteStateForCause(r.cause);
    await track.move(to, { q850Cause: r.cause, sipStatus: r.sipStatus });
    return;
  }
  const leg = r.leg;
  await track.move('answered', { legId: r.cdrId });
  const ctx = new CallContext(leg, d.lang, d.log.child({ callId: leg.callId, leg: leg.id, room: room.number, invite: track.id }), null, d.clock);
  const hangUp = () => { if (!leg.ended) void leg.hangup(Q850.NORMAL_CLEARING).catch(() => undefined); };
  signal.addEventListener('abort', hangUp, { once: true });
  try {
    const pressed = track.invite.dtmf
      ? ((await r.digits) ? 'yes' : 'gone')
      : await ask(ctx, room.number, room.room.options.inviteConfirm, d.confirmMs, signal);
    if (pressed !== 'yes') {
      hangUp();
      const to = signal.aborted ? 'cancelled' : pressed === 'gone' ? 'rejected' : 'no_answer';
      await track.move(to, to === 'rejected' ? { q850Cause: Q850.NORMAL_CLEARING } : {});
      return;
    }
    if (room.isClosed) { hangUp(); await track.move('ended'); return; }
    const joined = await d.joinCalled(room, leg, r.cdrId, d.lang, ctx);
    await track.move(joined ? 'joined' : 'failed', joined ? { participantId: leg.id } : { q850Cause: Q850.CALL_REJECTED });
  } finally {
    signal.removeEventListener('abort', hangUp);
  }
}

/** The greeting, then (when `confirm`) a 1 within `confirmMs`: 'yes', 'timeout', or 'gone' (hung up / cancelled). */
async function ask(ctx: CallContext, roomNumber: string, confirm: boolean, confirmMs: number, signal: AbortSignal): Promise<'yes' | 'timeout' | 'gone'> {
  ctx.keys.clear();
  await ctx.play(inviteGreeting(roomNumber, confirm, ctx.lang), confirm);
  if (!confirm) return ctx.ended || signal.aborted ? 'gone' : 'yes';
  for (let i = 0; i < 32; i++) {
    const k = await ctx.keys.next(confirmMs, signal);
    if (k === '1') return 'yes';
    if (ctx.ended || signal.aborted) return 'gone';
    if (k === undefined) return 'timeout';
    // Another key: keep waiting (a bounded number of stray keys, each restarting the wait).
  }
  return 'timeout';
}
