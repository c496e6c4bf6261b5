// What flows and commands share: the engine, the repositories, CDRs, the
// dialer, the live rooms and their live host, the PIN lockout, the clocks
// and the settings.
// createIvr (ivr.ts) makes one; the flows and star commands receive it.
import type { TrunkPacing } from '../call/trunk-queue.ts';
import type { CallLeg, Engine } from '../../bridge/port.ts';
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import type { Repositories } from '../../core/repositories.ts';
import type { JoinTokenSigner } from '../../core/rooms/join-token.ts';
import type { ClusterStore } from '../../core/cluster/store.ts';
import type { CallContext } from '../call/call-context.ts';
import type { CallRecords } from '../call/call-records.ts';
import type { Dialer } from '../call/dialer.ts';
import type { IvrLiveHost } from '../live/live-host.ts';
import type { PromptLang } from '../prompts/catalog.ts';
import type { LiveRoom } from '../room/live-room.ts';
import type { PinLockout } from '../room/pin-lockout.ts';
import type { WaitingLimit } from '../call/waiting-limit.ts';
import type { RoomRegistry } from '../room/registry.ts';
import type { AccountCalls } from '../billing/account-calls.ts';
import type { MoneyCheck } from '../billing/money-check.ts';
import type { DialOutGuard } from '../billing/dial-out-guard.ts';
import type { IvrConfig } from './config.ts';

/** What the IVR needs of the cluster (flows/relay.ts; absent: one node, nothing to relay). */
export interface ClusterLink {
  store: ClusterStore;
  /** This node's id (config.data.nodeId). */
  nodeId: string;
  /** A node whose heartbeat is older than this is lost. */
  staleMs: number;
  /** How often a relaying node checks its hosts; default 1000 ms. */
  watchMs?: number;
}

export interface IvrServices {
  engine: Engine;
  /** One queue per trunk for every call the bridge places. */
  pacing: TrunkPacing;
  /** The money check before any call the bridge places (ivr/billing/money-check.ts). */
  money?: MoneyCheck;
  /** Toll fraud: who may dial out, where and how much (ivr/billing/dial-out-guard.ts). */
  guard?: DialOutGuard;
  /** The running per-account budget: warning and cut (ivr/billing/account-calls.ts). */
  budget?: AccountCalls;
  repos: Repositories;
  records: CallRecords;
  config: IvrConfig;
  dialer: Dialer;
  rooms: RoomRegistry;
  /** The live seam's host: events and alerts that start outside a room (the PIN lockout). */
  live: IvrLiveHost;
  /** Wrong PINs: per caller (slowed, refused) and per room (alert, slower checks). */
  lockout: PinLockout;
  /** Verifies the X-Bridge-Join token of a browser's call (issue 17); absent: such calls are refused (403). */
  joinTokens?: JoinTokenSigner;
  /** Several nodes on one database (issue 18): where rooms are mixed, and relaying callers there (flows/relay.ts). */
  cluster?: ClusterLink;
  /** Calls waiting in the IVR per source address (refused over it before the answer). */
  waiting: WaitingLimit;
  /** Wall-clock time (CDRs, room windows, the PIN lockout). */
  now: () => Date;
  /** Times the digit, menu and end-of-window timeouts. */
  clock: Clock;
  log: Logger;
  /** Incoming calls answered and not yet handled to their end (createIvr's endAll() reaches the callers still in the IVR). */
  answered?: Set<CallContext>;
  /**
   * Implemented by flows/join-called.ts (wired by createIvr) so that star
   * commands, below the flows, can hand a called leg to them.
   *
   * Brings a leg the bridge called (invitee, multi-party party) into a room as
   * a guest and runs its star-code loop until it hangs up. Resolves once it
   * has joined (true) or was refused (false: the room is full; the leg is hung up).
   */
  joinCalled(room: LiveRoom, leg: CallLeg, cdrId: string, lang: PromptLang, ctx?: CallContext): Promise<boolean>;
}
