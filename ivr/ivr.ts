// The IVR (SPEC §2–§4) on the media port: every incoming call is routed by
// the dialled number — a meeting access number (dial-in flow), the
// multi-party access number, or a room number (SIP URI dial-in) — with one
// CDR per leg and the live rooms in a registry the web can read.
import { mkdirSync } from 'node:fs';
import type { CallLeg, Engine, IncomingCall } from '../bridge/port.ts';
import { Q850 } from '../bridge/q850.ts';
import { systemClock, type Clock } from '../common/clock.ts';
import { CallFailedError } from '../common/errors.ts';
import { TypedEmitter } from '../common/events.ts';
import { moduleLogger } from '../common/log.ts';
import type { CdrRecorder } from '../core/cdr/recorder.ts';
import type { Repositories } from '../core/repositories.ts';
import type { AccessNumber } from '../core/telephony/store.ts';
import { CallRecords } from './call-records.ts';
import { ivrConfig, type IvrConfig } from './config.ts';
import { Dialer } from './dialer.ts';
import { dialIn } from './flows/dial-in.ts';
import { multiParty } from './flows/multi-party.ts';
import type { PromptLang } from './prompts/catalog.ts';
import type { LiveRoom } from './room/live-room.ts';
import { PinLockout } from './room/pin-lockout.ts';
import { RoomRegistry } from './room/registry.ts';
import { CallContext } from './steps/call-context.ts';
import { inRoom } from './steps/in-room.ts';
import type { IvrServices } from './services.ts';

const log = moduleLogger('ivr');

export interface IvrDeps {
  engine: Engine;
  repos: Repositories;
  cdrs: CdrRecorder;
  config: Partial<IvrConfig>;
  /** Wall-clock time (CDRs, room windows, the PIN lockout). */
  now?: () => Date;
  /** Times the digit, menu and end-of-window timeouts (the system clock by default; tests give a fake one). */
  clock?: Clock;
  /** This node's id (conference rows). */
  nodeId?: string;
}

/** One finished incoming call, as the IVR saw it. */
export interface CallSummary {
  callId: string;
  cdrId: string;
  from: string;
  to: string;
  route: Route['kind'];
  /** 'joined', 'too_many_attempts:room', 'too_many_attempts:pin', 'pin_blocked', 'refused:locked', 'refused:full', 'room_refused:<reason>', 'unbound_caller', 'rejected', 'hung_up' … */
  outcome: string;
  lang: PromptLang | null;
}

export type IvrEvents = {
  'call-ended': [summary: CallSummary];
};

export class IvrEventEmitter extends TypedEmitter<IvrEvents> {
  /** @internal */ fire(s: CallSummary): void { this.emit('call-ended', s); }
}

export interface Ivr {
  /** Typed events: each incoming call's summary when its handling ends. */
  readonly events: IvrEventEmitter;
  /** Routes one incoming call (give it to engine.onIncoming). */
  handle(call: IncomingCall): void;
  readonly rooms: RoomRegistry;
  readonly config: IvrConfig;
  /** Calls still being handled. */
  readonly activeCalls: number;
  /** Ends every live room and stops the CDR checkpoints (the engine is the caller's to close). */
  close(): Promise<void>;
}

type Route =
  | { kind: 'meeting'; accessNumber: AccessNumber }
  | { kind: 'multi_party'; accessNumber: AccessNumber }
  | { kind: 'room'; roomNumber: string }
  | { kind: 'unknown' };

export function createIvr(deps: IvrDeps): Ivr {
  const config = ivrConfig(deps.config);
  const now = deps.now ?? (() => new Date());
  const clock = deps.clock ?? systemClock;
  mkdirSync(config.recordingsDir, { recursive: true });
  const records = new CallRecords(deps.cdrs, now, log);
  const rooms = new RoomRegistry({
    engine: deps.engine, repos: deps.repos, now, clock, log, recordingsDir: config.recordingsDir,
    minuteMs: config.minuteMs, warnMinutes: config.warnMinutes, nodeId: deps.nodeId,
  });
  const active = new Set<Promise<void>>();
  const events = new IvrEventEmitter();
  let closed = false;

  const svc: IvrServices = {
    engine: deps.engine, repos: deps.repos, records, config, dialer: new Dialer(deps.repos.trunks, config.defaultRegion),
    rooms, lockout: new PinLockout(config.pinLockout), now, log,
    joinCalled: (room, leg, cdrId, lang) => joinCalled(room, leg, cdrId, lang),
  };

  const checkpoints = setInterval(() => {
    try {
      deps.cdrs.checkpointAll(now());
    } catch (err) {
      log.error({ err }, 'CDR checkpoint failed');
    }
  }, config.checkpointIntervalMs);
  checkpoints.unref();

  async function route(call: IncomingCall): Promise<Route> {
    const an = await deps.repos.accessNumbers.findByNumber(call.to);
    if (an?.enabled) return an.kind === 'multi_party' ? { kind: 'multi_party', accessNumber: an } : { kind: 'meeting', accessNumber: an };
    if (/^[0-9]{4,12}$/.test(call.to) && await deps.repos.rooms.findByNumber(call.to)) return { kind: 'room', roomNumber: call.to };
    return { kind: 'unknown' };
  }

  async function run(call: IncomingCall): Promise<void> {
    const clog = log.child({ callId: call.callId, from: call.from, to: call.to });
    const r = await route(call);
    const accessNumber = r.kind === 'meeting' || r.kind === 'multi_party' ? r.accessNumber : null;
    const cdrId = records.incoming(call, accessNumber ? { accessNumberId: accessNumber.id, accessNumber: accessNumber.number } : {});
    const summary: CallSummary = { callId: call.callId, cdrId, from: call.from, to: call.to, route: r.kind, outcome: 'rejected', lang: null };
    if (r.kind === 'unknown' || closed) {
      clog.info('no access number or room for this call');
      call.reject(Q850.UNALLOCATED_NUMBER);
      records.close(cdrId, Q850.UNALLOCATED_NUMBER);
      events.fire(summary);
      return;
    }
    call.ring();
    let leg: CallLeg;
    try {
      leg = await call.answer();
    } catch (err) {
      clog.info({ err: (err as Error).message }, 'call ended before the answer');
      records.close(cdrId, err instanceof CallFailedError ? err.q850 : Q850.NORMAL_CLEARING);
      events.fire({ ...summary, outcome: 'cancelled' });
      return;
    }
    records.answered(cdrId, leg);
    const lang: PromptLang = accessNumber?.language ?? config.defaultLanguage;
    const ctx = new CallContext(leg, lang, clog.child({ leg: leg.id }), accessNumber, clock);
    ctx.log.info({ route: r.kind, lang }, 'call answered');
    try {
      if (r.kind === 'multi_party') await multiParty(svc, ctx, cdrId);
      else await dialIn(svc, ctx, cdrId, r.kind === 'room' ? { roomNumber: r.roomNumber } : {});
    } catch (err) {
      if (!leg.ended) {
        ctx.log.error({ err }, 'IVR flow failed');
        await leg.hangup(Q850.TEMPORARY_FAILURE).catch(() => undefined);
      }
    }
    if (!leg.ended) await leg.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
    ctx.log.info({ outcome: ctx.outcome }, 'call handled');
    events.fire({ ...summary, outcome: ctx.outcome, lang: ctx.lang });
  }

  async function joinCalled(room: LiveRoom, leg: CallLeg, cdrId: string, lang: PromptLang): Promise<boolean> {
    const ctx = new CallContext(leg, lang, log.child({ callId: leg.callId, leg: leg.id, room: room.number, direction: 'out' }), null, clock);
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

  function track(p: Promise<void>): void {
    active.add(p);
    void p.finally(() => active.delete(p));
  }

  return {
    events,
    rooms,
    config,
    get activeCalls() { return active.size; },
    handle(call: IncomingCall): void {
      track(run(call).catch((err: unknown) => log.error({ err, callId: call.callId }, 'call handling failed')));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      clearInterval(checkpoints);
      await rooms.closeAll('shutdown');
    },
  };
}
