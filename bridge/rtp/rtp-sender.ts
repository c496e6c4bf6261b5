// The outgoing stream of an RTP session (RFC 3550 §5.1): our SSRC, a sequence
// number and a timestamp that start at random values (or where an earlier
// life of the session left them), the marker bit on the first packet of a
// talkspurt (RFC 3551 §4.1), and RFC 4733 telephone events sent on the same
// timestamp line between audio frames.
import { writeRtpHeader, RTP_HEADER_SIZE } from './rtp-packet.ts';
import type { RtpLatch } from './rtp-latch.ts';
import { telephoneEventPackets } from './telephone-event.ts';
import type { UdpEndpoint } from './udp-io.ts';

const TALKSPURT_GAP_MS = 60; // no frame for this long: the next one starts a talkspurt (marker)

export function randomUint32(): number {
  return (Math.random() * 2 ** 32) >>> 0;
}

export interface TelephoneEventSend {
  durationMs?: number;
  volume?: number;
}

export class RtpSender {
  seq = randomUint32() & 0xffff;
  timestamp = randomUint32();
  packetsSent = 0;
  /** Payload octets sent (RFC 3550 §6.4.1 sender's octet count). */
  octetsSent = 0;
  /** Sent anything since the last RTCP report: the next one is an SR (§6.4.1), else an RR. */
  sentSinceReport = false;

  private lastSendMs: number | undefined;
  /** Media clock slot of the last frame sent with one (see sendFrame). */
  private lastSlot: number | undefined;
  /** Each RTP packet is written here, then copied out by the endpoint (sized to the packet: 172 bytes for 20 ms G.711). */
  private packetOut = new Uint8Array(RTP_HEADER_SIZE + 160);
  private dtmfQueue: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly endpoint: UdpEndpoint,
    readonly ssrc: number,
    private readonly latch: RtpLatch,
    private readonly now: () => number,
  ) {}

  /**
   * Sends one G.711 frame (one byte per sample, normally 160). The timestamp
   * advances by the frame length; after a pause the timestamp covers the
   * pause and the marker bit starts the talkspurt (RFC 3551 §4.1).
   */
  sendFrame(payload: Uint8Array, payloadType: number, slot: number | undefined): void {
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
    this.send(marker, payloadType, this.timestamp, payload);
    this.timestamp = (this.timestamp + payload.length) >>> 0;
  }

  /**
   * Sends a frame another stream carried, at `timestamp` (that stream's,
   * shifted onto ours): a relay keeps the source's timing, its gaps and its
   * order, under our own SSRC and sequence numbers.
   */
  sendFrameAt(payload: Uint8Array, payloadType: number, timestamp: number, marker: boolean): void {
    this.send(marker, payloadType, timestamp >>> 0, payload);
    this.timestamp = (timestamp + payload.length) >>> 0;
    this.lastSlot = undefined;
    this.lastSendMs = this.now();
  }

  /** Sends a digit as RFC 4733 events on `payloadType` (queued after earlier digits); resolves when its last packet left. */
  sendTelephoneEvent(digit: string, payloadType: number, opts: TelephoneEventSend): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.stopped) return;
      const packets = telephoneEventPackets(digit, {
        startTimestamp: this.timestamp, durationMs: opts.durationMs ?? 100, volume: opts.volume ?? 10, packetMs: 20,
      });
      const t0 = this.now();
      for (const p of packets) {
        const wait = p.offsetMs - (this.now() - t0);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (this.stopped) return;
        this.send(p.marker, payloadType, p.timestamp, p.payload);
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

  /** No packet leaves after this (the session closed or moved); queued digits end quietly. */
  stop(): void {
    this.stopped = true;
  }

  private send(marker: boolean, payloadType: number, timestamp: number, payload: Uint8Array): void {
    const to = this.latch.destination;
    const seq = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    if (!to) return; // no remote yet (late SDP): the packet counts as not sent
    const length = RTP_HEADER_SIZE + payload.length;
    let out = this.packetOut;
    if (out.length !== length) out = this.packetOut = new Uint8Array(length);
    writeRtpHeader(out, marker, payloadType, seq, timestamp, this.ssrc);
    out.set(payload, RTP_HEADER_SIZE);
    this.endpoint.send(out, to);
    this.packetsSent++;
    this.octetsSent += payload.length;
    this.sentSinceReport = true;
  }
}
