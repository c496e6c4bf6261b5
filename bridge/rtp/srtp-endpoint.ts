// SRTP between an RTP session and its sockets: a UdpEndpoint that wraps the
// real one and, while keys are set, protects what is sent and unprotects what
// arrives (RTP on the RTP endpoint, RTCP on the RTCP one), so the session
// itself reads and writes plain RTP. Without keys it passes packets through.
// Packets that fail the SRTP checks are counted in the contexts and dropped
// here, before the session's latching sees them.
import { SrtpContext, SRTP_MAX_OVERHEAD, isSrtpSuite, type SrtpCounters, type SrtpSendState } from './srtp.ts';
import type { DatagramHandler, RtpAddress, UdpEndpoint } from './udp-io.ts';

/** SDES keys of one stream (as in NegotiatedAudio.srtp): base64 key||salt. */
export interface SrtpKeyPair { suite: string; localKey: string; remoteKey: string }

/** The two contexts of a stream: ours (we protect) and the peer's (we unprotect). */
export class SrtpStreamKeys {
  readonly outbound: SrtpContext;
  readonly inbound: SrtpContext;

  private constructor(readonly keys: SrtpKeyPair, outbound: SrtpContext, inbound: SrtpContext) {
    this.outbound = outbound;
    this.inbound = inbound;
  }

  /** Throws RangeError for a suite we do not speak or a key that is not 30 bytes. */
  static from(keys: SrtpKeyPair, previous?: SrtpStreamKeys): SrtpStreamKeys {
    if (!isSrtpSuite(keys.suite)) throw new RangeError(`unsupported SRTP suite ${keys.suite}`);
    const same = previous?.keys.suite === keys.suite;
    // A re-negotiation that keeps a key keeps its context (rollover counter, replay window).
    const outbound = same && previous.keys.localKey === keys.localKey ? previous.outbound : new SrtpContext(keys.suite, Buffer.from(keys.localKey, 'base64'));
    const inbound = same && previous.keys.remoteKey === keys.remoteKey ? previous.inbound : new SrtpContext(keys.suite, Buffer.from(keys.remoteKey, 'base64'));
    return new SrtpStreamKeys({ ...keys }, outbound, inbound);
  }

  /** Both directions' counts: sent protected, received unprotected, and the drops. */
  get counters(): SrtpCounters {
    const i = this.inbound.counters;
    return { protected: this.outbound.counters.protected, unprotected: i.unprotected, authFailures: i.authFailures, replayed: i.replayed, malformed: i.malformed };
  }

  get sendState(): SrtpSendState { return this.outbound.sendState; }
}

export class SrtpEndpoint implements UdpEndpoint {
  /** Set: SRTP; unset: plain RTP. */
  keys: SrtpStreamKeys | undefined;
  private out = new Uint8Array(256);

  constructor(private readonly inner: UdpEndpoint, private readonly kind: 'rtp' | 'rtcp') {}

  get port(): number { return this.inner.port; }

  onDatagram(handler: DatagramHandler): void {
    this.inner.onDatagram((data, addr, port, arrivalMs) => {
      const k = this.keys;
      if (!k) { handler(data, addr, port, arrivalMs); return; }
      // In place: the datagram is ours for the duration of the call.
      const n = this.kind === 'rtp' ? k.inbound.unprotectRtp(data, data.length) : k.inbound.unprotectRtcp(data, data.length);
      if (n < 0) return;
      handler(data.subarray(0, n), addr, port, arrivalMs);
    });
  }

  onError(handler: (code: string, err?: Error) => void): void { this.inner.onError(handler); }

  send(data: Uint8Array, to: RtpAddress, length = data.length): void {
    const k = this.keys;
    if (!k) { this.inner.send(data, to, length); return; }
    if (this.out.length < length + SRTP_MAX_OVERHEAD) this.out = new Uint8Array(length + SRTP_MAX_OVERHEAD);
    const out = this.out;
    out.set(length === data.length ? data : data.subarray(0, length));
    const n = this.kind === 'rtp' ? k.outbound.protectRtp(out, length) : k.outbound.protectRtcp(out, length);
    if (n > 0) this.inner.send(out, to, n); // never in clear: an unprotectable packet is not sent
  }

  connect(to: RtpAddress): void { this.inner.connect(to); }
  disconnect(): void { this.inner.disconnect(); }
  close(): Promise<void> { return this.inner.close(); }
}
