// Browser → bridge: the browser's packets (Opus or PCMU) decoded at the bridge
// leg's rate into 20 ms frames, and sent on the leg one frame per tick of the
// gateway's FrameClock. A short queue absorbs jitter (two frames before
// starting or after running dry); a missing frame is concealed twice by the
// last one, fading, then skipped (the RTP clock still moves on); a queue grown
// past its bound loses its oldest frames. Never a burst.
import { Reframer } from './reframe.ts';
import type { RtpPacket } from 'werift';
import { decodeUlaw } from '../rtp/g711.ts';
import type { BridgeLeg } from './bridge-leg.ts';
import { OpusDecoder } from './opus.ts';
import { convertRate } from './resample.ts';

/** What the uplink needs of the bridge leg (a BridgeLeg; tests give a fake). */
export type UplinkTarget = Pick<BridgeLeg, 'codec' | 'sendFrame' | 'skipFrame'>;

/** Frames held at most (160 ms): the memory bound of one stream and its latency ceiling. */
export const MAX_QUEUED_FRAMES = 8;
const PRIME_FRAMES = 2;
const MAX_CONCEALED = 2;

export class Uplink {
  private readonly queue: Int16Array[] = [];
  private readonly reframer = new Reframer();
  private opus: OpusDecoder | undefined;
  private lastSeq: number | undefined;
  private priming = true;
  private last: Int16Array | undefined;
  private concealed = 0;
  readonly stats = { packets: 0, late: 0, undecodable: 0, framesSent: 0, concealed: 0, skipped: 0, dropped: 0 };

  constructor(private readonly leg: UplinkTarget, private readonly payloadTypes: { opus?: number; pcmu?: number }) {}

  /** One packet from the browser. */
  onPacket(p: RtpPacket): void {
    this.stats.packets++;
    const seq = p.header.sequenceNumber;
    if (this.lastSeq !== undefined) {
      const d = (seq - this.lastSeq) & 0xffff;
      if (d === 0 || d >= 0x8000) { this.stats.late++; return; } // duplicate or older than one played: too late
    }
    this.lastSeq = seq;
    const rate = this.leg.codec.sampleRate;
    let pcm: Int16Array;
    try {
      if (p.header.payloadType === this.payloadTypes.opus) {
        this.opus ??= new OpusDecoder(rate);
        pcm = this.opus.decode(p.payload);
      } else if (p.header.payloadType === this.payloadTypes.pcmu) {
        pcm = convertRate(decodeUlaw(p.payload), 8000, rate);
      } else {
        return; // comfort noise, telephone-event, anything else: not audio for the bridge
      }
    } catch {
      this.stats.undecodable++;
      return;
    }
    this.append(pcm);
  }

  private append(pcm: Int16Array): void {
    this.reframer.push(pcm, this.leg.codec.frameSamples, (frame) => this.queue.push(frame.slice()));
    while (this.queue.length > MAX_QUEUED_FRAMES) { this.queue.shift(); this.stats.dropped++; }
  }

  /** The FrameClock's tick: `periods` 20 ms periods since the last one (more than 1 when the thread was late). */
  tick(periods: number): void {
    for (let i = 1; i < periods; i++) { this.leg.skipFrame(); this.stats.skipped++; }
    if (this.priming && this.queue.length >= PRIME_FRAMES) this.priming = false;
    const frame = this.priming ? undefined : this.queue.shift();
    if (frame) {
      this.leg.sendFrame(frame);
      this.last = frame;
      this.concealed = 0;
      this.stats.framesSent++;
      return;
    }
    this.priming = true;
    if (this.last && this.concealed < MAX_CONCEALED) {
      const faded = new Int16Array(this.last.length);
      const gain = 0.5 ** (this.concealed + 1);
      for (let i = 0; i < faded.length; i++) faded[i] = this.last[i]! * gain;
      this.concealed++;
      this.stats.concealed++;
      this.leg.sendFrame(faded);
      return;
    }
    this.leg.skipFrame();
    this.stats.skipped++;
  }

  close(): void {
    this.opus?.delete();
    this.opus = undefined;
    this.queue.length = 0;
  }
}
