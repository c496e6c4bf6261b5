// The WebRTC gateway's engine (issue #17), in whichever thread runs it (the
// gateway's worker, or the caller's with inProcess): each browser's audio comes
// into the bridge as one ordinary SIP call from the gateway's own user agent to
// the bridge's SIP address (its IVR treats it like a phone); listen-in pages
// with the same key share one SIP leg and one Opus encoder.
import dgram from 'node:dgram';
import { randomUUID } from 'node:crypto';
import { TypedEmitter } from '../../common/events.ts';
import { moduleLogger, type Logger } from '../../common/log.ts';
import { PortAllocator } from '../rtp/port-allocator.ts';
import type { SipUri } from '../sip/grammar/types.ts';
import type { HeaderField } from '../sip/message/message.ts';
import { SipTransport } from '../sip/transport/transport.ts';
import { SipUserAgent } from '../sip/user-agent.ts';
import { BridgeLeg } from './bridge-leg.ts';
import { BrowserPeer } from './browser-peer.ts';
import { checkBrowserOffer } from './browser-offer.ts';
import { Downlink } from './downlink.ts';
import { FrameClock, type FrameListener } from './frame-clock.ts';
import { GatewayError } from './gateway-error.ts';
import { checkHeaders, checkListenKey, checkTo, cleanDisplayName } from './join-request.ts';
import { Uplink } from './uplink.ts';
import { builtinG722, type G722Implementation } from './voice-codec.ts';

import type { GatewayCounts, WebrtcJoinRequest, WebrtcSession } from './gateway-types.ts';
import type { GatewayWorkerData } from './gateway-protocol.ts';

/** The worker's plain options (gateway-protocol.ts), and what only an in-process core can take. */
export interface GatewayCoreOptions extends GatewayWorkerData {
  /** Another G.722 implementation than bridge/rtp/g722.ts (in process only). */
  g722?: G722Implementation;
  logger?: Logger;
}

export type GatewayCoreEvents = {
  /** A joined session is over: the bridge hung up, ICE/DTLS failed or timed out, or hangup()/close() was called. */
  ended: [id: string, reason: string];
  /** counts() or listeners() may have changed (the worker mirrors them to the control thread). */
  changed: [];
};

/** One browser. */
interface Session {
  readonly id: string;
  readonly listenKey: string | undefined;
  readonly createdAt: number;
  peer?: BrowserPeer;
  /** A participant's own leg (listeners use their group's). */
  leg?: BridgeLeg;
  uplink?: Uplink;
  downlink?: Downlink;
  tick?: FrameListener;
  /** join() returned: 'ended' is reported from then on. */
  joined: boolean;
  ended: boolean;
  connectedAt?: number;
  lastRtpAt: number;
  disconnectedAt?: number;
  /** Whether the browser sends us audio (the media timeout applies). */
  browserSends: boolean;
  /** Aborted when the session ends: a participant's INVITE still unanswered is cancelled. */
  readonly abort: AbortController;
}

/** The browsers listening in on one key, and their shared leg. */
interface ListenGroup {
  readonly key: string;
  readonly sessions: Set<Session>;
  leg: Promise<BridgeLeg>;
  ready?: { leg: BridgeLeg; downlink: Downlink };
  ended: boolean;
  /** Aborted when the group ends (its last listener left): the INVITE still unanswered is cancelled. */
  readonly abort: AbortController;
}

const WATCHDOG_MS = 500;

export class GatewayCore extends TypedEmitter<GatewayCoreEvents> {
  private readonly log: Logger;
  private readonly sessions = new Map<string, Session>();
  private readonly groups = new Map<string, ListenGroup>();
  private readonly openLegs = new Set<BridgeLeg>();
  private readonly clock = new FrameClock();
  private readonly legPorts: PortAllocator;
  private readonly icePortRange: [number, number];
  private readonly maxSessions: number;
  private readonly joinTimeoutMs: number;
  private readonly mediaTimeoutMs: number;
  private readonly g722: G722Implementation | undefined;
  private transport: SipTransport | undefined;
  private ua: SipUserAgent | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private closing = false;

  constructor(private readonly opts: GatewayCoreOptions) {
    super();
    this.log = opts.logger ?? moduleLogger('webrtc');
    const { rtpPortMin: min, rtpPortMax: max } = opts;
    if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 1024 && max <= 65535 && max - min >= 7)) {
      throw new RangeError(`rtpPortMin–rtpPortMax ${min}–${max}: need at least 8 ports within 1024–65535`);
    }
    const mid = min + Math.floor((max - min + 1) / 2);
    this.legPorts = new PortAllocator({ min, max: mid - 1, host: opts.bindHost });
    this.icePortRange = [mid, max];
    this.maxSessions = opts.maxSessions ?? 500;
    this.joinTimeoutMs = opts.joinTimeoutMs ?? 15_000;
    this.mediaTimeoutMs = opts.mediaTimeoutMs ?? 10_000;
    this.g722 = opts.offerG722 === false ? undefined : opts.g722 ?? builtinG722;
  }

  /** The gateway's SIP port (after start()). */
  get sipPort(): number | undefined { return this.transport?.port; }

  async start(): Promise<void> {
    if (this.transport) return;
    const port = this.opts.sipPort ?? await freeUdpPort(this.opts.bindHost);
    const transport = new SipTransport({ host: this.opts.bindHost, port, transports: ['udp'], logger: this.log.child({ module: 'webrtc-sip' }) });
    await transport.listen();
    this.transport = transport;
    this.ua = new SipUserAgent({
      transport, logger: this.log.child({ module: 'webrtc-sip' }), host: this.opts.bindHost, port,
      userAgent: 'conference-bridge webrtc-gateway', contactUser: 'webrtc',
    });
    // No calls come in to the gateway: with no 'invite' listener the user agent answers them 480.
    this.watchdog = setInterval(() => this.checkTimeouts(), WATCHDOG_MS);
    this.watchdog.unref();
    this.log.info({ host: this.opts.bindHost, port, bridge: this.opts.bridge }, 'WebRTC gateway started');
  }

  /** Hangs up every session (BYE to the bridge, peer connections closed) and stops. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    await Promise.allSettled([...this.sessions.values()].map((s) => this.endSession(s, 'gateway-closed')));
    await Promise.allSettled([...this.openLegs].map((l) => l.hangup()));
    if (this.watchdog) clearInterval(this.watchdog);
    this.clock.stop();
    this.ua?.close();
    await this.transport?.close();
  }

  counts(): GatewayCounts {
    let listeners = 0;
    for (const s of this.sessions.values()) if (s.listenKey !== undefined) listeners++;
    return { sessions: this.sessions.size, listeners, legs: this.openLegs.size };
  }

  listenersOf(listenKey: string): number {
    return this.groups.get(listenKey)?.sessions.size ?? 0;
  }

  /** Listeners per listen key (keys with none left out). */
  listenerCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [key, g] of this.groups) if (g.sessions.size > 0) out[key] = g.sessions.size;
    return out;
  }

  /** Answers a browser's offer and calls the bridge; resolves once the bridge answered (200 OK). */
  async join(req: WebrtcJoinRequest): Promise<WebrtcSession> {
    const ua = this.ua;
    if (!ua || this.closing) throw new GatewayError(503, 'the gateway is not running');
    if (this.sessions.size >= this.maxSessions) throw new GatewayError(503, `at most ${this.maxSessions} sessions`);
    const offer = checkBrowserOffer(req?.offerSdp);
    const to = checkTo(req.to);
    const headers = checkHeaders(req.headers);
    const displayName = cleanDisplayName(req.fromName);
    const listenKey = checkListenKey(req.listenKey);
    const browserSends = listenKey === undefined && (offer.direction === 'sendrecv' || offer.direction === 'sendonly');
    const s: Session = { id: randomUUID(), listenKey, createdAt: Date.now(), joined: false, ended: false, lastRtpAt: 0, browserSends, abort: new AbortController() };
    this.sessions.set(s.id, s);
    this.emit('changed');
    const log = this.log.child({ session: s.id });
    const target: SipUri = { scheme: 'sip', user: to, host: this.opts.bridge.host, port: this.opts.bridge.port, params: new Map(), headers: new Map() };
    const from = { user: 'webrtc', ...(displayName ? { displayName } : {}) };
    try {
      const peerP = BrowserPeer.answer(req.offerSdp, {
        bindHost: this.opts.bindHost, icePortRange: this.icePortRange,
        direction: listenKey === undefined ? 'sendrecv' : 'sendonly', gatherTimeoutMs: this.joinTimeoutMs,
      });
      const legP = listenKey === undefined
        ? this.openLeg(ua, target, from, headers, 'sendrecv', s.abort.signal)
        : this.joinGroup(listenKey, s, (signal) => this.openLeg(ua, target, from, headers, 'recvonly', signal));
      const [peerR, legR] = await Promise.allSettled([peerP, legP]);
      if (peerR.status === 'fulfilled') s.peer = peerR.value;
      if (legR.status === 'fulfilled' && listenKey === undefined) s.leg = legR.value;
      if (peerR.status === 'rejected') throw peerR.reason;
      if (legR.status === 'rejected') throw legR.reason;
      if (s.ended) throw new GatewayError(487, 'hung up before the bridge answered');
      this.wire(s, peerR.value, legR.value, log);
      s.joined = true;
      log.info({ to, listenKey, codec: legR.value.codec.name, browserCodec: peerR.value.sendCodec.name }, 'browser joined');
      return { id: s.id, answerSdp: peerR.value.answerSdp };
    } catch (err) {
      await this.endSession(s, 'join-failed');
      if (err instanceof GatewayError) throw err;
      log.error({ err }, 'join failed');
      throw new GatewayError(500, `join failed: ${(err as Error).message}`);
    }
  }

  /** BYE to the bridge (the leg's last listener for a listen-in), peer connection closed, 'ended' emitted. */
  async hangup(id: string): Promise<void> {
    const s = this.sessions.get(id);
    if (s) await this.endSession(s, 'hangup');
  }

  // ---- legs ----

  private async openLeg(ua: SipUserAgent, target: SipUri, from: { user: string; displayName?: string }, headers: HeaderField[], direction: 'sendrecv' | 'recvonly', signal: AbortSignal): Promise<BridgeLeg> {
    const leg = await BridgeLeg.open({
      ua, ports: this.legPorts, bindHost: this.opts.bindHost, target, from, headers, g722: this.g722,
      direction, timeoutMs: this.joinTimeoutMs, signal, log: this.log,
    });
    this.openLegs.add(leg);
    this.emit('changed');
    leg.on('ended', () => { this.openLegs.delete(leg); this.emit('changed'); });
    if (this.closing) { void leg.hangup(); throw new GatewayError(503, 'the gateway closed'); }
    return leg;
  }

  /** Adds a listener to its key's group, creating the group (and its leg) for the first one. */
  private joinGroup(key: string, s: Session, open: (signal: AbortSignal) => Promise<BridgeLeg>): Promise<BridgeLeg> {
    let group = this.groups.get(key);
    if (!group || group.ended) {
      const abort = new AbortController();
      const g: ListenGroup = { key, sessions: new Set(), leg: open(abort.signal), ended: false, abort };
      group = g;
      this.groups.set(key, g);
      g.leg.then((leg) => {
        if (g.ended) { void leg.hangup(); return; }
        const downlink = new Downlink(leg.codec.sampleRate);
        g.ready = { leg, downlink };
        leg.on('audio', (pcm) => downlink.push(pcm));
        leg.on('ended', (reason) => {
          this.endGroup(g);
          for (const m of [...g.sessions]) void this.endSession(m, reason);
        });
      }, () => this.endGroup(g));
    }
    group.sessions.add(s);
    this.emit('changed');
    return group.leg;
  }

  private endGroup(g: ListenGroup): void {
    if (g.ended) return;
    g.ended = true;
    g.abort.abort();
    if (this.groups.get(g.key) === g) this.groups.delete(g.key);
    g.ready?.downlink.close();
    if (g.ready) void g.ready.leg.hangup();
  }

  // ---- media ----

  private wire(s: Session, peer: BrowserPeer, leg: BridgeLeg, log: Logger): void {
    peer.on('state', (state) => {
      if (state === 'connected') {
        s.connectedAt ??= Date.now();
        s.lastRtpAt = Date.now();
        s.disconnectedAt = undefined;
      } else if (state === 'disconnected') {
        s.disconnectedAt ??= Date.now();
      } else if (state === 'failed' || state === 'closed') {
        void this.endSession(s, `ice-${state}`);
      }
    });
    if (s.listenKey === undefined) {
      const uplink = new Uplink(leg, peer.payloadTypes);
      const downlink = new Downlink(leg.codec.sampleRate);
      downlink.add(peer);
      s.uplink = uplink;
      s.downlink = downlink;
      peer.on('rtp', (p) => { s.lastRtpAt = Date.now(); uplink.onPacket(p); });
      leg.on('audio', (pcm) => downlink.push(pcm));
      leg.on('ended', (reason) => void this.endSession(s, reason));
      s.tick = (periods) => uplink.tick(periods);
      this.clock.add(s.tick);
    } else {
      const group = this.groups.get(s.listenKey);
      if (!group?.ready || group.ready.leg !== leg) throw new GatewayError(503, 'the listen-in leg ended while joining');
      group.ready.downlink.add(peer);
      peer.on('rtp', () => { s.lastRtpAt = Date.now(); });
    }
    log.debug({ icePorts: this.icePortRange }, 'media wired');
  }

  private checkTimeouts(): void {
    const now = Date.now();
    for (const s of this.sessions.values()) {
      if (!s.joined || s.ended) continue;
      if (s.connectedAt === undefined) {
        if (now - s.createdAt > this.joinTimeoutMs) void this.endSession(s, 'ice-timeout');
      } else if (s.disconnectedAt !== undefined && now - s.disconnectedAt > this.mediaTimeoutMs) {
        void this.endSession(s, 'ice-disconnected');
      } else if (s.browserSends && now - s.lastRtpAt > this.mediaTimeoutMs) {
        void this.endSession(s, 'media-timeout');
      }
    }
  }

  // ---- ending ----

  private async endSession(s: Session, reason: string): Promise<void> {
    if (s.ended) return;
    s.ended = true;
    s.abort.abort();
    this.sessions.delete(s.id);
    if (s.tick) this.clock.delete(s.tick);
    s.uplink?.close();
    s.downlink?.close();
    const waits: Array<Promise<void>> = [];
    if (s.peer) waits.push(s.peer.close());
    if (s.leg) waits.push(s.leg.hangup());
    if (s.listenKey !== undefined) {
      const group = this.groups.get(s.listenKey);
      if (group?.sessions.has(s)) {
        group.sessions.delete(s);
        if (s.peer) group.ready?.downlink.delete(s.peer);
        if (group.sessions.size === 0) {
          const leg = group.ready?.leg;
          this.endGroup(group);
          if (leg) waits.push(leg.hangup());
        }
      }
    }
    this.emit('changed');
    if (s.joined) {
      this.log.info({ session: s.id, reason }, 'browser session ended');
      this.emit('ended', s.id, reason);
    }
    await Promise.allSettled(waits);
  }
}

/** A UDP port free on `host` now (bound and released: the transport binds it next). */
async function freeUdpPort(host: string): Promise<number> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => { sock.once('error', reject); sock.bind(0, host, () => resolve()); });
  const port = sock.address().port;
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}
