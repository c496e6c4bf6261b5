// One RTP endpoint of a call leg: a port pair from the PortAllocator, G.711
// frames out with our own SSRC/sequence/timestamp, RFC 4733 events out and in,
// symmetric RTP with latching, and RTCP reports on the odd port.
//
// Latching (symmetric RTP, RFC 4961 practice for NATed phones): we send to the
// address from the SDP until the first valid RTP packet (version 2, one of the
// negotiated payload types) arrives; from then on we send to, and accept only
// from, that packet's source address and port. Other sources are counted in
// `strangerPackets` and dropped.
import type dgram from 'node:dgram';
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError, ParseError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { parseRtp, writeRtp, RTP_HEADER_SIZE, type RtpPacket } from './rtp-packet.ts';
import {
  parseRtcp, serializeRtcp, ntpFromMs, ntpMiddle32, roundTripMs, SDES_CNAME, type RtcpPacket, type ReportBlock,
} from './rtcp.ts';
import { RtcpStats } from './rtcp-stats.ts';
import { TelephoneEventReceiver, telephoneEventPackets } from './telephone-event.ts';
import type { PortAllocator } from './port-allocator.ts';

const log = moduleLogger('rtp');

export interface RtpAddress { address: string; port: number }

/** What a session carries to another process or worker (ports stay the same; sockets are re-bound there). */
export interface RtpSessionState {
  ssrc: number;
  seq: number;
  timestamp: number;
  payloadType: 0 | 8;
  telephoneEventPayloadType: number | undefined;
  remote: RtpAddress | undefined;
  remoteRtcp: RtpAddress | undefined;
  latchedRtp: RtpAddress | undefined;
  latchedRtcp: RtpAddress | undefined;
  cname: string;
}

export interface RtpSessionOptions {
  /** Releases the ports on close; absent when the sockets were bound by the caller (openPair). */
  allocator?: PortAllocator;
  /** The session state of an earlier life of this session (moved between workers). */
  restore?: RtpSessionState;
  /** Where to send until latched (from the SDP c=/m= lines). */
  remote?: RtpAddress;
  /** RTCP destination from SDP (a=rtcp), default remote port + 1. */
  remoteRtcpPort?: number;
  /** Negotiated audio payload type: 0 (PCMU) or 8 (PCMA). */
  payloadType: 0 | 8;
  /** Negotiated telephone-event payload type (e.g. 101); none = RFC 4733 off. */
  telephoneEventPayloadType?: number;
  ssrc?: number;
  cname?: string;
  /** Average RTCP report interval (default 5000 ms, RFC 3550 §6.2 minimum). */
  rtcpIntervalMs?: number;
  /** Monotonic clock in ms (tests); default performance.now. */
  now?: () => number;
}

export interface RtpSessionStats {
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  /** Cumulative loss of the received stream (RFC 3550 A.3). */
  packetsLost: number;
  /** Fraction lost in the last report interval of the received stream, 0–1. */
  fractionLost: number;
  jitterMs: number;
  /** From the last report block about our stream (§6.4.1); undefined before one came. */
  rttMs: number | undefined;
  /** What the far end reports about our stream. */
  remoteFractionLost: number | undefined;
  remotePacketsLost: number | undefined;
  strangerPackets: number;
  invalidPackets: number;
}

export interface AudioPacketEvent {
  payload: Uint8Array;
  packet: RtpPacket;
  arrivalMs: number;
}

export interface DtmfEvent { digit: string; durationMs: number; source: 'rfc4733' }

export type RtpSessionEvents = {
  audio: [AudioPacketEvent];
  dtmf: [DtmfEvent];
  latched: [RtpAddress];
  stats: [RtpSessionStats];
};

const TALKSPURT_GAP_MS = 60; // no frame for this long: the next one starts a talkspurt (marker)

function randomUint32(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

export class RtpSession extends TypedEmitter<RtpSessionEvents> {
  readonly ssrc: number;
  readonly localPort: number;
  readonly localRtcpPort: number;
  readonly cname: string;
  payloadType: 0 | 8;
  telephoneEventPayloadType: number | undefined;

  private remote: RtpAddress | undefined;
  private remoteRtcp: RtpAddress | undefined;
  private latchedRtp: RtpAddress | undefined;
  /**
   * The RTP socket is connect()ed to the latched source: sends skip the per-packet
   * address lookup, and the kernel drops other sources before they cost us anything.
   */
  private connected: RtpAddress | undefined;
  private connecting = false;
  private latchedRtcp: RtpAddress | undefined;
  private readonly now: () => number;
  private readonly rtcpIntervalMs: number;

  private seq = randomUint32() & 0xffff;
  private timestamp = randomUint32();
  private lastSendMs: number | undefined;
  /** Media clock slot of the last frame sent with one (see sendFrame). */
  private lastSlot: number | undefined;
  private sentSinceReport = false;
  private dtmfQueue: Promise<void> = Promise.resolve();

  private sourceSsrc: number | undefined;
  private receiverStats = new RtcpStats();
  private readonly events = new TelephoneEventReceiver();
  private eventTimer: NodeJS.Timeout | undefined;
  private rtcpTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly counts = {
    packetsSent: 0, octetsSent: 0, packetsReceived: 0, strangerPackets: 0, invalidPackets: 0, unreachable: 0,
    fractionLost: 0, rttMs: undefined as number | undefined,
    remoteFractionLost: undefined as number | undefined, remotePacketsLost: undefined as number | undefined,
  };

  private constructor(
    private readonly opts: RtpSessionOptions,
    private readonly rtp: dgram.Socket,
    private readonly rtcp: dgram.Socket,
  ) {
    super();
    this.localPort = rtp.address().port;
    this.localRtcpPort = rtcp.address().port;
    this.ssrc = (opts.restore?.ssrc ?? opts.ssrc ?? randomUint32()) >>> 0;
    this.cname = opts.restore?.cname ?? opts.cname ?? `bridge-${this.ssrc.toString(16)}@${opts.allocator?.host ?? rtp.address().address}`;
    this.payloadType = opts.payloadType;
    this.telephoneEventPayloadType = opts.telephoneEventPayloadType;
    this.now = opts.now ?? (() => performance.now());
    this.rtcpIntervalMs = opts.rtcpIntervalMs ?? 5000;
    this.setRemote(opts.remote, opts.remoteRtcpPort);
    const r = opts.restore;
    if (r) {
      this.seq = r.seq;
      this.timestamp = r.timestamp;
      this.payloadType = r.payloadType;
      this.telephoneEventPayloadType = r.telephoneEventPayloadType;
      this.remote = r.remote;
      this.remoteRtcp = r.remoteRtcp;
      this.latchedRtp = r.latchedRtp;
      if (r.latchedRtp) this.connectRtp(r.latchedRtp);
      this.latchedRtcp = r.latchedRtcp;
    }
    rtp.on('message', (msg, rinfo) => this.onRtp(msg, rinfo));
    rtcp.on('message', (msg, rinfo) => this.onRtcp(msg, rinfo));
    rtp.on('error', (err) => this.onSocketError(err, this.localPort));
    rtcp.on('error', (err) => this.onSocketError(err, this.localRtcpPort));
    this.scheduleRtcp(this.rtcpIntervalMs / 2); // §6.2: the first report after half an interval
  }

  /** Binds a port pair from the allocator and starts the session. */
  static async open(opts: RtpSessionOptions & { allocator: PortAllocator }): Promise<RtpSession> {
    const pair = await opts.allocator.allocate();
    return new RtpSession(opts, pair.rtp, pair.rtcp);
  }

  /** Starts the session on sockets the caller bound (see bindPair). */
  static openPair(pair: { rtp: dgram.Socket; rtcp: dgram.Socket }, opts: RtpSessionOptions): RtpSession {
    return new RtpSession(opts, pair.rtp, pair.rtcp);
  }

  /** The state to carry over when the session moves (see `restore`). */
  snapshot(): RtpSessionState {
    return {
      ssrc: this.ssrc, seq: this.seq, timestamp: this.timestamp, payloadType: this.payloadType,
      telephoneEventPayloadType: this.telephoneEventPayloadType, remote: this.remote, remoteRtcp: this.remoteRtcp,
      latchedRtp: this.latchedRtp, latchedRtcp: this.latchedRtcp, cname: this.cname,
    };
  }

  /**
   * ICMP port unreachable comes back as ECONNREFUSED on a connected socket
   * (the peer hung up or moved): counted, not an error worth a log line per
   * packet. Anything else is logged.
   */
  private onSocketError(err: NodeJS.ErrnoException, port: number): void {
    if (err.code === 'ECONNREFUSED') {
      if (this.counts.unreachable++ === 0) log.debug({ port }, 'peer unreachable (ICMP)');
      return;
    }
    log.error({ err, port }, 'RTP/RTCP socket error');
  }

  /** Payload types after a (re-)negotiation: the audio codec and telephone-event. */
  setPayloadTypes(payloadType: 0 | 8, telephoneEventPayloadType: number | undefined): void {
    this.payloadType = payloadType;
    this.telephoneEventPayloadType = telephoneEventPayloadType;
  }

  /** New remote from SDP (re-INVITE); drops the latch so the new source can be learnt. */
  setRemote(remote: RtpAddress | undefined, rtcpPort?: number): void {
    this.disconnectRtp();
    this.remote = remote;
    this.remoteRtcp = remote ? { address: remote.address, port: rtcpPort ?? remote.port + 1 } : undefined;
    this.latchedRtp = undefined;
    this.latchedRtcp = undefined;
  }

  private connectRtp(to: RtpAddress): void {
    if (this.connected || this.connecting || this.closed) return;
    this.connecting = true;
    this.rtp.connect(to.port, to.address, () => {
      this.connecting = false;
      // A re-INVITE may have dropped the latch while connecting.
      if (this.latchedRtp === to && !this.closed) this.connected = to;
      else this.disconnectRtp(true);
    });
  }

  private disconnectRtp(force = false): void {
    if (!this.connected && !force) return;
    this.connected = undefined;
    try { this.rtp.disconnect(); } catch { /* not connected (ERR_SOCKET_DGRAM_NOT_CONNECTED) */ }
  }

  /** Where RTP goes now: the latched source, else the SDP address. */
  get destination(): RtpAddress | undefined {
    return this.latchedRtp ?? this.remote;
  }

  get stats(): RtpSessionStats {
    const c = this.counts;
    return {
      packetsSent: c.packetsSent, octetsSent: c.octetsSent, packetsReceived: c.packetsReceived,
      packetsLost: Math.max(0, this.receiverStats.lost), fractionLost: c.fractionLost,
      jitterMs: this.receiverStats.jitterMs, rttMs: c.rttMs,
      remoteFractionLost: c.remoteFractionLost, remotePacketsLost: c.remotePacketsLost,
      strangerPackets: c.strangerPackets, invalidPackets: c.invalidPackets,
    };
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends one G.711 frame (one byte per sample, normally 160). The timestamp
   * advances by the frame length; after a pause the timestamp covers the
   * pause and the marker bit starts the talkspurt (RFC 3551 §4.1).
   */
  sendFrame(payload: Uint8Array, slot?: number): void {
    this.assertOpen();
    let marker = this.lastSendMs === undefined && this.lastSlot === undefined;
    if (slot !== undefined) {
      // The media clock's slot number: the timestamp follows the clock, so a
      // skipped tick shows as a gap to the receiver, not as drift.
      if (this.lastSlot !== undefined && slot !== this.lastSlot + 1) {
        const frames = slot - this.lastSlot - 1;
        if (frames > 0) { marker = true; this.timestamp = (this.timestamp + frames * payload.length) >>> 0; }
      }
      this.lastSlot = slot;
    } else {
      const now = this.now();
      if (this.lastSendMs !== undefined && now - this.lastSendMs > TALKSPURT_GAP_MS) {
        marker = true;
        // Whole frames elapsed beyond the one already counted.
        const frames = Math.floor((now - this.lastSendMs) / 20) - 1;
        this.timestamp = (this.timestamp + frames * 160) >>> 0;
      }
      this.lastSendMs = now;
    }
    this.send({ marker, payloadType: this.payloadType, timestamp: this.timestamp, payload });
    this.timestamp = (this.timestamp + payload.length) >>> 0;
  }


  /** Sends a digit as RFC 4733 events (queued after earlier digits); resolves when its last packet left. */
  sendTelephoneEvent(digit: string, opts: { durationMs?: number; volume?: number } = {}): Promise<void> {
    this.assertOpen();
    const pt = this.telephoneEventPayloadType;
    if (pt === undefined) return Promise.reject(new InvalidStateError('telephone-event was not negotiated'));
    const run = async (): Promise<void> => {
      if (this.closed) return;
      const packets = telephoneEventPackets(digit, {
        startTimestamp: this.timestamp, durationMs: opts.durationMs ?? 100, volume: opts.volume ?? 10, packetMs: 20,
      });
      const t0 = this.now();
      for (const p of packets) {
        const wait = p.offsetMs - (this.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (this.closed) return;
        this.send({ marker: p.marker, payloadType: pt, timestamp: p.timestamp, payload: p.payload });
      }
      // The event took the time of its duration: audio continues after it.
      this.timestamp = (packets[0]!.timestamp + Math.round((opts.durationMs ?? 100) * 8)) >>> 0;
      this.lastSendMs = this.now();
      this.lastSlot = undefined; // the event's own duration already moved the timestamp on
    };
    const done = this.dtmfQueue.then(run);
    this.dtmfQueue = done.catch(() => undefined);
    return done;
  }

  private send(p: { marker: boolean; payloadType: number; timestamp: number; payload: Uint8Array }): void {
    const to = this.destination;
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    if (!to) return; // no remote yet (late SDP): the packet counts as not sent
    // dgram may still hold a buffer after send() returns: each packet is written into its own (pooled) buffer.
    const packet = Buffer.allocUnsafe(RTP_HEADER_SIZE + p.payload.length);
    writeRtp({ ...p, seq, ssrc: this.ssrc, csrc: [], paddingLength: 0 }, packet);
    if (this.connected) this.rtp.send(packet);
    else this.rtp.send(packet, to.port, to.address);
    this.counts.packetsSent++;
    this.counts.octetsSent += p.payload.length;
    this.sentSinceReport = true;
  }

  // ---------------------------------------------------------------- receiving

  private onRtp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    const latched = this.latchedRtp;
    if (latched && (rinfo.address !== latched.address || rinfo.port !== latched.port)) {
      this.counts.strangerPackets++;
      return;
    }
    let packet: RtpPacket;
    try {
      packet = parseRtp(msg);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.counts.invalidPackets++;
      return;
    }
    const isAudio = packet.payloadType === this.payloadType;
    const isEvent = packet.payloadType === this.telephoneEventPayloadType;
    if (!isAudio && !isEvent) {
      // Before latching this could be anyone; after, it is the peer misbehaving (e.g. CN, PT 13).
      if (latched) this.counts.invalidPackets++;
      else this.counts.strangerPackets++;
      return;
    }
    if (!latched) {
      this.latchedRtp = { address: rinfo.address, port: rinfo.port };
      this.connectRtp(this.latchedRtp);
      log.debug({ port: this.localPort, from: this.latchedRtp }, 'RTP latched');
      this.emit('latched', { ...this.latchedRtp });
    }
    const arrivalMs = this.now();
    if (packet.ssrc !== this.sourceSsrc) {
      this.sourceSsrc = packet.ssrc;
      this.receiverStats = new RtcpStats({ minSequential: 1 }); // latching already validated the source
    }
    this.receiverStats.onRtp(packet.seq, packet.timestamp, arrivalMs);
    this.counts.packetsReceived++;
    if (isAudio) {
      this.emit('audio', { payload: packet.payload, packet, arrivalMs });
      return;
    }
    try {
      for (const d of this.events.receive(packet.timestamp, packet.payload, arrivalMs)) {
        this.emit('dtmf', { digit: d.digit, durationMs: d.durationMs, source: 'rfc4733' });
      }
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.counts.invalidPackets++;
    }
    this.watchEventTimeout();
  }

  /** Ends an event whose end packets were lost (RFC 4733 receiver timeout). */
  private watchEventTimeout(): void {
    if (this.eventTimer || this.events.activeDigit === undefined) return;
    this.eventTimer = setInterval(() => {
      const d = this.events.tick(this.now());
      if (d) this.emit('dtmf', { digit: d.digit, durationMs: d.durationMs, source: 'rfc4733' });
      if (this.events.activeDigit === undefined) { clearInterval(this.eventTimer); this.eventTimer = undefined; }
    }, 50);
    this.eventTimer.unref();
  }

  private onRtcp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closed) return;
    const latched = this.latchedRtcp;
    if (latched && (rinfo.address !== latched.address || rinfo.port !== latched.port)) {
      this.counts.strangerPackets++;
      return;
    }
    let packets: RtcpPacket[];
    try {
      packets = parseRtcp(msg);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.counts.invalidPackets++;
      return;
    }
    if (!latched) this.latchedRtcp = { address: rinfo.address, port: rinfo.port };
    const nowMs = this.now();
    const arrival = ntpMiddle32(ntpFromMs(Date.now()));
    let reported = false;
    for (const p of packets) {
      if (p.type !== 'sr' && p.type !== 'rr') continue;
      if (p.type === 'sr' && p.ssrc === this.sourceSsrc) this.receiverStats.onSenderReport(p.ntp, nowMs);
      for (const block of p.reports) {
        if (block.ssrc !== this.ssrc) continue;
        const rtt = roundTripMs(arrival, block.lsr, block.dlsr);
        if (rtt !== undefined) this.counts.rttMs = rtt;
        this.counts.remoteFractionLost = block.fractionLost / 256;
        this.counts.remotePacketsLost = block.cumulativeLost;
        reported = true;
      }
    }
    if (reported) this.emit('stats', this.stats);
  }

  // ---------------------------------------------------------------- RTCP out

  private scheduleRtcp(meanMs: number): void {
    // §6.3.1 (simplified): randomise over [0.5, 1.5] × interval so endpoints do not synchronise.
    const delay = meanMs * (0.5 + Math.random());
    this.rtcpTimer = setTimeout(() => {
      void this.sendRtcpReport();
      if (!this.closed) this.scheduleRtcp(this.rtcpIntervalMs);
    }, delay);
    this.rtcpTimer.unref();
  }

  /** The compound report we would send now: SR (or RR if we sent nothing) + SDES CNAME (§6.1). */
  private buildReport(): RtcpPacket[] {
    const reports: ReportBlock[] = [];
    if (this.sourceSsrc !== undefined && this.receiverStats.valid) {
      const block = this.receiverStats.reportBlock(this.sourceSsrc, this.now());
      this.counts.fractionLost = block.fractionLost / 256;
      reports.push(block);
    }
    const head: RtcpPacket = this.sentSinceReport
      ? {
        type: 'sr', ssrc: this.ssrc, ntp: ntpFromMs(Date.now()), rtpTimestamp: this.timestamp,
        packetCount: this.counts.packetsSent >>> 0, octetCount: this.counts.octetsSent >>> 0, reports,
      }
      : { type: 'rr', ssrc: this.ssrc, reports };
    this.sentSinceReport = false;
    return [head, { type: 'sdes', chunks: [{ ssrc: this.ssrc, items: [{ type: SDES_CNAME, value: this.cname }] }] }];
  }

  private get rtcpDestination(): RtpAddress | undefined {
    if (this.latchedRtcp) return this.latchedRtcp;
    if (this.remoteRtcp) return this.remoteRtcp;
    return this.latchedRtp ? { address: this.latchedRtp.address, port: this.latchedRtp.port + 1 } : undefined;
  }

  /** Sends a report now (also done on the timer); emits 'stats'. Resolves once handed to the socket. */
  sendRtcpReport(extra: RtcpPacket[] = []): Promise<void> {
    if (this.closed) return Promise.resolve();
    const to = this.rtcpDestination;
    const packets = [...this.buildReport(), ...extra];
    this.emit('stats', this.stats);
    if (!to) return Promise.resolve();
    return new Promise((resolve) => {
      this.rtcp.send(serializeRtcp(packets), to.port, to.address, (err) => {
        if (err) log.warn({ err, to }, 'RTCP send failed');
        resolve();
      });
    });
  }

  // ---------------------------------------------------------------- lifecycle

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError('RTP session is closed');
  }

  /** Sends an RTCP BYE, closes both sockets and releases the ports; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    const bye = this.sendRtcpReport([{ type: 'bye', ssrcs: [this.ssrc] }]); // §6.6
    this.closed = true;
    clearTimeout(this.rtcpTimer);
    clearInterval(this.eventTimer);
    await bye;
    await Promise.all([
      new Promise<void>((r) => this.rtp.close(() => r())),
      new Promise<void>((r) => this.rtcp.close(() => r())),
    ]);
    this.opts.allocator?.release(this.localPort);
  }

  /**
   * Stops the session without a BYE and closes its sockets, so that the same
   * ports can be bound elsewhere (a worker) and the session restored there.
   */
  async detach(): Promise<RtpSessionState> {
    const state = this.snapshot();
    if (this.closed) return state;
    this.closed = true;
    clearTimeout(this.rtcpTimer);
    clearInterval(this.eventTimer);
    await Promise.all([
      new Promise<void>((r) => this.rtp.close(() => r())),
      new Promise<void>((r) => this.rtcp.close(() => r())),
    ]);
    return state;
  }
}
