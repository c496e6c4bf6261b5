// One RTP endpoint of a call leg: a port pair from the PortAllocator, G.711
// frames out with our own SSRC/sequence/timestamp, RFC 4733 events out and in,
// symmetric RTP with latching, and RTCP reports on the odd port.
//
// The session wires its parts and keeps the receive path (every packet of
// the leg, so its fixed header is read in place): the outgoing stream is
// RtpSender (rtp-sender.ts, with RFC 4733 events out), where to send and whom
// to accept is RtpLatch (rtp-latch.ts, symmetric RTP), RFC 4733 events in
// are TelephoneEventInput (telephone-event-input.ts), RTCP in and out is
// RtcpReporter (rtcp-reporter.ts). With SDES keys set (setSrtp), both
// sockets go through SrtpEndpoint (srtp-endpoint.ts): SRTP/SRTCP on the wire.
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError, ParseError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { parseRtp, RTP_HEADER_SIZE, type RtpPacket } from './rtp-packet.ts';
import { parseRtcp, serializeRtcp, type RtcpPacket } from './rtcp.ts';
import { RtcpReporter } from './rtcp-reporter.ts';
import { RtpLatch } from './rtp-latch.ts';
import { RtpSender, randomUint32, type TelephoneEventSend } from './rtp-sender.ts';
import { TelephoneEventInput } from './telephone-event-input.ts';
import { SrtpEndpoint, SrtpStreamKeys, type SrtpKeyPair } from './srtp-endpoint.ts';
import type { SrtpCounters, SrtpSendState } from './srtp.ts';
import type { PortAllocator } from './port-allocator.ts';
import { dgramEndpoints, intToIpv4, type EndpointPair, type RtpAddress, type UdpEndpoint } from './udp-io.ts';

const log = moduleLogger('rtp');

export type { RtpAddress } from './udp-io.ts';

/** What a session carries to another process or worker (ports stay the same; sockets are re-bound there). */
export interface RtpSessionState {
  ssrc: number;
  seq: number;
  timestamp: number;
  payloadType: number;
  telephoneEventPayloadType: number | undefined;
  remote: RtpAddress | undefined;
  remoteRtcp: RtpAddress | undefined;
  latchedRtp: RtpAddress | undefined;
  latchedRtcp: RtpAddress | undefined;
  cname: string;
  /** Our SRTP sending state (rollover counter, SRTCP index), when the session is SRTP. */
  srtp?: SrtpSendState;
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
  /** Negotiated audio payload type: 0 (PCMU), 8 (PCMA) or 9 (G.722). */
  payloadType: number;
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

export class RtpSession extends TypedEmitter<RtpSessionEvents> {
  readonly ssrc: number;
  readonly localPort: number;
  readonly localRtcpPort: number;
  readonly cname: string;
  payloadType: number;
  telephoneEventPayloadType: number | undefined;
  /**
   * Receives the audio packets instead of the 'audio' event, without an object
   * per packet: the payload is `data[offset, offset + length)`, valid only
   * during the call. Set by the media leg that owns the session.
   */
  audioSink: AudioSink | undefined;

  private readonly latch = new RtpLatch();
  private readonly sender: RtpSender;
  private readonly reporter: RtcpReporter;
  private readonly dtmfIn: TelephoneEventInput;
  private readonly now: () => number;
  private closed = false;
  private readonly rtp: SrtpEndpoint;
  private readonly rtcp: SrtpEndpoint;
  /** The SRTP state of an earlier life, applied when the same keys are set again (setSrtp). */
  private restoredSrtp: SrtpSendState | undefined;

  private readonly counts = {
    packetsReceived: 0, strangerPackets: 0, invalidPackets: 0, unreachable: 0, socketErrors: 0,
  };

  private constructor(
    private readonly opts: RtpSessionOptions,
    rawRtp: UdpEndpoint,
    rawRtcp: UdpEndpoint,
  ) {
    super();
    const rtp = this.rtp = new SrtpEndpoint(rawRtp, 'rtp');
    const rtcp = this.rtcp = new SrtpEndpoint(rawRtcp, 'rtcp');
    this.localPort = rtp.port;
    this.localRtcpPort = rtcp.port;
    this.ssrc = (opts.restore?.ssrc ?? opts.ssrc ?? randomUint32()) >>> 0;
    this.cname = opts.restore?.cname ?? opts.cname ?? `bridge-${this.ssrc.toString(16)}@${opts.allocator?.host ?? 'bridge'}`;
    this.payloadType = opts.payloadType;
    this.telephoneEventPayloadType = opts.telephoneEventPayloadType;
    this.now = opts.now ?? (() => performance.now());
    this.sender = new RtpSender(rtp, this.ssrc, this.latch, this.now);
    this.reporter = new RtcpReporter(this.sender, this.cname, this.now);
    this.dtmfIn = new TelephoneEventInput(this.now, (d) => this.emit('dtmf', { digit: d.digit, durationMs: d.durationMs, source: 'rfc4733' }));
    this.setRemote(opts.remote, opts.remoteRtcpPort);
    if (opts.restore) this.restore(opts.restore);
    rtp.onDatagram((data, addr, port, arrivalMs) => this.onRtp(data, addr, port, arrivalMs));
    rtcp.onDatagram((data, addr, port) => this.onRtcp(data, addr, port));
    rtp.onError((code, err) => this.onSocketError(code, err, this.localPort));
    rtcp.onError((code, err) => this.onSocketError(code, err, this.localRtcpPort));
    this.reporter.start(opts.rtcpIntervalMs ?? 5000, () => void this.sendRtcpReport());
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
    const l = this.latch;
    return {
      ssrc: this.ssrc, seq: this.sender.seq, timestamp: this.sender.timestamp, payloadType: this.payloadType,
      telephoneEventPayloadType: this.telephoneEventPayloadType, remote: l.remote, remoteRtcp: l.remoteRtcp,
      latchedRtp: l.latchedRtp, latchedRtcp: l.latchedRtcp, cname: this.cname,
      ...(this.rtp.keys ? { srtp: this.rtp.keys.sendState } : {}),
    };
  }

  private restore(r: RtpSessionState): void {
    this.sender.seq = r.seq;
    this.sender.timestamp = r.timestamp;
    this.payloadType = r.payloadType;
    this.telephoneEventPayloadType = r.telephoneEventPayloadType;
    this.latch.restoreRemotes(r.remote, r.remoteRtcp);
    if (r.latchedRtp) this.latchRtp(r.latchedRtp);
    if (r.latchedRtcp) this.latch.latchRtcp(r.latchedRtcp);
    this.restoredSrtp = r.srtp;
  }

  /**
   * SRTP from now on with these SDES keys (RFC 4568), or plain RTP when
   * undefined. A key that stays the same keeps its context; the state of an
   * earlier life of the session (restore) carries over to the first keys set.
   * Throws RangeError for keys we cannot use (the SDP answer offers no others).
   */
  setSrtp(keys: SrtpKeyPair | undefined): void {
    if (!keys) { this.rtp.keys = this.rtcp.keys = undefined; return; }
    const next = SrtpStreamKeys.from(keys, this.rtp.keys);
    if (this.restoredSrtp) { next.outbound.restoreSendState(this.restoredSrtp); this.restoredSrtp = undefined; }
    this.rtp.keys = this.rtcp.keys = next;
  }

  /** SRTP counts (protected, unprotected, dropped) while SRTP is on; undefined for plain RTP. */
  get srtpCounters(): SrtpCounters | undefined { return this.rtp.keys?.counters; }

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
  setPayloadTypes(payloadType: number, telephoneEventPayloadType: number | undefined): void {
    this.payloadType = payloadType;
    this.telephoneEventPayloadType = telephoneEventPayloadType;
  }

  /** New remote from SDP (re-INVITE); drops the latch so the new source can be learnt (the old one is retired a while: RtpLatch.setRemote). */
  setRemote(remote: RtpAddress | undefined, rtcpPort?: number): void {
    if (this.latch.latchedRtp && !this.closed) this.rtp.disconnect();
    this.latch.setRemote(remote, rtcpPort, this.now());
  }

  /**
   * The RTP socket is connect()ed to the latched source: sends skip the per-packet
   * address lookup, and the kernel drops other sources before they cost us anything.
   */
  private latchRtp(to: RtpAddress): void {
    this.latch.latchRtp(to);
    if (!this.closed) this.rtp.connect(to);
  }

  /** Where RTP goes now: the latched source, else the SDP address. */
  get destination(): RtpAddress | undefined {
    return this.latch.destination;
  }

  get stats(): RtpSessionStats {
    const c = this.counts;
    const s = this.sender;
    const r = this.reporter;
    return {
      packetsSent: s.packetsSent, octetsSent: s.octetsSent, packetsReceived: c.packetsReceived,
      packetsLost: r.packetsLost, fractionLost: r.fractionLost,
      jitterMs: r.jitterMs, rttMs: r.rttMs,
      remoteFractionLost: r.remoteFractionLost, remotePacketsLost: r.remotePacketsLost,
      strangerPackets: c.strangerPackets, invalidPackets: c.invalidPackets,
    };
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends one G.711 frame (one byte per sample, normally 160) on the
   * negotiated payload type. `slot`: the media clock's slot number, which
   * the timestamp then follows (see RtpSender.sendFrame).
   */
  sendFrame(payload: Uint8Array, slot?: number): void {
    this.assertOpen();
    this.sender.sendFrame(payload, this.payloadType, slot);
  }

  /** The timestamp our next frame gets (where a relayed stream's timeline joins ours). */
  get nextTimestamp(): number { return this.sender.timestamp; }

  /** Sends a frame of another stream at `timestamp` (RtpSender.sendFrameAt), on the negotiated payload type. */
  sendFrameAt(payload: Uint8Array, timestamp: number, marker: boolean): void {
    this.assertOpen();
    this.sender.sendFrameAt(payload, this.payloadType, timestamp, marker);
  }

  /** Sends a digit as RFC 4733 events (queued after earlier digits); resolves when its last packet left. */
  sendTelephoneEvent(digit: string, opts: TelephoneEventSend = {}): Promise<void> {
    this.assertOpen();
    const pt = this.telephoneEventPayloadType;
    if (pt === undefined) return Promise.reject(new InvalidStateError('telephone-event was not negotiated'));
    return this.sender.sendTelephoneEvent(digit, pt, opts);
  }

  // ---------------------------------------------------------------- receiving

  private onRtp(msg: Uint8Array, addr: number, port: number, arrival: number | undefined): void {
    if (this.closed) return;
    const latched = this.latch.rtpKey >= 0;
    if (latched && addr * 65536 + port !== this.latch.rtpKey) {
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
      if (this.latch.retired(addr * 65536 + port, this.now())) {
        this.counts.strangerPackets++; // the far end's old address, from before the re-INVITE
        return;
      }
      const from = { address: intToIpv4(addr), port };
      this.latchRtp(from);
      log.debug({ port: this.localPort, from }, 'RTP latched');
      this.emit('latched', { ...from });
    }
    const arrivalMs = arrival ?? this.now();
    this.reporter.onRtp(ssrc, seq, timestamp, arrivalMs);
    this.counts.packetsReceived++;
    if (isAudio) {
      const sink = this.audioSink;
      if (sink) { sink(msg, offset, length, seq, timestamp, ssrc, payloadType, arrivalMs); return; }
      const payload = msg.subarray(offset, offset + length);
      const packet: RtpPacket = { marker, payloadType, seq, timestamp, ssrc, csrc: [], payload, paddingLength: 0 };
      this.emit('audio', { payload, packet, arrivalMs });
      return;
    }
    if (!this.dtmfIn.receive(timestamp, msg.subarray(offset, offset + length), arrivalMs)) this.counts.invalidPackets++;
  }

  // ---------------------------------------------------------------- RTCP

  private onRtcp(msg: Uint8Array, addr: number, port: number): void {
    if (this.closed) return;
    const latched = this.latch.rtcpKey >= 0;
    if (latched && addr * 65536 + port !== this.latch.rtcpKey) {
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
    if (!latched) this.latch.latchRtcp({ address: intToIpv4(addr), port });
    if (this.reporter.receive(packets)) this.emit('stats', this.stats);
  }

  /** Sends a report now (also done on the timer); emits 'stats'. Resolves once handed to the socket. */
  sendRtcpReport(extra: RtcpPacket[] = []): Promise<void> {
    if (this.closed) return Promise.resolve();
    const to = this.latch.rtcpDestination;
    const packets = [...this.reporter.buildReport(), ...extra];
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
    this.stop();
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
    this.stop();
    await Promise.all([this.rtp.close(), this.rtcp.close()]);
    return state;
  }

  private stop(): void {
    this.closed = true;
    this.sender.stop();
    this.reporter.stop();
    this.dtmfIn.stop();
  }
}
