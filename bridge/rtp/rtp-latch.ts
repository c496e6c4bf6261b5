// Where a session sends and whom it accepts: symmetric RTP with latching
// (RFC 4961 practice for NATed phones). We send to the address from the SDP
// until the first valid RTP packet (version 2, one of the negotiated payload
// types) arrives; from then on we send to, and accept only from, that
// packet's source address and port. Other sources are counted in
// `strangerPackets` and dropped. RTCP latches the same way, on the first
// valid RTCP packet, and goes to the SDP's RTCP address (or RTP port + 1)
// until then.
//
// Bookkeeping only: the session connects and disconnects its socket.
import { ipv4ToInt, type RtpAddress } from './udp-io.ts';

const keyOf = (a: RtpAddress): number => ipv4ToInt(a.address) * 65536 + a.port;

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

  /** A new remote from SDP; drops both latches so the new source can be learnt. */
  setRemote(remote: RtpAddress | undefined, rtcpPort?: number): void {
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
