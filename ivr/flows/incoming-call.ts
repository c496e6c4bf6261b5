// One incoming call from the INVITE to the end: its route, its CDR (opened
// at once, answered, closed with the Q.850 cause), the refusal of what no
// flow takes (404) and of a source with too many calls waiting in the IVR
// (503, ../call/waiting-limit.ts), the answer, the flow, and the hang-up if
// the flow left the line open. Resolves with what happened, for the IVR's events.
import type { CallLeg, IncomingCall } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { CallFailedError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { AccessNumber } from '../../core/telephony/store.ts';
import { CallContext } from '../call/call-context.ts';
import type { PromptLang } from '../prompts/catalog.ts';
import type { IvrServices } from '../services/ivr-services.ts';
import { dialIn } from './dial-in.ts';
import { multiParty } from './multi-party.ts';
import { routeOf, type Route } from './route.ts';
import { checkJoinToken, webJoin } from './web-join.ts';
import type { JoinClaims } from '../../core/rooms/join-token.ts';
import type { LegDirection } from '../../core/cdr/leg.ts';

/** One finished incoming call, as the IVR saw it. */
export interface CallSummary {
  callId: string;
  cdrId: string;
  from: string;
  to: string;
  route: Route['kind'];
  /** 'joined', 'service_unavailable' (no route: the database is away), 'too_many_attempts:room', 'too_many_attempts:pin', 'pin_blocked', 'refused:locked', 'refused:full', 'room_refused:<reason>', 'unbound_caller', 'rejected', 'hung_up' … */
  outcome: string;
  lang: PromptLang | null;
  /** The waits the PIN lockout put on the call (per-caller and per-room), ms. */
  pinDelayMs: number;
  /** Entries the IVR could not use (a caller who typed right had keys lost or added). */
  entryErrors?: { roomNotFound: number; noRoom: number; wrongPin: number; noPin: number };
  /** From the answer to joining the room, ms (IVR clock); null when the caller never joined. */
  answerToJoinMs?: number | null;
}

/**
 * How long the route lookup (the first database query of a call) may take. A
 * database that is away or hung must not leave a caller in silence: past this,
 * or on an error, the call is refused with 503 (Q.850 41) and its CDR kept in
 * the journal until the database returns.
 */
export const ROUTE_LOOKUP_TIMEOUT_MS = 4_000;
/** The Retry-After of that 503 (RFC 3261 §21.5.4): a carrier tries another route or calls again later, not at once. */
export const DATABASE_AWAY_RETRY_AFTER_S = 30;

/** The route, or undefined when the database does not give it in time (the error logged once per call). */
async function lookUpRoute(svc: IvrServices, dialled: string, clog: IvrServices['log']): Promise<Route | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from the database in ${ROUTE_LOOKUP_TIMEOUT_MS} ms`)), ROUTE_LOOKUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([routeOf(svc.repos, dialled), late]);
  } catch (err) {
    clog.warn({ err: (err as Error).message ?? String(err) }, 'route lookup failed (database unavailable?); call refused with 503');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The CDR direction of an incoming call: a browser's (or listen-in link's) leg
 * through the gateway is 'webrtc'; a caller relayed here by another node
 * (flows/relay.ts) is 'relay' — billed on that node, never rated here nor
 * shown to the account; an ordinary call is 'in'.
 */
export function legDirectionOf(claims: JoinClaims | undefined): LegDirection {
  if (!claims) return 'in';
  return claims.kind === 'relay' ? 'relay' : 'webrtc';
}

/** Handles `call`; `accepting()` false (the IVR is closing) refuses it like an unknown number. */
export async function handleIncoming(svc: IvrServices, call: IncomingCall, accepting: () => boolean): Promise<CallSummary> {
  const clog = svc.log.child({ callId: call.callId, from: call.from, to: call.to });
  // A browser's call through the WebRTC gateway (flows/web-join.ts): a bad join token is refused at once (403).
  const join = checkJoinToken(svc, call);
  if (join && 'refused' in join) {
    clog.warn({ reason: join.refused }, 'join token refused');
    const cdrId = svc.records.incoming(call, {}, 'webrtc');
    call.reject(Q850.CALL_REJECTED);
    svc.records.close(cdrId, Q850.CALL_REJECTED);
    return { callId: call.callId, cdrId, from: call.from, to: call.to, route: 'unknown', outcome: `refused:join_token:${join.refused}`, lang: null, pinDelayMs: 0 };
  }
  const claims = join?.claims;
  const r = await lookUpRoute(svc, call.to, clog);
  if (!r) {
    const cdrId = svc.records.incoming(call, {}, legDirectionOf(claims));
    call.reject(Q850.TEMPORARY_FAILURE, { retryAfterS: DATABASE_AWAY_RETRY_AFTER_S }); // 503 (RFC 3398 §8.2.6.1): try again later
    svc.records.close(cdrId, Q850.TEMPORARY_FAILURE);
    return { callId: call.callId, cdrId, from: call.from, to: call.to, route: 'unknown', outcome: 'service_unavailable', lang: null, pinDelayMs: 0 };
  }
  const accessNumber = r.kind === 'meeting' || r.kind === 'multi_party' ? r.accessNumber : null;
  const cdrId = svc.records.incoming(call, accessNumber ? { accessNumberId: accessNumber.id, accessNumber: accessNumber.number } : {}, legDirectionOf(claims));
  const summary: CallSummary = { callId: call.callId, cdrId, from: call.from, to: call.to, route: r.kind, outcome: 'rejected', lang: null, pinDelayMs: 0 };
  if (r.kind === 'unknown' || !accepting()) {
    clog.info('no access number or room for this call');
    call.reject(Q850.UNALLOCATED_NUMBER);
    svc.records.close(cdrId, Q850.UNALLOCATED_NUMBER);
    return summary;
  }
  // A place among the calls waiting in the IVR from this address, until the caller joins a room or the call ends.
  const leave = svc.waiting.enter(call.sourceAddress);
  if (!leave) {
    clog.debug({ address: call.sourceAddress }, 'too many calls waiting in the IVR from this address');
    call.reject(Q850.NO_CIRCUIT_AVAILABLE);
    svc.records.close(cdrId, Q850.NO_CIRCUIT_AVAILABLE);
    return { ...summary, outcome: 'refused:waiting' };
  }
  try {
    return await answerAndRun(svc, call, r, summary, accessNumber, leave, clog, claims);
  } finally {
    leave();
  }
}

async function answerAndRun(
  svc: IvrServices, call: IncomingCall, r: Exclude<Route, { kind: 'unknown' }>, summary: CallSummary,
  accessNumber: AccessNumber | null, leave: () => void, clog: Logger, claims?: JoinClaims,
): Promise<CallSummary> {
  const cdrId = summary.cdrId;
  call.ring();
  let leg: CallLeg;
  try {
    leg = await call.answer();
  } catch (err) {
    clog.info({ err: (err as Error).message }, 'call ended before the answer');
    svc.records.close(cdrId, err instanceof CallFailedError ? err.q850 : Q850.NORMAL_CLEARING);
    return { ...summary, outcome: 'cancelled' };
  }
  svc.records.answered(cdrId, leg);
  const answeredAtMs = svc.clock.now();
  const lang: PromptLang = accessNumber?.language ?? svc.config.defaultLanguage;
  const shownName = (claims?.kind === 'webrtc' || claims?.kind === 'relay' ? claims.name.trim() : '') || call.fromDisplayName?.trim() || null;
  const ctx = new CallContext(leg, lang, clog.child({ leg: leg.id }), accessNumber, svc.clock, shownName, call.sourceAddress);
  ctx.onJoined(leave);
  ctx.log.info({ route: r.kind, lang }, 'call answered');
  svc.answered?.add(ctx);
  try {
    await runFlow(svc, ctx, cdrId, r, claims);
  } finally {
    svc.answered?.delete(ctx);
  }
  const answerToJoinMs = ctx.joinedAtMs === null ? null : ctx.joinedAtMs - answeredAtMs;
  const e = ctx.entryErrors;
  ctx.log.info({
    outcome: ctx.outcome, ...(ctx.pinDelayMs > 0 ? { pinDelayMs: ctx.pinDelayMs } : {}), ...(answerToJoinMs !== null ? { answerToJoinMs } : {}),
    ...(e.roomNotFound + e.noRoom + e.wrongPin + e.noPin > 0 ? { entryErrors: { ...e } } : {}),
  }, 'call handled');
  return { ...summary, outcome: ctx.outcome, lang: ctx.lang, pinDelayMs: ctx.pinDelayMs, entryErrors: { ...ctx.entryErrors }, answerToJoinMs };
}

/** Longest the apology of a failed flow may take before the line is cut anyway. */
const SORRY_MAX_MS = 8_000;

/**
 * A flow failed with the caller still on the line (most often the database
 * went away mid-entry): say "service unavailable" rather than cut them off,
 * then hang up with Q.850 41 — bounded, the prompt itself may fail.
 */
async function sorryGoodbye(ctx: CallContext): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => { timer = setTimeout(resolve, SORRY_MAX_MS); });
  await Promise.race([ctx.goodbye(['service-unavailable'], Q850.TEMPORARY_FAILURE, 'failed').catch(() => undefined), cap]);
  clearTimeout(timer);
  if (!ctx.leg.ended) await ctx.leg.hangup(Q850.TEMPORARY_FAILURE).catch(() => undefined);
}

/** The route's flow; a flow that fails says so and hangs up with Q.850 41, one that ends with the line open hangs up normally. */
async function runFlow(svc: IvrServices, ctx: CallContext, cdrId: string, r: Exclude<Route, { kind: 'unknown' }>, claims?: JoinClaims): Promise<void> {
  const leg = ctx.leg;
  try {
    if (claims) await webJoin(svc, ctx, cdrId, claims);
    else if (r.kind === 'multi_party') await multiParty(svc, ctx, cdrId);
    else await dialIn(svc, ctx, cdrId, r.kind === 'room' ? { roomNumber: r.roomNumber } : {});
  } catch (err) {
    if (!leg.ended) {
      ctx.log.error({ err }, 'IVR flow failed');
      await sorryGoodbye(ctx);
    }
  }
  if (!leg.ended) await leg.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
}
