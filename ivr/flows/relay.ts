// One room, several nodes (issue 18): a room's conference is mixed on ONE
// node, its host (the live `conferences.node_id`, core/cluster/). A caller
// whose call landed on another node (Kamailio spreads calls before anyone
// knows the room) has the IVR there check the PIN as usual, then is relayed:
// this node calls the host with a signed join token of kind 'relay' (the
// room, the role the PIN gave, the caller's number), bridges the caller and
// that leg (packet for packet when both speak the caller's codec, else in a
// private two-party mix), and passes the caller's keys on (the
// star menu runs on the host, like everything else about the room: the
// console, mutes, the lock, the count, the recording). The call's signalling
// and its CDR stay here, on the node Kamailio chose.
//
// A host that stops beating is taken over: every node with relayed callers
// watches its hosts (one poll per host, not per call); when one is lost, the
// first node to move the conference to itself (one conditional UPDATE)
// becomes the host and its relayed callers join locally; the others relay to
// the new host. Only the lost node's own calls end.
import { Q850 } from '../../bridge/q850.ts';
import type { CallLeg } from '../../bridge/port.ts';
import type { ClusterNode } from '../../core/cluster/store.ts';
import { JOIN_HEADER } from '../../core/rooms/join-token.ts';
import type { Role } from '../room/participant.ts';
import type { CallContext } from '../call/call-context.ts';
import type { ClusterLink, IvrServices } from '../services/ivr-services.ts';

/** Where a room's conference is mixed, seen from this node. */
export type RoomHost =
  | { kind: 'here' }
  | { kind: 'elsewhere'; conferenceId: string; node: ClusterNode };

/**
 * Decides where `roomId`'s caller goes: here when no conference is live, when
 * it is ours, or when its host is lost and we took it over; elsewhere when
 * another live node hosts it.
 */
export async function roomHost(svc: IvrServices, accountId: string, roomId: string): Promise<RoomHost> {
  const cluster = svc.cluster;
  if (!cluster) return { kind: 'here' };
  for (let attempt = 0; attempt < 3; attempt++) {
    const at = svc.now();
    const host = await cluster.store.hostOf(accountId, roomId, at, cluster.staleMs);
    if (!host || host.nodeId === cluster.nodeId) return { kind: 'here' };
    if (host.node?.alive) return { kind: 'elsewhere', conferenceId: host.conferenceId, node: host.node };
    // The host is lost (or left): move its conference here, unless another survivor was first.
    if (await cluster.store.takeOver(host.conferenceId, host.nodeId, cluster.nodeId, at)) {
      svc.log.warn({ conferenceId: host.conferenceId, lost: host.nodeId }, 'took over the conference of a lost node');
      return { kind: 'here' };
    }
  }
  throw new Error(`no stable host for room ${roomId}`);
}

export interface RelayRequest {
  ctx: CallContext;
  cdrId: string;
  room: { id: string; number: string };
  role: Role;
  host: { conferenceId: string; node: ClusterNode };
  /** The caller was in the room already (its host was lost): the room's lock does not keep it out. */
  rejoin: boolean;
}

/** How a relay ended: the call is over, or the host was lost and the caller should enter the room again. */
export type RelayEnd = 'ended' | 'host-lost';

/** Relays the caller to the host until one side hangs up or the host is lost. */
export async function relayToHost(svc: IvrServices, req: RelayRequest): Promise<RelayEnd> {
  const { ctx, host } = req;
  const cluster = svc.cluster!;
  const token = svc.joinTokens!.sign({ room: req.room.number, role: req.role, kind: 'relay', name: ctx.displayName ?? '', jti: req.cdrId, node: cluster.nodeId, rejoin: req.rejoin }, svc.now().getTime());
  const target = `sip:${req.room.number}@${host.node.sipHost}:${host.node.sipPort}`;
  ctx.log.info({ host: host.node.id, conferenceId: host.conferenceId }, 'relaying the caller to the room\'s host node');
  let out: CallLeg;
  try {
    out = await svc.engine.originate({ uri: target }, {
      from: { user: ctx.leg.from || 'anonymous', ...(ctx.displayName ? { displayName: ctx.displayName } : {}) },
      // The caller's own codec only: the host answers with it, and the two legs are bridged packet for packet.
      headers: { [JOIN_HEADER]: token }, noAnswerTimeoutMs: 10_000, codecs: [ctx.leg.codec],
    });
  } catch (err) {
    ctx.log.warn({ err: (err as Error).message, host: host.node.id }, 'the room\'s host node did not take the relay');
    const lost = !(await hostAlive(svc, cluster, host.node.id));
    if (lost) return 'host-lost';
    await ctx.goodbye(['service-unavailable'], Q850.TEMPORARY_FAILURE, 'relay_failed');
    return 'ended';
  }
  svc.records.update(req.cdrId, { conferenceId: host.conferenceId, role: req.role });
  ctx.outcome = 'relayed';
  ctx.markJoined();
  let end = 'ended' as RelayEnd;
  let stopped = false;
  let wake!: () => void;
  const done = new Promise<void>((r) => { wake = r; });
  const stop = (why: RelayEnd) => { if (!stopped) { stopped = true; end = why; wake(); } };
  const onOutHangup = () => stop('ended');
  const onCallerHangup = () => stop('ended');
  out.on('hangup', onOutHangup);
  ctx.leg.on('hangup', onCallerHangup);
  const unwatch = watchHost(svc, cluster, host.node.id, () => stop('host-lost'));
  let link: { close(): Promise<void> };
  try {
    link = await connect(svc, ctx, out, req.cdrId);
    void forwardKeys(ctx, out, () => stopped);
    if (!ctx.leg.ended && !out.ended) await done;
  } catch (err) {
    if (!out.ended) void out.hangup(Q850.NORMAL_CLEARING).catch(() => undefined); // no link was made
    throw err;
  } finally {
    unwatch();
    out.off('hangup', onOutHangup);
    ctx.leg.off('hangup', onCallerHangup);
  }
  if (end === 'host-lost' && !ctx.leg.ended) {
    ctx.log.warn({ host: host.node.id }, 'the room\'s host node was lost; entering the room again');
    try {
      await link.close(); // a direct bridge points the caller's media back here
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'the caller\'s media could not be brought back from the lost host');
      if (!out.ended) void out.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
      await ctx.leg.hangup(Q850.TEMPORARY_FAILURE).catch(() => undefined);
      return 'ended';
    }
    if (!out.ended) void out.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
    return 'host-lost';
  }
  // Whoever hung up, the other side follows with the same cause; then the link goes (nothing left to point back).
  if (!out.ended) await out.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
  if (!ctx.leg.ended) await ctx.leg.hangup(Q850.NORMAL_CLEARING).catch(() => undefined);
  await link.close().catch(() => undefined);
  return 'ended';
}

/**
 * Joins the caller and the host's leg, the cheapest way that works:
 *  1. directly: the caller's media is pointed at the host and the host's at
 *     the caller (re-INVITEs both ways); no packet of the call passes here;
 *  2. bridged packet for packet (same codec: no decoding, no mixing, no
 *     jitter buffer here, the host's buffer takes the caller's jitter), when
 *     a far end refuses the re-INVITE or the caller's media is SRTP;
 *  3. a private two-party mix, when the engine has no bridge.
 */
async function connect(svc: IvrServices, ctx: CallContext, out: CallLeg, cdrId: string): Promise<{ close(): Promise<void> }> {
  if (svc.engine.bridge && out.codec === ctx.leg.codec) {
    for (const direct of [true, false]) {
      try {
        const link = await svc.engine.bridge(ctx.leg, out, { direct });
        ctx.log.info({ direct: link.direct }, link.direct ? 'the caller\'s media goes straight to the host' : 'the caller\'s media passes through here, packet for packet');
        return link;
      } catch (err) {
        if (ctx.leg.ended || out.ended) throw err;
        ctx.log.warn({ err: (err as Error).message, direct }, direct ? 'the caller\'s media cannot go to the host directly; passing it on here instead' : 'the relay could not be bridged; mixing it instead');
      }
    }
  }
  const mix = svc.engine.createConference(`relay-${cdrId}`, { joinLeaveTones: false, maxTalkers: 2 });
  try {
    await mix.join(ctx.leg);
    await mix.join(out);
  } catch (err) {
    await mix.close().catch(() => undefined);
    throw err;
  }
  return mix;
}

/** The caller's keys go on to the host (RFC 4733), where the star menu runs. */
async function forwardKeys(ctx: CallContext, out: CallLeg, stopped: () => boolean): Promise<void> {
  while (!stopped() && !ctx.ended && !out.ended) {
    const k = await ctx.keys.next(1000);
    if (k === undefined || stopped() || out.ended) continue;
    await out.sendDtmf(k).catch((err: unknown) => ctx.log.debug({ err }, 'a key could not be passed on'));
  }
}

async function hostAlive(svc: IvrServices, cluster: ClusterLink, nodeId: string): Promise<boolean> {
  const node = await cluster.store.node(nodeId, svc.now(), cluster.staleMs).catch(() => undefined);
  return node?.alive ?? false;
}

/** Hosts watched by this node: one poll per host for all the callers relayed to it. */
const watches = new Map<string, { timer: NodeJS.Timeout; onLost: Set<() => void> }>();

/**
 * Calls `onLost` once `nodeId` stops beating (polled with the other callers
 * watching that node); returns the unwatch. The host also watches the nodes
 * that relay to it: a relayed leg whose node is lost is hung up (no BYE comes).
 */
export function watchHost(svc: IvrServices, cluster: ClusterLink, nodeId: string, onLost: () => void): () => void {
  const key = `${cluster.nodeId}→${nodeId}`; // one process may run several nodes (tests)
  let w = watches.get(key);
  if (!w) {
    const entry = { onLost: new Set<() => void>(), timer: setInterval(() => {
      void hostAlive(svc, cluster, nodeId).then((alive) => {
        if (alive) return;
        for (const fn of [...entry.onLost]) fn();
      });
    }, cluster.watchMs ?? 1000) };
    entry.timer.unref();
    watches.set(key, entry);
    w = entry;
  }
  w.onLost.add(onLost);
  return () => {
    const e = watches.get(key);
    if (!e) return;
    e.onLost.delete(onLost);
    if (e.onLost.size === 0) { clearInterval(e.timer); watches.delete(key); }
  };
}
