// Receiver-side statistics of one RTP source, as RFC 3550 Appendix A keeps
// them: sequence validation and extended highest sequence (A.1), expected and
// lost packets (A.3), interarrival jitter (A.8), and the report block for the
// next RR/SR (§6.4.1), including LSR/DLSR from the last SR received.
import {
  cumulativeLost, fractionLost, msToShortNtp, nextJitter, ntpMiddle32,
  type NtpTime, type ReportBlock,
} from './rtcp.ts';

const RTP_SEQ_MOD = 1 << 16;
const MAX_DROPOUT = 3000;   // A.1
const MAX_MISORDER = 100;   // A.1

export interface RtcpStatsOptions {
  clockRate?: number;
  /** A.1 MIN_SEQUENTIAL: in-sequence packets before a source is valid (default 2). */
  minSequential?: number;
}

export class RtcpStats {
  readonly clockRate: number;
  private readonly minSequential: number;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation: number;
  private initialised = false;
  /** Packets accepted (A.1 `received`). */
  received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | undefined;
  private jitterTs = 0;
  private lastSrMiddle32 = 0;
  private lastSrArrivalMs = 0;

  constructor(opts: RtcpStatsOptions = {}) {
    this.clockRate = opts.clockRate ?? 8000;
    this.minSequential = opts.minSequential ?? 2;
    this.probation = this.minSequential;
  }

  /**
   * Accounts one RTP packet. Returns false when A.1 rejects it (still on
   * probation, or a large jump not yet confirmed by the next packet).
   */
  onRtp(seq: number, timestamp: number, arrivalMs: number): boolean {
    if (!this.updateSeq(seq & 0xffff)) return false;
    // A.8: transit = arrival − timestamp, both in timestamp units.
    const transit = (arrivalMs * this.clockRate) / 1000 - timestamp;
    if (this.transit !== undefined) {
      let d = transit - this.transit;
      // The timestamp wraps at 2^32: fold the difference back into range.
      if (d > 2 ** 31) d -= 2 ** 32;
      else if (d < -(2 ** 31)) d += 2 ** 32;
      this.jitterTs = nextJitter(this.jitterTs, d);
    }
    this.transit = transit;
    return true;
  }

  private initSeq(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  // RFC 3550 A.1 update_seq().
  private updateSeq(seq: number): boolean {
    if (!this.initialised) {
      this.initialised = true;
      this.initSeq(seq);
      this.maxSeq = seq - 1;
      this.probation = this.minSequential;
    }
    const udelta = (seq - this.maxSeq + RTP_SEQ_MOD) % RTP_SEQ_MOD;
    if (this.probation > 0) {
      // A.1: the source is valid once MIN_SEQUENTIAL packets came in sequence.
      if (seq === (this.maxSeq + 1) % RTP_SEQ_MOD) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSeq(seq);
          this.received++;
          return true;
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      return false;
    }
    if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD; // wrapped
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      // A very large jump: accept it only if the next packet follows it.
      if (seq === this.badSeq) {
        this.initSeq(seq);
      } else {
        this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1);
        return false;
      }
    }
    // else: duplicate or reordered packet — counted, max unchanged.
    this.received++;
    return true;
  }

  /** True once the source passed probation. */
  get valid(): boolean {
    return this.initialised && this.probation === 0;
  }
  get extendedHighestSeq(): number {
    return this.cycles + this.maxSeq;
  }
  /** A.3: expected = extended max − base + 1. */
  get expected(): number {
    return this.valid ? this.extendedHighestSeq - this.baseSeq + 1 : 0;
  }
  /** A.3: cumulative packets lost (negative with duplicates). */
  get lost(): number {
    return this.expected - this.received;
  }
  /** Interarrival jitter in timestamp units. */
  get jitter(): number {
    return this.jitterTs;
  }
  get jitterMs(): number {
    return (this.jitterTs * 1000) / this.clockRate;
  }

  /** Remembers the last SR of this source, for LSR/DLSR in our next report. */
  onSenderReport(ntp: NtpTime, arrivalMs: number): void {
    this.lastSrMiddle32 = ntpMiddle32(ntp);
    this.lastSrArrivalMs = arrivalMs;
  }

  /**
   * The report block about this source; advances the interval used for the
   * fraction lost (A.3), so call it once per report sent.
   */
  reportBlock(sourceSsrc: number, nowMs: number): ReportBlock {
    const expected = this.expected;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    return {
      ssrc: sourceSsrc,
      fractionLost: fractionLost(expectedInterval, receivedInterval),
      cumulativeLost: cumulativeLost(expected, this.received),
      extendedHighestSeq: this.extendedHighestSeq >>> 0,
      jitter: Math.floor(this.jitterTs) >>> 0,
      lsr: this.lastSrMiddle32,
      dlsr: this.lastSrMiddle32 === 0 ? 0 : msToShortNtp(nowMs - this.lastSrArrivalMs),
    };
  }
}
