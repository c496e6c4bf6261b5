// One RTP endpoint of a call leg: a port pair from the PortAllocator, G.711
// frames out with our own SSRC/sequence/timestamp, RFC 4733 events out and in,
// symmetric RTP with latching, and RTCP reports on the odd port.
//
// Latching (symmetric RTP, RFC 4961 practice for NATed phones): we send to the
// address from the SDP until the first valid RTP packet (version 2, one of the
// negotiated payload types) arrives; from then on we send to, and accept only
// from, that packet's source address and port. Other sources are counted in
// `strangerPackets` and dropped.
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError, ParseError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { parseRtp, writeRtpHeader, RTP_HEADER_SIZE, type RtpPacket } from './rtp-packet.ts';
import {
  parseRtcp, serializeRtcp, ntpFromMs, ntpMiddle32, roundTripMs, SDES_CNAME, type RtcpPacket, type ReportBlock,
} from './rtcp.ts';
import { RtcpStats } from './rtcp-stats.ts';
import { TelephoneEventReceiver, telephoneEventPackets } from './telephone-event.ts';
import type { PortAllocator } from './port-allocator.ts';
import { dgramEndpoints, intToIpv4, ipv4ToInt, type EndpointPair, type RtpAddress, type UdpEndpoint } from './udp-io.ts';

const log = moduleLogger('rtp');

export type { RtpAddress } from './udp-io.ts';

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
  /** Valid only during the event (the batched I/O reuses its receive buffer). */
  payload: Uint8Array;
  packet: RtpPacket;
  arrivalMs: number;
}

export interface DtmfEvent { digit: string; durationMs: number; source: 'rfc4733' }

/** See RtpSession.audioSink. */
export type AudioSink = (data: Uint8Array, offset: number, length: number, seq: number, timestamp: number, ssrc: number, payloadType: number, arrivalMs: number) => void;

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
  /**
   * The RTP socket is connect()ed to the latched source: sends skip the per-packet
   * address lookup, and the kernel drops other sources before they cost us anything.
   */
  private latchedRtp: RtpAddress | undefined;
  /** The latched sources as address·65536 + port (compared per packet); -1 before latching. */
  private latchedRtpKey = -1;
  private latchedRtcp: RtpAddress | undefined;
  private latchedRtcpKey = -1;
  /** Each RTP packet is written here, then copied out by the endpoint (sized to the packet: 172 bytes for 20 ms G.711). */
  private packetOut = new Uint8Array(RTP_HEADER_SIZE + 160);
  /**
   * Receives the audio packets instead of the 'audio' event, without an object
   * per packet: the payload is `data[offset, offset + length)`, valid only
   * during the call. Set by the media leg that owns the session.
   */
  audioSink: AudioSink | undefined;
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
    packetsSent: 0, octetsSent: 0, packetsReceived: 0, strangerPackets: 0, invalidPackets: 0, unreachable: 0, socketErrors: 0,
    fractionLost: 0, rttMs: undefined as number | undefined,
    remoteFractionLost: undefined as number | undefined, remotePacketsLost: undefined as number | undefined,
  };

  private constructor(
    private readonly opts: RtpSessionOptions,
    private readonly rtp: UdpEndpoint,
    private readonly rtcp: UdpEndpoint,
  ) {
    super();
    this.localPort = rtp.port;
    this.localRtcpPort = rtcp.port;
    this.ssrc = (opts.restore?.ssrc ?? opts.ssrc ?? randomUint32()) >>> 0;
    this.cname = opts.restore?.cname ?? opts.cname ?? `bridge-${this.ssrc.toString(16)}@${opts.allocator?.host ?? 'bridge'}`;
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
      if (r.latchedRtp) this.latchRtp(r.latchedRtp);
      if (r.latchedRtcp) this.latchRtcp(r.latchedRtcp);
    }
    rtp.onDatagram((data, addr, port, arrivalMs) => this.onRtp(data, addr, port, arrivalMs));
    rtcp.onDatagram((data, addr, port) => this.onRtcp(data, addr, port));
    rtp.onError((code, err) => this.onSocketError(code, err, this.localPort));
    rtcp.onError((code, err) => this.onSocketError(code, err, this.localRtcpPort));
    this.scheduleRtcp(this.rtcpIntervalMs / 2); // §6.2: the first report after half an interval
  }

  /** Binds a port pair from the allocator and starts the session. */
  static async open(opts: RtpSessionOptions & { allocator: PortAllocator }): Promise<RtpSession> {
    const pair = dgramEndpoints(await opts.allocator.allocate());
    return new RtpSession(opts, pair.rtp, pair.rtcp);
  }

  /** Starts the session on endpoints the caller bound (see UdpIo.bindPair). */
  static openPair(pair: EndpointPair, opts: RtpSessionOptions): RtpSession {
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
  private onSocketError(code: string, err: Error | undefined, port: number): void {
    if (code === 'ECONNREFUSED') {
      if (this.counts.unreachable++ === 0) log.debug({ port }, 'peer unreachable (ICMP)');
      return;
    }
    if (this.counts.socketErrors++ === 0) log.error({ err, code, port }, 'RTP/RTCP socket error'); // once per session, not per packet
  }

  /** Payload types after a (re-)negotiation: the audio codec and telephone-event. */
  setPayloadTypes(payloadType: 0 | 8, telephoneEventPayloadType: number | undefined): void {
    this.payloadType = payloadType;
    this.telephoneEventPayloadType = telephoneEventPayloadType;
  }

  /** New remote from SDP (re-INVITE); drops the latch so the new source can be learnt. */
  setRemote(remote: RtpAddress | undefined, rtcpPort?: number): void {
    if (this.latchedRtp && !this.closed) this.rtp.disconnect();
    this.remote = remote;
    this.remoteRtcp = remote ? { address: remote.address, port: rtcpPort ?? remote.port + 1 } : undefined;
    this.latchedRtp = undefined;
    this.latchedRtpKey = -1;
    this.latchedRtcp = undefined;
    this.latchedRtcpKey = -1;
  }

  private latchRtp(to: RtpAddress): void {
    this.latchedRtp = to;
    this.latchedRtpKey = ipv4ToInt(to.address) * 65536 + to.port;
    if (!this.closed) this.rtp.connect(to);
  }

  private latchRtcp(to: RtpAddress): void {
    this.latchedRtcp = to;
    this.latchedRtcpKey = ipv4ToInt(to.address) * 65536 + to.port;
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
    this.send(marker, this.payloadType, this.timestamp, payload);
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
        this.send(p.marker, pt, p.timestamp, p.payload);
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

  private send(marker: boolean, payloadType: number, timestamp: number, payload: Uint8Array): void {
    const to = this.destination;
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    if (!to) return; // no remote yet (late SDP): the packet counts as not sent
    const length = RTP_HEADER_SIZE + payload.length;
    let out = this.packetOut;
    if (out.length !== length) out = this.packetOut = new Uint8Array(length);
    writeRtpHeader(out, marker, payloadType, seq, timestamp, this.ssrc);
    out.set(payload, RTP_HEADER_SIZE);
    this.rtp.send(out, to);
    this.counts.packetsSent++;
    this.counts.octetsSent += payload.length;
    this.sentSinceReport = true;
  }

  // ---------------------------------------------------------------- receiving

  private onRtp(msg: Uint8Array, addr: number, port: number, arrival: number | undefined): void {
    if (this.closed) return;
    const latched = this.latchedRtpKey >= 0;
    if (latched && addr * 65536 + port !== this.latchedRtpKey) {
      this.counts.strangerPackets++;
      return;
    }
    // The fixed header is read in place; only packets with CSRCs, an
    // extension or padding (rare from phones) go through the full parser.
    let marker: boolean, payloadType: number, seq: number, timestamp: number, ssrc: number, offset: number, length: number;
    if (msg.length >= RTP_HEADER_SIZE && msg[0] === 0x80) {
      const b1 = msg[1]!;
      marker = (b1 & 0x80) !== 0;
      payloadType = b1 & 0x7f;
      seq = (msg[2]! << 8) | msg[3]!;
      timestamp = ((msg[4]! << 24) | (msg[5]! << 16) | (msg[6]! << 8) | msg[7]!) >>> 0;
      ssrc = ((msg[8]! << 24) | (msg[9]! << 16) | (msg[10]! << 8) | msg[11]!) >>> 0;
      offset = RTP_HEADER_SIZE;
      length = msg.length - RTP_HEADER_SIZE;
    } else {
      let packet: RtpPacket;
      try {
        packet = parseRtp(msg);
      } catch (err) {
        if (!(err instanceof ParseError)) throw err;
        this.counts.invalidPackets++;
        return;
      }
      ({ marker, payloadType, seq, timestamp, ssrc } = packet);
      offset = packet.payload.byteOffset - msg.byteOffset;
      length = packet.payload.length;
    }
    const isAudio = payloadType === this.payloadType;
    const isEvent = payloadType === this.telephoneEventPayloadType;
    if (!isAudio && !isEvent) {
      // Before latching this could be anyone; after, it is the peer misbehaving (e.g. CN, PT 13).
      if (latched) this.counts.invalidPackets++;
      else this.counts.strangerPackets++;
      return;
    }
    if (!latched) {
      const from = { address: intToIpv4(addr), port };
      this.latchRtp(from);
      log.debug({ port: this.localPort, from }, 'RTP latched');
      this.emit('latched', { ...from });
    }
    const arrivalMs = arrival ?? this.now();
    if (ssrc !== this.sourceSsrc) {
      this.sourceSsrc = ssrc;
      this.receiverStats = new RtcpStats({ minSequential: 1 }); // latching already validated the source
    }
    this.receiverStats.onRtp(seq, timestamp, arrivalMs);
    this.counts.packetsReceived++;
    if (isAudio) {
      const sink = this.audioSink;
      if (sink) { sink(msg, offset, length, seq, timestamp, ssrc, payloadType, arrivalMs); return; }
      const payload = msg.subarray(offset, offset + length);
      const packet: RtpPacket = { marker, payloadType, seq, timestamp, ssrc, csrc: [], payload, paddingLength: 0 };
      this.emit('audio', { payload, packet, arrivalMs });
      return;
    }
    try {
      for (const d of this.events.receive(timestamp, msg.subarray(offset, offset + length), arrivalMs)) {
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

  private onRtcp(msg: Uint8Array, addr: number, port: number): void {
    if (this.closed) return;
    const latched = this.latchedRtcpKey >= 0;
    if (latched && addr * 65536 + port !== this.latchedRtcpKey) {
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
    if (!latched) this.latchRtcp({ address: intToIpv4(addr), port });
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
    this.rtcp.send(serializeRtcp(packets), to);
    return Promise.resolve();
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
    await Promise.all([this.rtp.close(), this.rtcp.close()]);
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
    await Promise.all([this.rtp.close(), this.rtcp.close()]);
    return state;
  }
}
