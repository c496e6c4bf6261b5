// The IVR (SPEC §2–§4) on the media port: createIvr wires the parts — the
// settings, CDRs, the live rooms, the PIN lockout, the dialer and the clocks
// into the services the flows share, and the live seam's host over the live
// rooms — and hands every incoming call to flows/incoming-call.ts, which
// routes it by the dialled number. The floors below, each importing only
// those under it: flows → menu → services → steps → live → room → call →
// prompts (ivr/README.md).
import { mkdirSync } from 'node:fs';
import type { Engine, IncomingCall } from '../bridge/port.ts';
import { systemClock, type Clock } from '../common/clock.ts';
import { TypedEmitter } from '../common/events.ts';
import { moduleLogger } from '../common/log.ts';
import type { CdrRecorder } from '../core/cdr/recorder.ts';
import type { LiveHost } from '../core/live/live.ts';
import type { Repositories } from '../core/repositories.ts';
import type { JoinTokenSigner } from '../core/rooms/join-token.ts';
import { withSharedLookups } from './services/shared-lookups.ts';
import { CallRecords } from './call/call-records.ts';
import { Dialer } from './call/dialer.ts';
import { AccountCalls } from './billing/account-calls.ts';
import { MoneyCheck } from './billing/money-check.ts';
import { DialOutGuard } from './billing/dial-out-guard.ts';
import { TrunkPacing } from './call/trunk-queue.ts';
import { endAll } from './flows/end-all.ts';
import { handleIncoming, type CallSummary } from './flows/incoming-call.ts';
import { joinCalled } from './flows/join-called.ts';
import { countCall, watchIvr } from './ivr-metrics.ts';
import { IvrLiveHost } from './live/live-host.ts';
import { PinLockout } from './room/pin-lockout.ts';
import { PinLockoutSync } from './room/pin-lockout-sync.ts';
import type { PinFailureStore } from '../core/cluster/pin-failures.ts';
import { WaitingLimit } from './call/waiting-limit.ts';
import { RoomRegistry } from './room/registry.ts';
import { ivrConfig, type IvrConfig, type IvrSettings } from './services/config.ts';
import type { ClusterLink, IvrServices } from './services/ivr-services.ts';
import type { CallContext } from './call/call-context.ts';

const log = moduleLogger('ivr');

export interface IvrDeps {
  engine: Engine;
  repos: Repositories;
  cdrs: CdrRecorder;
  config: IvrSettings;
  /** Wall-clock time (CDRs, room windows, the PIN lockout). */
  now?: () => Date;
  /** Times the digit, menu and end-of-window timeouts (the system clock by default; tests give a fake one). */
  clock?: Clock;
  /** This node's id (conference rows). */
  nodeId?: string;
  /** Verifies browsers' join tokens (X-Bridge-Join); the web signs them with the same key. */
  joinTokens?: JoinTokenSigner;
  /** Several nodes on one database: rooms mixed on one node, callers elsewhere relayed to it (flows/relay.ts). */
  cluster?: ClusterLink;
  /** Several nodes on one database: wrong PINs shared through this store (ivr/room/pin-lockout-sync.ts); absent, counted on this node only. */
  pinFailures?: { store: PinFailureStore; pollMs?: number };
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
  /** The live seam (core/live): snapshots, commands and events of the conferences on this node. */
  readonly live: LiveHost;
  readonly config: IvrConfig;
  /** Calls still being handled. */
  readonly activeCalls: number;
  /** True once drain() was called (readiness: /readyz answers 503 while draining). */
  readonly draining: boolean;
  /**
   * Draining (app/drain.ts): the engine refuses new calls, in (503 with
   * Retry-After) and out (invites, *6, multi-party); calls up go on, and
   * callers in the IVR may still enter their room.
   */
  drain(opts: { retryAfterS: number }): void;
  /** The end of a drain: every room hears the goodbye and ends, callers still in the IVR hear "service unavailable, goodbye"; all hung up (their CDRs closed). */
  endAll(reason: string): Promise<void>;
  /** Calls answered and not yet in a room, by source address (ivr/call/waiting-limit.ts). */
  readonly waiting: WaitingLimit;
  /** Ends every live room and stops the CDR checkpoints (the engine is the caller's to close). */
  close(): Promise<void>;
}

export function createIvr(deps: IvrDeps): Ivr {
  const config = ivrConfig(deps.config);
  const now = deps.now ?? (() => new Date());
  const clock = deps.clock ?? systemClock;
  // The look-ups every incoming call makes, shared while in flight (services/shared-lookups.ts).
  const repos = withSharedLookups(deps.repos);
  mkdirSync(config.recordingsDir, { recursive: true });
  const records = new CallRecords(deps.cdrs, now, log);
  const rooms = new RoomRegistry({
    engine: deps.engine, repos, now, clock, log, recordingsDir: config.recordingsDir,
    minuteMs: config.minuteMs, warnMinutes: config.warnMinutes, nodeId: deps.nodeId, defaultRegion: config.defaultRegion,
  });
  const live = new IvrLiveHost(rooms, { repos, now, clock, log, nodeId: deps.nodeId ?? 'local' });
  const active = new Set<Promise<void>>();
  const track = (p: Promise<void>): void => { active.add(p); void p.finally(() => active.delete(p)); };
  const pacing = new TrunkPacing(clock);
  const budget = new AccountCalls({ accounts: repos.accounts, rates: repos.rates, clock, log, homeRegion: config.defaultRegion, warnBeforeMs: config.balanceWarningMs });
  const money = new MoneyCheck({ accounts: repos.accounts, rates: repos.rates, nowMs: () => clock.now(), homeRegion: config.defaultRegion, log,
    openLegs: (a) => budget.openLegs(a) });
  const guard = new DialOutGuard({ repos, homeRegion: config.defaultRegion, now, log, emit: (e) => live.publish(e) });
  const answered = new Set<CallContext>();
  const lockout = new PinLockout(config.pinLockout);
  const pinSync = deps.pinFailures && new PinLockoutSync({
    store: deps.pinFailures.store, lockout, nodeId: deps.nodeId ?? 'local', windowMs: config.pinLockout.windowMs, log,
    pollMs: deps.pinFailures.pollMs, now: () => now().getTime(),
  });
  pinSync?.start();
  const svc: IvrServices = {
    answered, pacing, money, budget, guard, ...(deps.joinTokens ? { joinTokens: deps.joinTokens } : {}),
    ...(deps.cluster ? { cluster: deps.cluster } : {}),
    engine: deps.engine, repos, records, config, dialer: new Dialer(repos.trunks, config.defaultRegion),
    rooms, live, lockout, waiting: new WaitingLimit(config.waiting, config.pinLockout.carrierAddresses), now, clock, log,
    joinCalled: (room, leg, cdrId, lang, ctx) => joinCalled(svc, track, room, leg, cdrId, lang, ctx),
  };
  live.useInvites({
    engine: deps.engine, dialer: svc.dialer, pacing, money, budget, guard, records, config, log, clock, lang: config.defaultLanguage,
    confirmMs: config.inviteConfirmMs, concurrency: config.inviteConcurrency, rooms: repos.rooms,
    joinCalled: (room, leg, cdrId, lang, ctx) => svc.joinCalled(room, leg, cdrId, lang, ctx),
  });
  const checkpoints = records.checkpointEvery(config.checkpointIntervalMs);
  const events = new IvrEventEmitter();
  events.on('call-ended', countCall);
  const unwatch = watchIvr({ activeCalls: () => active.size, pacing });
  let closed = false;
  let draining = false;
  return {
    events,
    rooms,
    live,
    config,
    get activeCalls() { return active.size; },
    get draining() { return draining; },
    drain(opts: { retryAfterS: number }): void {
      draining = true;
      deps.engine.refuseNewCalls(opts);
    },
    endAll: (reason: string) => endAll(svc, reason),
    waiting: svc.waiting,
    handle(call: IncomingCall): void {
      track(handleIncoming(svc, call, () => !closed).then((s) => events.fire(s), (err: unknown) => log.error({ err, callId: call.callId }, 'call handling failed')));
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      unwatch();
      checkpoints.stop();
      await pinSync?.stop();
      await rooms.closeAll('shutdown');
    },
  };
}
