// The media of one call leg on the embedded engine: an RtpSession (port pair,
// latching, RTCP, RFC 4733), a jitter buffer and an in-band DTMF detector on
// the receive side, and a FrameSource on the send side, all driven by the
// shared 20 ms MediaClock. Frames keep flowing (silence when nothing plays)
// so NAT bindings and carriers stay open.
import { TypedEmitter } from '../../common/events.ts';
import { moduleLogger } from '../../common/log.ts';
import type { DtmfEvent } from '../port.ts';
import { DtmfDetector } from '../rtp/dtmf-goertzel.ts';
import { FRAME_SAMPLES, type FrameSource } from '../rtp/frame-source.ts';
import { PCMA, PCMU, type G711Codec } from '../rtp/g711.ts';
import { JitterBuffer } from '../rtp/jitter-buffer.ts';
import { PortAllocator } from '../rtp/port-allocator.ts';
import { RtpSession, type RtpSessionStats } from '../rtp/session.ts';
import type { NegotiatedAudio } from '../sip/sdp.ts';
import type { LegMedia, LegMediaEvents, LegMediaFactory } from './leg-media.ts';
import { MediaClock, type Ticking } from './media-clock.ts';

const log = moduleLogger('leg-media');

/** How long an in-band digit waits for an RFC 4733 report of the same key (phones that send both). */
const INBAND_HOLD_MS = 250;

export interface RtpMediaConfig {
  host: string;
  portMin: number;
  portMax: number;
  advertisedHost?: string;
}

export class RtpLegMediaFactory implements LegMediaFactory {
  readonly allocator: PortAllocator;

  constructor(private readonly cfg: RtpMediaConfig, readonly clock: MediaClock = new MediaClock()) {
    this.allocator = new PortAllocator({ min: cfg.portMin, max: cfg.portMax, host: cfg.host });
  }

  async create(callId: string): Promise<LegMedia> {
    const session = await RtpSession.open({ allocator: this.allocator, payloadType: 0 });
    return new RtpLegMedia(session, this.clock, this.cfg.advertisedHost ?? this.cfg.host, callId);
  }
}

export class RtpLegMedia extends TypedEmitter<LegMediaEvents> implements LegMedia, Ticking {
  private codec: G711Codec = PCMU;
  private jitter = new JitterBuffer({ codec: PCMU });
  private readonly detector = new DtmfDetector();
  private source: FrameSource | null = null;
  private sending = false;
  private receiving = false;
  private configured = false;
  private closed = false;
  private dtmfOut = 0;
  private rfc4733Seen = false;
  /**
   * In-band digits waiting out INBAND_HOLD_MS, oldest first. A queue, not one
   * slot: keys dialled faster than the hold (ITU-T Q.24 allows 10 per second)
   * must each be reported, not overwritten by the next.
   */
  private readonly pendingInband: { digit: string; durationMs: number; at: number }[] = [];
  private readonly pcmOut = new Int16Array(FRAME_SAMPLES);
  private readonly pcmIn = new Int16Array(FRAME_SAMPLES);
  private readonly bytesOut = new Uint8Array(FRAME_SAMPLES);
  private silence = new Uint8Array(FRAME_SAMPLES).fill(PCMU.silenceByte);

  constructor(private readonly session: RtpSession, private readonly clock: MediaClock, readonly localAddress: string, private readonly callId: string) {
    super();
    session.on('audio', (a) => {
      if (!this.receiving) return;
      this.jitter.put({ seq: a.packet.seq, timestamp: a.packet.timestamp, ssrc: a.packet.ssrc, payload: a.payload, arrivalMs: a.arrivalMs, payloadType: a.packet.payloadType });
    });
    session.on('dtmf', (d) => {
      this.rfc4733Seen = true;
      this.pendingInband.length = 0;
      this.emit('dtmf', { digit: d.digit, source: 'rfc4733', durationMs: d.durationMs });
    });
    session.on('stats', (s: RtpSessionStats) => this.emit('stats', {
      packetsReceived: s.packetsReceived, packetsSent: s.packetsSent, packetsLost: s.packetsLost,
      fractionLost: s.fractionLost, jitterMs: s.jitterMs, rttMs: s.rttMs,
    }));
  }

  get localPort(): number { return this.session.localPort; }
  get hasTelephoneEvent(): boolean { return this.session.telephoneEventPayloadType !== undefined; }

  configure(audio: NegotiatedAudio): void {
    if (this.closed) return;
    const codec = audio.codec === 'PCMA' ? PCMA : PCMU;
    if (codec !== this.codec) {
      this.codec = codec;
      this.jitter = new JitterBuffer({ codec });
      this.silence = new Uint8Array(FRAME_SAMPLES).fill(codec.silenceByte);
    }
    this.session.setPayloadTypes(audio.payloadType === 8 || audio.payloadType === 0 ? audio.payloadType : (codec === PCMA ? 8 : 0), audio.telephoneEventPt);
    if (audio.remotePort > 0 && audio.remoteAddress) {
      const d = this.session.destination;
      if (!d || !this.configured || d.address !== audio.remoteAddress || d.port !== audio.remotePort) {
        this.session.setRemote({ address: audio.remoteAddress, port: audio.remotePort });
      }
    }
    // RFC 3264 §6.1: we send only when our direction allows it.
    this.sending = audio.direction === 'sendrecv' || audio.direction === 'sendonly';
    this.receiving = audio.direction === 'sendrecv' || audio.direction === 'recvonly';
    if (!this.configured) {
      this.configured = true;
      this.clock.add(this);
    }
  }

  setSource(source: FrameSource | null): void {
    this.source = source;
  }

  async sendDigits(digits: string, opts: { durationMs?: number; gapMs?: number } = {}): Promise<void> {
    for (const d of digits) {
      if (this.closed) return;
      this.dtmfOut++; // audio frames pause while the event is on the wire
      try {
        await this.session.sendTelephoneEvent(d, { durationMs: opts.durationMs ?? 100 });
      } finally {
        this.dtmfOut--;
      }
      await new Promise((r) => setTimeout(r, opts.gapMs ?? 100));
    }
  }

  tick(nowMs: number): void {
    if (this.closed) return;
    // Receive: one frame from the jitter buffer for recording, the mixer and in-band DTMF.
    const frame = this.jitter.get(this.pcmIn);
    if (frame.kind !== 'silence' && !this.rfc4733Seen) {
      for (const d of this.detector.process(frame.samples)) this.pendingInband.push({ digit: d.digit, durationMs: d.durationMs, at: nowMs });
    }
    while (this.pendingInband.length > 0 && nowMs - this.pendingInband[0]!.at >= INBAND_HOLD_MS) {
      const p = this.pendingInband.shift()!;
      const ev: DtmfEvent = { digit: p.digit, source: 'inband', durationMs: p.durationMs };
      this.emit('dtmf', ev);
    }
    this.emit('audio', frame.samples);
    // Send: the current source, or silence; nothing while a digit goes out.
    const source = this.source;
    let pcm: Int16Array | null = null;
    if (source) {
      pcm = source.next(this.pcmOut);
      if (pcm === null) {
        this.source = null;
        this.emit('sourceEnded', source);
      }
    }
    if (!this.sending || this.dtmfOut > 0) return;
    this.session.sendFrame(pcm ? this.codec.encode(pcm, this.bytesOut) : this.silence);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.delete(this);
    this.session.close().catch((err: unknown) => log.warn({ err, callId: this.callId }, 'closing RTP session failed'));
  }
}
