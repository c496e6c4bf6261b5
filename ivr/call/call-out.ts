// Placing a call for a participant (operator, *6 invite, multi-party): the
// dialer's target, the CDR, the no-answer timeout, the extension and a
// video-meeting link's sequence as DTMF after the answer (send-dtmf.ts,
// ',' = a pause), and the prompt that tells the requester why it failed.
import type { CallLeg, CallProgress, Engine } from '../../bridge/port.ts';
import { Q850, type Q850Cause } from '../../bridge/q850.ts';
import { systemClock, type Clock } from '../../common/clock.ts';
import { CallFailedError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import { ValidationError } from '../../core/errors.ts';
import type { PromptId } from '../prompts/catalog.ts';
import type { CallRecords } from './call-records.ts';
import type { Dialer, DialTargetResolved } from './dialer.ts';
import { afterAnswerDigits, sendDtmfSequence } from './send-dtmf.ts';
import { counter } from '../../common/metrics.ts';
import { inviteStateForCause } from '../../core/invites/states.ts';
import type { TrunkPacing } from './trunk-queue.ts';
import type { Admission, DialOutFacts, DialOutOrigin } from '../billing/dial-out-guard.ts';

export type CallOutcome =
  /** `digits`: the extension and DTMF sequence on their way (true once all sent; at once when none). */
  | { ok: true; leg: CallLeg; cdrId: string; digits: Promise<boolean> }
  | { ok: false; cause: Q850Cause; cancelled: boolean; sipStatus: number | null; refused?: string };

/** What the requester hears for a failed call. */
export function failurePrompt(cause: Q850Cause, refused?: string): PromptId {
  if (refused?.startsWith('dial_out:')) return 'dial-out-refused';
  if (refused) return 'balance-insufficient';
  if (cause === Q850.USER_BUSY) return 'call-busy';
  if (cause === Q850.NO_ANSWER || cause === Q850.NO_USER_RESPONSE) return 'call-no-answer';
  return 'call-failed';
}

/** What placing a call takes (the IVR's services have all of it). */
export interface CallOutDeps {
  engine: Engine;
  dialer: Dialer;
  records: CallRecords;
  config: { callerId: string; inviteNoAnswerMs: number };
  log: Logger;
  /** Per-trunk pacing (absent: calls are not paced). */
  pacing?: TrunkPacing;
  /** Times the pauses (',') between DTMF keys; real time when absent. */
  clock?: Clock;
  /** The money check (ivr/billing/money-check.ts); absent: calls are not checked. */
  /** The running budget (ivr/billing/account-calls.ts): watches the answered leg. */
  budget?: { answeredOut(accountId: string, leg: CallLeg, e164: string | null, lang: 'zh-CN' | 'en'): Promise<void> };
  money?: { check(accountId: string, e164: string | null): Promise<{ cause: number; reason: string } | null> };
  /** The dial-out policy (ivr/billing/dial-out-guard.ts); absent: every destination may be called. */
  guard?: { admit(f: DialOutFacts): Promise<Admission> };
}

/** What the CDR of a leg called for a room says about the room. */
export interface RoomLegFacts {
  accountId: string;
  roomId: string;
  roomNumber: string;
  conferenceId: string;
}

export interface CallOutRequest {
  /** A number as typed (`number*ext` allowed) or a SIP URI. */
  target: string;
  /** The room the call is for (its CDR's account, room and conference). */
  room: RoomLegFacts;
  role: string;
  /** Keys to send after the answer, after any extension (core/phone/dtmf.ts). */
  dtmf?: string;
  signal?: AbortSignal;
  /** 180/183 from the far end. */
  onProgress?: (p: CallProgress) => void;
  /** What the callee hears warnings in (the balance running out); zh-CN when absent. */
  lang?: 'zh-CN' | 'en';
  /** The trunk let the call go (its queue's turn came): the INVITE is about to leave. Once per trunk tried. */
  onDialling?: () => void;
  /** Who asked: a keypad (`*6`, multi-party, operator; the default) or the web/API (not refused by the calls-at-once cap). */
  origin?: DialOutOrigin;
}

/** The trunk answered 503 or not at all: worth one try on its failover trunk. */
function trunkFailed(o: CallOutcome): boolean {
  return !o.ok && !o.cancelled && (o.sipStatus === 503 || o.sipStatus === 408);
}

const outgoing = counter({ name: 'bridge_outgoing_calls_total', help: 'Calls the bridge placed (*6, invites, multi-party, auto-invite), by outcome: answered, busy, no_answer, rejected, failed, cancelled, refused (dial-out policy or balance)', labelNames: ['outcome'] });

/** The outcome's name on /metrics: the invite states' words. */
export function outgoingLabel(r: CallOutcome): string {
  if (r.ok) return 'answered';
  if (r.cancelled) return 'cancelled';
  if (r.refused !== undefined) return 'refused';
  return inviteStateForCause(r.cause);
}

function countOutgoing(r: CallOutcome): void {
  outgoing.inc({ outcome: outgoingLabel(r) });
}

export async function callOut(svc: CallOutDeps, req: CallOutRequest): Promise<CallOutcome> {
  const outcome = await place(svc, req);
  countOutgoing(outcome);
  return outcome;
}

async function place(svc: CallOutDeps, req: CallOutRequest): Promise<CallOutcome> {
  let resolved;
  try {
    resolved = await svc.dialer.resolve(req.target);
  } catch (err) {
    if (err instanceof ValidationError) {
      svc.log.info({ target: req.target, err: err.message }, 'cannot dial');
      return { ok: false, cause: Q850.INVALID_NUMBER_FORMAT, cancelled: false, sipStatus: null };
    }
    throw err;
  }
  const first = await placeOn(svc, req, resolved);
  const failover = resolved.trunk?.failoverTrunkId;
  if (!failover || !trunkFailed(first)) return first;
  let second;
  try {
    second = await svc.dialer.resolve(req.target, { trunkId: failover });
  } catch (err) {
    if (err instanceof ValidationError) return first;
    throw err;
  }
  if (second.trunk?.id !== failover) return first;
  svc.log.info({ target: req.target, trunk: failover }, 'failing over to the second trunk');
  return placeOn(svc, req, second);
}

/** Waits for the trunk's queue, then places the call; the slot is held until the call ends. */
async function placeOn(svc: CallOutDeps, req: CallOutRequest, resolved: DialTargetResolved): Promise<CallOutcome> {
  let release = (): void => {};
  let beforeSend: (() => Promise<void>) | undefined;
  if (svc.pacing && resolved.trunk) {
    const queue = svc.pacing.queueFor(resolved.trunk);
    beforeSend = () => queue.sendGate();
    try {
      release = await queue.acquire(req.signal);
    } catch (err) {
      if (err instanceof CallFailedError) {
        return { ok: false, cause: err.q850, cancelled: req.signal?.aborted ?? false, sipStatus: null };
      }
      throw err;
    }
  }
  // The dial-out policy and the money are checked when the trunk's turn
  // comes (a bulk invite may wait minutes in the queue while the account's
  // other calls use the balance and the day's allowance).
  let refusal: { cause: number; reason: string } | null | undefined;
  try {
    const admission = await svc.guard?.admit({
      accountId: req.room.accountId, conferenceId: req.room.conferenceId, roomId: req.room.roomId, roomNumber: req.room.roomNumber,
      target: req.target, e164: resolved.e164 ?? null, origin: req.origin ?? 'keypad',
    });
    if (admission?.ok === false) {
      refusal = { cause: Q850.SERVICE_UNAVAILABLE, reason: `dial_out:${admission.refusal.reason}` }; // 63: the account may not call this now
    } else {
      if (admission) { const prev = release; release = () => { admission.release(); prev(); }; }
      refusal = await svc.money?.check(req.room.accountId, resolved.e164 ?? null);
    }
  } catch (err) {
    release();
    throw err;
  }
  if (refusal) {
    release();
    svc.log.info({ target: req.target, account: req.room.accountId, reason: refusal.reason }, 'call refused');
    return { ok: false, cause: refusal.cause as Q850Cause, cancelled: false, sipStatus: null, refused: refusal.reason };
  }
  const facts = { callee: resolved.e164 ?? resolved.uri, ...req.room, role: req.role };
  req.onDialling?.();
  try {
    const { leg, cdrId } = await svc.records.originate(svc.engine, resolved.uri, {
      from: { user: svc.config.callerId }, noAnswerTimeoutMs: svc.config.inviteNoAnswerMs, signal: req.signal,
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
      ...(resolved.trunk?.authUsername && resolved.trunk.authPassword
        ? { auth: { username: resolved.trunk.authUsername, password: resolved.trunk.authPassword } } : {}),
      ...(beforeSend ? { beforeSend } : {}),
    }, facts);
    leg.on('hangup', release);
    if (leg.ended) release();
    void svc.budget?.answeredOut(req.room.accountId, leg, resolved.e164, req.lang ?? 'zh-CN');
    const seq = afterAnswerDigits(resolved.extension, req.dtmf);
    const digits = seq ? sendDtmfSequence(leg, seq, svc.clock ?? systemClock, svc.log, req.signal) : Promise.resolve(true);
    return { ok: true, leg, cdrId, digits };
  } catch (err) {
    release();
    if (err instanceof CallFailedError) {
      svc.log.info({ target: resolved.uri, cause: err.q850, status: err.sipStatus }, 'call out failed');
      return { ok: false, cause: err.q850, cancelled: req.signal?.aborted ?? false, sipStatus: err.sipStatus ?? null };
    }
    throw err;
  }
}
