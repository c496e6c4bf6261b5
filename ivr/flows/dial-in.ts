// The access-number flow (SPEC §2): welcome (9 switches the language), room
// number + # (skipped for `sip:ROOM@bridge`), the room's window and the
// account's service, the PIN, then into the room.
import { Q850 } from '../../bridge/q850.ts';
import { authorizeCall } from '../../core/billing/balance.ts';
import { CallRefusedError } from '../../core/errors.ts';
import { checkRoomAdmission } from '../../core/rooms/admission.ts';
import type { CallContext } from '../call/call-context.ts';
import type { PromptId } from '../prompts/catalog.ts';
import type { IvrServices } from '../services/ivr-services.ts';
import { askPin } from '../steps/ask-pin.ts';
import { askRoom, type OpenAdmission } from '../steps/ask-room.ts';
import { welcome } from '../steps/welcome.ts';
import { enterRoom } from './enter-room.ts';

const REFUSAL: Record<'no_such_room' | 'not_started' | 'ended' | 'service_unavailable', PromptId> = {
  no_such_room: 'room-not-found', not_started: 'meeting-not-started', ended: 'meeting-has-ended', service_unavailable: 'service-unavailable',
};

export interface DialInOptions {
  /** Set for SIP URI dial-in: the room step is skipped. */
  roomNumber?: string;
}

/** The room a known number leads to, or null once the caller has been told why not (and hung up). */
export async function admitRoomNumber(svc: IvrServices, ctx: CallContext, roomNumber: string): Promise<OpenAdmission | null> {
  const a = await checkRoomAdmission(svc.repos, roomNumber, svc.now());
  if (a.ok) return a;
  ctx.log.info({ room: roomNumber, reason: a.reason }, 'room refused');
  await ctx.goodbye([REFUSAL[a.reason], 'goodbye'], a.reason === 'service_unavailable' ? Q850.CALL_REJECTED : Q850.NORMAL_CLEARING, `room_refused:${a.reason}`);
  return null;
}

/** Billing gate (SPEC §7): a frozen or exhausted account takes no new call. */
export async function authorized(ctx: CallContext, admission: OpenAdmission): Promise<boolean> {
  try {
    authorizeCall(admission.account);
    return true;
  } catch (err) {
    if (!(err instanceof CallRefusedError)) throw err;
    ctx.log.info({ reason: err.reason }, 'account refused the call');
    await ctx.goodbye(['service-unavailable', 'goodbye'], err.q850, 'room_refused:service_unavailable');
    return false;
  }
}

export async function dialIn(svc: IvrServices, ctx: CallContext, cdrId: string, opts: DialInOptions = {}): Promise<void> {
  const cfg = svc.config;
  await welcome(ctx);
  if (ctx.ended) return;
  const admission = opts.roomNumber !== undefined
    ? await admitRoomNumber(svc, ctx, opts.roomNumber)
    : await askRoom(ctx, svc.repos, { tries: cfg.tries, firstDigitTimeoutMs: cfg.firstDigitTimeoutMs, interDigitTimeoutMs: cfg.interDigitTimeoutMs, now: svc.now });
  if (!admission || ctx.ended) return;
  const { room, account } = admission;
  svc.records.update(cdrId, { accountId: account.id, roomId: room.id, roomNumber: room.number });
  ctx.log = ctx.log.child({ room: room.number });
  if (!(await authorized(ctx, admission))) return;
  if (ctx.accessNumber) void svc.budget?.answeredIn(admission.account.id, ctx.leg, ctx.accessNumber.id, ctx.lang, svc.now().getTime() - ctx.leg.answeredAt.getTime());
  const role = await askPin(ctx, room, svc.lockout, {
    tries: cfg.tries, firstDigitTimeoutMs: cfg.firstDigitTimeoutMs, interDigitTimeoutMs: cfg.interDigitTimeoutMs, now: svc.now,
    onLockout: (r, until) => {
      ctx.log.warn({ room: r.number, until }, 'many wrong PINs on this room: alert raised, PIN checks slowed');
      svc.live.lockout(r, until);
      svc.repos.audit.append({ accountId: r.accountId, actor: 'ivr', action: 'room.pin_lockout', targetType: 'room', targetId: r.id, data: { roomNumber: r.number, caller: ctx.leg.from, address: ctx.sourceAddress } })
        .catch((err: unknown) => ctx.log.error({ err }, 'writing the lockout alert failed'));
    },
  });
  if (!role || ctx.ended) return;
  ctx.log.info({ role }, 'PIN accepted');
  await enterRoom(svc, { ctx, cdrId, admission, role, kind: 'caller', maxParticipants: room.maxParticipants, multiParty: false });
}
