// Where a session sends and whom it accepts: symmetric RTP with latching
// (RFC 4961 practice for NATed phones). We send to the address from the SDP
// until the first valid RTP packet (version 2, one of the negotiated payload
// types) arrives; from then on we send to, and accept only from, that
// packet's source address and port. Other sources are counted in
// `strangerPackets` and dropped. RTCP latches the same way, on the first
// valid RTCP packet, and goes to the SDP's RTCP address (or RTP port + 1)
// until then. When the SDP moves the far end, the source latched until then
// may not latch again for RETIRED_SOURCE_MS (see setRemote).
//
// Bookkeeping only: the session connects and disconnects its socket.
import { ipv4ToInt, type RtpAddress } from './udp-io.ts';

const keyOf = (a: RtpAddress): number => ipv4ToInt(a.address) * 65536 + a.port;

/** How long a source the SDP moved us away from may not latch again (setRemote). */
export const RETIRED_SOURCE_MS = 500;

export class RtpLatch {
  /** Where RTP goes now: the latched source, else the SDP address (read per packet sent). */
  destination: RtpAddress | undefined;
  /** The latched sources as address·65536 + port (compared per packet); -1 before latching. */
  rtpKey = -1;
  rtcpKey = -1;
  remote: RtpAddress | undefined;
  remoteRtcp: RtpAddress | undefined;
  latchedRtp: RtpAddress | undefined;
  latchedRtcp: RtpAddress | undefined;
  /** The RTP source latched before the last setRemote (a key like rtpKey; -1: none), not latched again until retiredUntilMs. */
  private retiredKey = -1;
  private retiredUntilMs = 0;

  /**
   * A new remote from SDP; drops both latches so the new source can be
   * learnt. The RTP source latched until now is retired for
   * RETIRED_SOURCE_MS from `nowMs` (unless the new SDP names it): its last
   * packets may still be on the way, or waiting in our socket, and would
   * otherwise latch us back onto a far end that has moved (a relay pointing
   * the media at another node sends the last of its own just before the
   * re-INVITE).
   */
  setRemote(remote: RtpAddress | undefined, rtcpPort?: number, nowMs = 0): void {
    const old = this.latchedRtp;
    const named = old && remote && old.address === remote.address && old.port === remote.port;
    this.retiredKey = old && !named ? keyOf(old) : -1;
    this.retiredUntilMs = nowMs + RETIRED_SOURCE_MS;
    this.remote = remote;
    this.remoteRtcp = remote ? { address: remote.address, port: rtcpPort ?? remote.port + 1 } : undefined;
    this.latchedRtp = undefined;
    this.rtpKey = -1;
    this.latchedRtcp = undefined;
    this.rtcpKey = -1;
    this.destination = remote;
  }

  /** The remotes of an earlier life of the session, as they were (latches are restored with latchRtp/latchRtcp). */
  restoreRemotes(remote: RtpAddress | undefined, remoteRtcp: RtpAddress | undefined): void {
    this.remote = remote;
    this.remoteRtcp = remoteRtcp;
    this.destination = this.latchedRtp ?? remote;
  }

  /** Whether the source keyed `key` (address·65536 + port) is the retired one, at `nowMs`. */
  retired(key: number, nowMs: number): boolean {
    return key === this.retiredKey && nowMs < this.retiredUntilMs;
  }

  latchRtp(to: RtpAddress): void {
    this.latchedRtp = to;
    this.rtpKey = keyOf(to);
    this.destination = to;
  }

  latchRtcp(to: RtpAddress): void {
    this.latchedRtcp = to;
    this.rtcpKey = keyOf(to);
  }

  /** Where RTCP goes now: its latched source, else the SDP's RTCP address, else the RTP source's port + 1. */
  get rtcpDestination(): RtpAddress | undefined {
    if (this.latchedRtcp) return this.latchedRtcp;
    if (this.remoteRtcp) return this.remoteRtcp;
    return this.latchedRtp ? { address: this.latchedRtp.address, port: this.latchedRtp.port + 1 } : undefined;
  }
}
