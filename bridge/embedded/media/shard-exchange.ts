// The talkers of one conference's shards, passed between media workers in a
// SharedArrayBuffer. Each shard owns a region with a ring of RING entries;
// at the end of its tick for slot t it writes its local talker candidates
// (rank, frame with input gain applied) into entry t % RING and then stores
// t in the entry's sequence word. At the start of slot t every shard reads
// the others' entries for slot t − 1: their talkers reach it one tick (20 ms)
// later than its own, and nobody waits for anybody. Worker clocks share one
// epoch and grid (MediaClock `aligned`), so slot numbers agree (compared
// as 32-bit words: they wrap after 2³¹ slots, ~497 days). A reader that
// finds an entry rewritten under it (a shard ~3 ticks ahead) mixes no remote
// talkers that tick.
//
// Entry layout (bytes): 0 sequence (Int32, −1 while written), 4 count
// (Int32), 8 ranks (Float64 × maxTalkers), then frames (Int16 × 160 × maxTalkers).
import type { ConferenceMixer } from '../../mixer/conference-mixer.ts';
import { FRAME_SAMPLES } from '../../rtp/frame-source.ts';

const RING = 4;

export interface ExchangeLink {
  buffer: SharedArrayBuffer;
  /** This shard's region. */
  shard: number;
  /** Regions in the buffer. */
  shards: number;
  maxTalkers: number;
}

function entryBytes(maxTalkers: number): number {
  return 8 + 8 * maxTalkers + 2 * FRAME_SAMPLES * maxTalkers;
}

export function exchangeBytes(shards: number, maxTalkers: number): number {
  return shards * RING * entryBytes(maxTalkers);
}

interface Entry {
  /** Index of the sequence word in the buffer's Int32 view. */
  seq: number;
  ranks: Float64Array;
  frames: Int16Array[];
}

export class ShardExchange {
  private readonly words: Int32Array;
  /** entries[shard][ring] */
  private readonly entries: Entry[][];
  private readonly ranks: Float64Array;
  private readonly frames: Int16Array[];
  /** Shards whose entry was read this tick. */
  private readonly used: Uint8Array;
  /** Remote talker sets dropped because they were being rewritten, or missing (a late shard). */
  torn = 0;
  missing = 0;

  constructor(readonly link: ExchangeLink) {
    const { buffer, shards, maxTalkers } = link;
    if (buffer.byteLength < exchangeBytes(shards, maxTalkers)) throw new RangeError('exchange buffer too small');
    this.words = new Int32Array(buffer);
    const size = entryBytes(maxTalkers);
    this.entries = Array.from({ length: shards }, (_, s) => Array.from({ length: RING }, (_, r) => {
      const base = (s * RING + r) * size;
      return {
        seq: base / 4,
        ranks: new Float64Array(buffer, base + 8, maxTalkers),
        frames: Array.from({ length: maxTalkers }, (_, k) => new Int16Array(buffer, base + 8 + 8 * maxTalkers + 2 * FRAME_SAMPLES * k, FRAME_SAMPLES)),
      };
    }));
    this.ranks = new Float64Array(shards * maxTalkers);
    this.frames = new Array<Int16Array>(shards * maxTalkers);
    this.used = new Uint8Array(shards);
  }

  /** Hands the other shards' talkers of slot − 1 to the mixer. */
  collect(slot: number, mixer: ConferenceMixer): void {
    const want = (slot - 1) | 0;
    const ring = want & (RING - 1);
    let n = 0;
    for (let s = 0; s < this.link.shards; s++) {
      if (s === this.link.shard) continue;
      const e = this.entries[s]![ring]!;
      this.used[s] = 0;
      if (Atomics.load(this.words, e.seq) !== want) { this.missing++; continue; }
      this.used[s] = 1;
      const count = Math.min(this.words[e.seq + 1]!, this.link.maxTalkers);
      for (let k = 0; k < count; k++) {
        this.ranks[n] = e.ranks[k]!;
        this.frames[n++] = e.frames[k]!;
      }
    }
    mixer.setRemoteTalkers(n, this.ranks, (i) => this.frames[i]!);
    // The frames were copied by the mixer; if a writer started on an entry
    // meanwhile (only a shard ~3 ticks ahead could), the copy may be torn.
    for (let s = 0; s < this.link.shards; s++) {
      if (!this.used[s]) continue;
      const e = this.entries[s]![ring]!;
      if (Atomics.load(this.words, e.seq) !== want) {
        this.torn++;
        mixer.setRemoteTalkers(0, this.ranks, (i) => this.frames[i]!);
        return;
      }
    }
  }

  /** Offers this shard's talker candidates of `slot` to the others. */
  publish(slot: number, mixer: ConferenceMixer): void {
    const e = this.entries[this.link.shard]![slot & (RING - 1)]!;
    const words = this.words;
    Atomics.store(words, e.seq, -1);
    let count = 0;
    const max = this.link.maxTalkers;
    mixer.forEachCandidate((rank, frame, gain) => {
      if (count >= max) return;
      e.ranks[count] = rank;
      const out = e.frames[count]!;
      if (gain === 1) out.set(frame.subarray(0, FRAME_SAMPLES));
      else {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          const v = Math.round(frame[i]! * gain);
          out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
        }
      }
      count++;
    });
    words[e.seq + 1] = count;
    Atomics.store(words, e.seq, slot | 0);
  }
}
