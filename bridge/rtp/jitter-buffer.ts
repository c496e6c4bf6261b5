// Adaptive jitter buffer for one 8 kHz G.711 stream, read by a 20 ms playout
// clock (the mixer tick).
//
// Packets are decoded on arrival into a ring of samples indexed by RTP
// timestamp, so any packetisation (10, 20, 30, 40 ms …) comes out as 20 ms
// frames, reordered packets land in place and duplicates overwrite nothing.
// The playout point `playTs` advances one frame per get(). When the frame is
// not yet complete and nothing newer has arrived, the buffer stalls (a
// concealment frame is played and playTs stays): that is how the delay grows
// after a late packet. Holes with newer data behind them are losses: they are
// concealed and played through. The delay shrinks, one frame at a time, when
// the depth stays above the target derived from the measured jitter
// (RFC 3550 A.8 estimator), within [minDelayMs, maxDelayMs]. The ring bounds
// the memory; packets that would exceed `capacityMs` push the oldest audio out.
//
// Wideband (G.722): with a band decoder the buffer keeps two rings on the
// same 8 kHz timestamps — G.722's RTP clock is 8000 Hz and one byte holds one
// sample of each band — the 0–4 kHz band (what get() returns, mixed with
// narrowband members as it is) and the 4–8 kHz band (getInto's `high`). The
// decoder is stateful, so it is fed the packets in arrival order.
import { PCMU, g711CodecOf, type G711Codec } from './g711.ts';
import { FRAME_SAMPLES, FRAME_MS, SAMPLE_RATE } from './frame-source.ts';

const RING = 4096; // samples: 512 ms at 8 kHz, more than any capacity allowed
const MASK = RING - 1;
const SEQ_WINDOW = 1024; // remembered sequence numbers, for duplicates
const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
const ADJUST_HOLD_FRAMES = 50; // ≥ 1 s between two delay reductions

export interface JitterPacket {
  seq: number;
  timestamp: number;
  ssrc: number;
  /** G.711 bytes, one per sample. */
  payload: Uint8Array;
  /** Local arrival time (ms, any monotonic clock). */
  arrivalMs: number;
  /** 0 or 8 to pick the law per packet (codec change); the buffer's codec otherwise. */
  payloadType?: number;
}

/** 'audio': received samples; 'concealed': the last frame repeated, attenuated (possibly only the missing part); 'silence'. */
export type JitterFrameKind = 'audio' | 'concealed' | 'silence';

export interface JitterFrame {
  kind: JitterFrameKind;
  /** 160 samples; the buffer's own array unless get() was given one — valid until the next get(). */
  samples: Int16Array;
}

export interface JitterBufferCounters {
  /** Packets accepted into the buffer (not duplicates, late or invalid). */
  received: number;
  /** Sequence numbers never received (expected − unique received), as RFC 3550 counts loss. */
  lost: number;
  /** Packets that arrived after their whole time had been played. */
  late: number;
  duplicate: number;
  /** Frames that were (partly) concealment. */
  concealed: number;
  /** Frames played while waiting for data (subset of concealed/silence frames). */
  underruns: number;
  /** 20 ms frames of buffered audio discarded to respect capacityMs. */
  overflowDropped: number;
  /** Frames discarded to bring the delay back to the target. */
  shrunk: number;
  ssrcChanges: number;
  /** Empty payloads, payloads longer than the capacity. */
  invalid: number;
}

/** A sub-band decoder (G.722): `length` bytes → `length` samples of each band at 8 kHz, unity-scaled. */
export interface BandDecoder {
  decodeBands(bytes: Uint8Array, offset: number, length: number, low: Int16Array, high: Int16Array): void;
}

export interface JitterBufferOptions {
  /** Default codec for packets without payloadType (default PCMU). */
  codec?: G711Codec;
  /** A wideband stream: its packets (any payload type but 0 and 8) go through this decoder into two bands. */
  bands?: BandDecoder;
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Hard bound on buffered audio (default 400 ms, at most 480). */
  capacityMs?: number;
  /** Concealment frames before silence (default 3, −6 dB each). */
  concealFrames?: number;
}

export class JitterBuffer {
  private readonly codec: G711Codec;
  private readonly bands: BandDecoder | undefined;
  /** The 4–8 kHz band of a wideband stream, on the same timestamps as `ring`; empty when narrowband. */
  private readonly ringHigh: Int16Array;
  private readonly lastFrameHigh: Int16Array;
  /** One packet decoded into its two bands, before it is placed in the rings. */
  private readonly packetLow: Int16Array;
  private readonly packetHigh: Int16Array;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly capacityMs: number;
  private readonly concealFrames: number;

  private readonly ring = new Int16Array(RING);
  private readonly present = new Uint8Array(RING);
  private readonly missing = new Uint8Array(FRAME_SAMPLES);
  private readonly output = new Int16Array(FRAME_SAMPLES);
  private readonly lastFrame = new Int16Array(FRAME_SAMPLES);
  private hasLastFrame = false;
  private concealRun = 0;

  private ssrc: number | undefined;
  /** Extended timestamp of the next sample to play (undefined before the first packet). */
  private playTs: number | undefined;
  private started = false;
  /** Extended timestamp just after the newest sample received. */
  private highestEnd = 0;
  private tsRef = 0;

  private readonly seenSeq = new Float64Array(SEQ_WINDOW).fill(-1);
  private seqRef: number | undefined;
  private baseSeq = 0;
  private highestSeq = 0;
  private uniqueReceived = 0;
  /** Loss counted for earlier sources (before an SSRC change or reset). */
  private lostBefore = 0;

  private lastTransitMs: number | undefined;
  private jitter = 0;
  private packetSamples = FRAME_SAMPLES;
  private framesSinceAdjust = 0;
  /** Consecutive get() calls that found no complete frame (playTs did not move). */
  private stalledFrames = 0;

  private readonly count = {
    received: 0, late: 0, duplicate: 0, concealed: 0, underruns: 0,
    overflowDropped: 0, shrunk: 0, ssrcChanges: 0, invalid: 0,
  };

  constructor(opts: JitterBufferOptions = {}) {
    this.codec = opts.codec ?? PCMU;
    this.bands = opts.bands;
    const wide = opts.bands ? RING : 0;
    this.ringHigh = new Int16Array(wide);
    this.lastFrameHigh = new Int16Array(opts.bands ? FRAME_SAMPLES : 0);
    this.packetLow = new Int16Array(wide);
    this.packetHigh = new Int16Array(wide);
    this.minDelayMs = opts.minDelayMs ?? 20;
    this.maxDelayMs = opts.maxDelayMs ?? 200;
    this.capacityMs = opts.capacityMs ?? 400;
    this.concealFrames = opts.concealFrames ?? 3;
    if (!(this.minDelayMs >= 0 && this.minDelayMs <= this.maxDelayMs && this.maxDelayMs < this.capacityMs)) {
      throw new RangeError('jitter buffer needs 0 ≤ minDelayMs ≤ maxDelayMs < capacityMs');
    }
    if (this.capacityMs * SAMPLES_PER_MS > RING - FRAME_SAMPLES) throw new RangeError(`capacityMs above ${(RING - FRAME_SAMPLES) / SAMPLES_PER_MS}`);
  }

  get counters(): Readonly<JitterBufferCounters> {
    return { ...this.count, lost: this.lostBefore + this.currentLost() };
  }

  private currentLost(): number {
    const expected = this.seqRef === undefined ? 0 : this.highestSeq - this.baseSeq + 1;
    return Math.max(0, expected - this.uniqueReceived);
  }

  /** Interarrival jitter (RFC 3550 A.8) in ms. */
  get jitterMs(): number {
    return this.jitter;
  }

  /** The delay the buffer aims at: packet time plus 4 × jitter, within the bounds. */
  get targetMs(): number {
    const want = this.packetSamples / SAMPLES_PER_MS + 4 * this.jitter;
    return Math.min(this.maxDelayMs, Math.max(this.minDelayMs, Math.ceil(want / 10) * 10));
  }

  /** Audio buffered ahead of the playout point, in ms. */
  get depthMs(): number {
    return this.playTs === undefined ? 0 : Math.max(0, this.highestEnd - this.playTs) / SAMPLES_PER_MS;
  }

  /** Forgets the stream (buffer, sequence state, jitter); counters are kept. */
  reset(): void {
    this.lostBefore += this.currentLost();
    this.present.fill(0);
    this.seenSeq.fill(-1);
    this.ssrc = undefined;
    this.playTs = undefined;
    this.started = false;
    this.highestEnd = 0;
    this.seqRef = undefined;
    this.uniqueReceived = 0;
    this.lastTransitMs = undefined;
    this.jitter = 0;
    this.framesSinceAdjust = 0;
    this.stalledFrames = 0;
  }

  put(p: JitterPacket): void {
    this.putBytes(p.seq, p.timestamp, p.ssrc, p.payload, 0, p.payload.length, p.arrivalMs, p.payloadType);
  }

  /** put() without a packet object: the payload is `data[offset, offset + length)`, read before this returns. */
  putBytes(seqIn: number, timestamp: number, ssrc: number, data: Uint8Array, offset: number, length: number, arrivalMs: number, payloadType?: number): void {
    if (length === 0 || length > this.capacityMs * SAMPLES_PER_MS) {
      this.count.invalid++;
      return;
    }
    if (this.ssrc !== ssrc) {
      // A new source (the far end restarted or a re-INVITE changed it): start over.
      if (this.ssrc !== undefined) {
        this.count.ssrcChanges++;
        this.reset();
      }
      this.ssrc = ssrc;
    }
    // Extend the 16-bit sequence number and 32-bit timestamp around the newest seen.
    const seq = this.extendSeq(seqIn & 0xffff);
    const slot = seq & (SEQ_WINDOW - 1);
    if (this.seenSeq[slot] === seq) {
      this.count.duplicate++;
      return;
    }
    const start = this.tsRef + (((timestamp >>> 0) - this.tsRef) | 0);
    const end = start + length;
    this.updateJitter(start, arrivalMs); // late packets too: they measure the network

    if (this.playTs === undefined) {
      this.playTs = start;
      this.highestEnd = end;
      this.tsRef = start;
    } else if (!this.started && start < this.playTs && this.highestEnd - start <= this.capacityMs * SAMPLES_PER_MS) {
      this.playTs = start; // reordered before playout began: play it too
    } else if (end <= this.playTs) {
      this.seenSeq[slot] = seq;
      this.uniqueReceived++;
      this.count.late++;
      return;
    } else if (this.highestEnd <= this.playTs && start > this.playTs && this.stalledFrames > 0) {
      // The buffer ran dry and we have been playing concealment while
      // waiting; that concealment stood for the gap before this packet (a
      // loss, or a pause in the sender's stream), so skip the gap by as much.
      const skip = Math.min(start - this.playTs, this.stalledFrames * FRAME_SAMPLES);
      if (skip > this.maxDelayMs * SAMPLES_PER_MS) this.started = false; // long pause: build the delay up again
      this.playTs += skip;
      this.stalledFrames = 0;
    }

    this.seenSeq[slot] = seq;
    this.uniqueReceived++;
    this.count.received++;
    this.packetSamples = length;

    const capacity = this.capacityMs * SAMPLES_PER_MS;
    if (end - this.playTs > capacity) this.discardUntil(end - capacity, 'overflow');

    const g711 = payloadType === undefined ? undefined : g711CodecOf(payloadType);
    const from = Math.max(start, this.playTs);
    if (this.bands && g711 === undefined) {
      this.putBands(data, offset, length, start, from, end);
      return;
    }
    const table = (g711 ?? this.codec).decodeTable;
    const ring = this.ring;
    const present = this.present;
    let idx = from & MASK;
    const first = idx + (end - from) <= RING ? end : from + (RING - idx); // up to the ring's end
    let src = offset + from - start;
    for (let ts = from; ts < first; ts++) ring[idx++] = table[data[src++]!]!;
    present.fill(1, from & MASK, (from & MASK) + (first - from));
    // A G.711 packet in a wideband stream (codec change) has no high band: silence on its samples only.
    if (this.bands) this.ringHigh.fill(0, from & MASK, (from & MASK) + (first - from));
    if (first < end) { // wrapped: the rest from the ring's start
      idx = 0;
      for (let ts = first; ts < end; ts++) ring[idx++] = table[data[src++]!]!;
      present.fill(1, 0, end - first);
      if (this.bands) this.ringHigh.fill(0, 0, end - first);
    }
    if (end > this.highestEnd) this.highestEnd = end;
    if (start > this.tsRef) this.tsRef = start;
  }

  /** A wideband packet: decoded whole (the decoder keeps state), its samples from `from` placed in both rings. */
  private putBands(data: Uint8Array, offset: number, length: number, start: number, from: number, end: number): void {
    const low = this.packetLow;
    const high = this.packetHigh;
    this.bands!.decodeBands(data, offset, length, low, high);
    const ring = this.ring;
    const ringHigh = this.ringHigh;
    const present = this.present;
    for (let ts = from, k = from - start; ts < end; ts++, k++) {
      const idx = ts & MASK;
      ring[idx] = low[k]!;
      ringHigh[idx] = high[k]!;
      present[idx] = 1;
    }
    if (end > this.highestEnd) this.highestEnd = end;
    if (start > this.tsRef) this.tsRef = start;
  }

  private extendSeq(seq: number): number {
    if (this.seqRef === undefined) {
      this.seqRef = seq;
      this.baseSeq = seq;
      this.highestSeq = seq;
      return seq;
    }
    const ext = this.highestSeq + (((seq - this.highestSeq) << 16) >> 16);
    if (ext > this.highestSeq) this.highestSeq = ext;
    if (ext < this.baseSeq) this.baseSeq = ext;
    return ext;
  }

  private updateJitter(startTs: number, arrivalMs: number): void {
    const transit = arrivalMs - startTs / SAMPLES_PER_MS;
    if (this.lastTransitMs !== undefined) {
      const d = Math.abs(transit - this.lastTransitMs);
      // A jump of more than a second is a clock or stream discontinuity, not jitter.
      if (d < 1000) this.jitter += (d - this.jitter) / 16;
    }
    this.lastTransitMs = transit;
  }

  /** Drops buffered audio before `ts`, counting it under `reason`. */
  private discardUntil(ts: number, reason: 'overflow' | 'shrink'): void {
    let dropped = 0;
    for (let t = this.playTs!; t < ts; t++) {
      const idx = t & MASK;
      dropped += this.present[idx]!;
      this.present[idx] = 0;
    }
    this.playTs = ts;
    if (reason === 'overflow') this.count.overflowDropped += Math.ceil(dropped / FRAME_SAMPLES);
    else this.count.shrunk++;
  }

  /** The next 20 ms frame; call once per playout tick. */
  get(out?: Int16Array): JitterFrame {
    const samples = out ?? this.output;
    return { kind: this.getInto(samples), samples };
  }

  /**
   * get() into `samples` (at least 160), returning only the kind: no object
   * per frame. A wideband buffer also fills `high` with the 4–8 kHz band of
   * the same frame (when given).
   */
  getInto(samples: Int16Array, high?: Int16Array): JitterFrameKind {
    if (samples.length < FRAME_SAMPLES) throw new RangeError(`frame buffer holds ${samples.length} samples`);
    const kind = this.frameInto(samples);
    if (high) this.highInto(high, kind);
    return kind;
  }

  /** The high band of the frame frameInto() just gave: copied from its ring place, or the same concealment. */
  private highInto(high: Int16Array, kind: JitterFrameKind): void {
    if (!this.bands || kind === 'silence') { high.fill(0, 0, FRAME_SAMPLES); return; }
    const last = this.lastFrameHigh;
    if (kind === 'audio') {
      high.set(last);
      return;
    }
    const run = Math.max(1, this.concealRun);
    const gain = run <= this.concealFrames ? 0.5 ** run : 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) high[i] = gain === 0 ? 0 : Math.round(last[i]! * gain);
  }

  private frameInto(samples: Int16Array): JitterFrameKind {
    const play = this.playTs;
    if (play === undefined || !this.started) {
      if (play !== undefined && this.highestEnd - play >= this.targetMs * SAMPLES_PER_MS) {
        this.started = true;
      } else {
        samples.fill(0, 0, FRAME_SAMPLES);
        return 'silence';
      }
    }
    let playTs = this.playTs!;
    if (playTs + FRAME_SAMPLES > this.highestEnd) {
      // Underrun: the frame is not all here and nothing newer is: wait for it.
      this.count.underruns++;
      this.stalledFrames++;
      this.framesSinceAdjust = 0;
      return this.conceal(samples, null);
    }
    this.stalledFrames = 0;
    this.framesSinceAdjust++;
    const excessMs = (this.highestEnd - playTs) / SAMPLES_PER_MS - FRAME_MS - this.targetMs - this.packetSamples / SAMPLES_PER_MS;
    if (excessMs > 0 && this.framesSinceAdjust >= ADJUST_HOLD_FRAMES) {
      this.discardUntil(playTs + FRAME_SAMPLES, 'shrink');
      this.framesSinceAdjust = 0;
      playTs = this.playTs!;
    }
    const ring = this.ring;
    const present = this.present;
    const base = playTs & MASK;
    let missing = 0;
    if (base + FRAME_SAMPLES <= RING) {
      // The usual case: the frame does not wrap; count the holes, then copy.
      for (let i = base; i < base + FRAME_SAMPLES; i++) missing += present[i]! ^ 1;
      if (missing === 0) {
        const last = this.lastFrame;
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          const v = ring[base + i]!;
          samples[i] = v;
          last[i] = v;
        }
        if (this.bands) this.lastFrameHigh.set(this.ringHigh.subarray(base, base + FRAME_SAMPLES));
        present.fill(0, base, base + FRAME_SAMPLES);
        this.playTs = playTs + FRAME_SAMPLES;
        this.hasLastFrame = true;
        this.concealRun = 0;
        return 'audio';
      }
      missing = 0;
    }
    const holes = this.missing;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const idx = (playTs + i) & MASK;
      if (present[idx]) {
        samples[i] = ring[idx]!;
        if (this.bands) this.lastFrameHigh[i] = this.ringHigh[idx]!;
        present[idx] = 0;
        holes[i] = 0;
      } else {
        holes[i] = 1;
        missing++;
      }
    }
    this.playTs = playTs + FRAME_SAMPLES;
    if (missing === FRAME_SAMPLES) return this.conceal(samples, null);
    if (missing > 0) return this.conceal(samples, holes);
    this.lastFrame.set(samples.subarray(0, FRAME_SAMPLES));
    this.hasLastFrame = true;
    this.concealRun = 0;
    return 'audio';
  }

  /**
   * Fills the whole frame (mask null) or the masked samples with the last good
   * frame at −6 dB per consecutive concealment, silence after concealFrames.
   */
  private conceal(samples: Int16Array, mask: Uint8Array | null): JitterFrameKind {
    if (mask === null) this.concealRun++;
    const run = Math.max(1, this.concealRun);
    const gain = this.hasLastFrame && run <= this.concealFrames ? 0.5 ** run : 0;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      if (mask === null || mask[i]) samples[i] = gain === 0 ? 0 : Math.round(this.lastFrame[i]! * gain);
    }
    if (gain === 0 && mask === null) return 'silence';
    this.count.concealed++;
    return 'concealed';
  }
}
