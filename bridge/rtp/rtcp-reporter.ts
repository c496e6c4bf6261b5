// RTCP of one RTP session (RFC 3550 §6): the statistics of the stream we
// receive (Appendix A, kept by RtcpStats), what the far end reports about
// ours (loss, and the round trip from LSR/DLSR, §6.4.1), and our compound
// report — an SR if we sent since the last report, else an RR, then SDES
// CNAME (§6.1) — on a randomised timer.
import {
  ntpFromMs, ntpMiddle32, roundTripMs, SDES_CNAME, type RtcpPacket, type ReportBlock,
} from './rtcp.ts';
import { RtcpStats } from './rtcp-stats.ts';
import type { RtpSender } from './rtp-sender.ts';

export class RtcpReporter {
  /** Fraction lost of the received stream in the last report interval, 0–1. */
  fractionLost = 0;
  /** From the last report block about our stream (§6.4.1); undefined before one came. */
  rttMs: number | undefined;
  remoteFractionLost: number | undefined;
  remotePacketsLost: number | undefined;

  /** SSRC of the stream we receive (the last one seen). */
  private sourceSsrc: number | undefined;
  private receiverStats = new RtcpStats();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly sender: RtpSender,
    private readonly cname: string,
    private readonly now: () => number,
  ) {}

  /** Accounts one received RTP packet; a new SSRC starts its statistics afresh. */
  onRtp(ssrc: number, seq: number, timestamp: number, arrivalMs: number): void {
    if (ssrc !== this.sourceSsrc) {
      this.sourceSsrc = ssrc;
      this.receiverStats = new RtcpStats({ minSequential: 1 }); // latching already validated the source
    }
    this.receiverStats.onRtp(seq, timestamp, arrivalMs);
  }

  /** Takes the SRs and RRs of a received compound packet; true when one carried a report block about our stream. */
  receive(packets: readonly RtcpPacket[]): boolean {
    const nowMs = this.now();
    const arrival = ntpMiddle32(ntpFromMs(Date.now()));
    let reported = false;
    for (const p of packets) {
      if (p.type !== 'sr' && p.type !== 'rr') continue;
      if (p.type === 'sr' && p.ssrc === this.sourceSsrc) this.receiverStats.onSenderReport(p.ntp, nowMs);
      for (const block of p.reports) {
        if (block.ssrc !== this.sender.ssrc) continue;
        const rtt = roundTripMs(arrival, block.lsr, block.dlsr);
        if (rtt !== undefined) this.rttMs = rtt;
        this.remoteFractionLost = block.fractionLost / 256;
        this.remotePacketsLost = block.cumulativeLost;
        reported = true;
      }
    }
    return reported;
  }

  /** Cumulative loss of the received stream (RFC 3550 A.3). */
  get packetsLost(): number { return Math.max(0, this.receiverStats.lost); }
  get jitterMs(): number { return this.receiverStats.jitterMs; }

  /** The compound report we would send now: SR (or RR if we sent nothing) + SDES CNAME (§6.1). */
  buildReport(): RtcpPacket[] {
    const s = this.sender;
    const reports: ReportBlock[] = [];
    if (this.sourceSsrc !== undefined && this.receiverStats.valid) {
      const block = this.receiverStats.reportBlock(this.sourceSsrc, this.now());
      this.fractionLost = block.fractionLost / 256;
      reports.push(block);
    }
    const head: RtcpPacket = s.sentSinceReport
      ? {
        type: 'sr', ssrc: s.ssrc, ntp: ntpFromMs(Date.now()), rtpTimestamp: s.timestamp,
        packetCount: s.packetsSent >>> 0, octetCount: s.octetsSent >>> 0, reports,
      }
      : { type: 'rr', ssrc: s.ssrc, reports };
    s.sentSinceReport = false;
    return [head, { type: 'sdes', chunks: [{ ssrc: s.ssrc, items: [{ type: SDES_CNAME, value: this.cname }] }] }];
  }

  /** Calls `send` every `intervalMs` on average until stop(); the first time after half an interval (§6.2). */
  start(intervalMs: number, send: () => void): void {
    const schedule = (meanMs: number): void => {
      // §6.3.1 (simplified): randomise over [0.5, 1.5] × interval so endpoints do not synchronise.
      const delay = meanMs * (0.5 + Math.random());
      this.timer = setTimeout(() => {
        send();
        if (!this.stopped) schedule(intervalMs);
      }, delay);
      this.timer.unref();
    };
    schedule(intervalMs / 2);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
