// The media workers' figures as the process's Prometheus metrics: RTP packets
// in and out, jitter-buffer frames lost and late, jitter-buffer depth, the
// tick time histogram and the workers answering. The workers count
// (worker/media-counters.ts); a scrape pulls their totals with one `counters`
// request per worker, shared by every metric of that scrape, each bounded by
// READ_TIMEOUT_MS so a wedged or dead worker cannot hang /metrics (its last
// answer stands in). A worker that dies leaves its last totals behind, so the
// counters never go back.
import { bucketHistogram, counter, gauge } from '../../../../common/metrics.ts';
import { TICK_BUCKETS_MS, type WorkerCounters } from '../protocol.ts';
import type { MediaChannel } from './media-channel.ts';

const READ_TIMEOUT_MS = 500;
/** A scrape's metrics are collected together: one read serves them all. */
const SNAPSHOT_TTL_MS = 250;

export interface MediaTotals { counters: WorkerCounters; answering: number; workers: number }

/** One pool's workers, as the metrics see them. */
export class PoolCounters {
  private readonly last = new Map<MediaChannel, WorkerCounters>();
  private retired: WorkerCounters = emptyCounters();

  constructor(private readonly channels: () => readonly MediaChannel[]) {}

  /** A worker died: its last totals are kept. */
  retire(ch: MediaChannel): void {
    const seen = this.last.get(ch);
    if (seen) this.retired = addCounters(this.retired, seen);
    this.last.delete(ch);
  }

  async read(timeoutMs = READ_TIMEOUT_MS): Promise<MediaTotals> {
    const channels = [...this.channels()];
    const answers = await Promise.all(channels.map((ch) => withTimeout(ch.request({ op: 'counters' }), timeoutMs)));
    let total = this.retired;
    let answering = 0;
    channels.forEach((ch, i) => {
      const a = answers[i];
      if (a) { this.last.set(ch, a); answering++; }
      const seen = this.last.get(ch);
      if (seen) total = addCounters(total, seen);
    });
    // Depths are of now: only the workers that answered.
    const live = answers.filter((a): a is WorkerCounters => a !== undefined);
    total = { ...total, jitterDepthMeanMs: live.length ? live.reduce((s, a) => s + a.jitterDepthMeanMs, 0) / live.length : 0, jitterDepthMaxMs: Math.max(0, ...live.map((a) => a.jitterDepthMaxMs)) };
    return { counters: total, answering, workers: channels.length };
  }
}

export function emptyCounters(): WorkerCounters {
  return { packetsIn: 0, packetsOut: 0, framesLost: 0, framesLate: 0, tickBuckets: new Array<number>(TICK_BUCKETS_MS.length + 1).fill(0), tickSumMs: 0, tickCount: 0, jitterDepthMeanMs: 0, jitterDepthMaxMs: 0 };
}

/** Sums the cumulative parts; the depths (figures of now, not sums) are left as `a` has them. */
export function addCounters(a: WorkerCounters, b: WorkerCounters): WorkerCounters {
  return {
    packetsIn: a.packetsIn + b.packetsIn,
    packetsOut: a.packetsOut + b.packetsOut,
    framesLost: a.framesLost + b.framesLost,
    framesLate: a.framesLate + b.framesLate,
    tickBuckets: a.tickBuckets.map((n, i) => n + (b.tickBuckets[i] ?? 0)),
    tickSumMs: a.tickSumMs + b.tickSumMs,
    tickCount: a.tickCount + b.tickCount,
    jitterDepthMeanMs: a.jitterDepthMeanMs,
    jitterDepthMaxMs: a.jitterDepthMaxMs,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    p.then((v) => { clearTimeout(timer); resolve(v); }, () => { clearTimeout(timer); resolve(undefined); });
  });
}

// ---- the process's metrics, over every pool of the process (one in the product; tests may run several) ----

const pools = new Set<PoolCounters>();
let snapshot: { at: number; totals: Promise<MediaTotals> } | undefined;

export function watchPool(p: PoolCounters): () => void {
  pools.add(p);
  return () => { pools.delete(p); };
}

function totals(): Promise<MediaTotals> {
  const now = Date.now();
  if (snapshot && now - snapshot.at < SNAPSHOT_TTL_MS) return snapshot.totals;
  const read = (async () => {
    const all = await Promise.all([...pools].map((p) => p.read()));
    return all.reduce<MediaTotals>((s, t) => ({
      counters: { ...addCounters(s.counters, t.counters), jitterDepthMeanMs: Math.max(s.counters.jitterDepthMeanMs, t.counters.jitterDepthMeanMs), jitterDepthMaxMs: Math.max(s.counters.jitterDepthMaxMs, t.counters.jitterDepthMaxMs) },
      answering: s.answering + t.answering, workers: s.workers + t.workers,
    }), { counters: emptyCounters(), answering: 0, workers: 0 });
  })();
  snapshot = { at: now, totals: read };
  return read;
}

counter({
  name: 'bridge_rtp_packets_total', help: 'RTP packets received and sent by the media workers', labelNames: ['direction'],
  collect: async function () {
    const c = (await totals()).counters;
    this.reset();
    this.inc({ direction: 'in' }, c.packetsIn);
    this.inc({ direction: 'out' }, c.packetsOut);
  },
});
counter({
  name: 'bridge_rtp_frames_lost_total', help: 'Frames never received (sequence gaps) in the jitter buffers',
  collect: async function () { this.reset(); this.inc((await totals()).counters.framesLost); },
});
counter({
  name: 'bridge_rtp_frames_late_total', help: 'Packets that arrived after their time had been played (dropped by the jitter buffers)',
  collect: async function () { this.reset(); this.inc((await totals()).counters.framesLate); },
});
gauge({
  name: 'bridge_rtp_jitter_depth_seconds', help: 'Audio waiting in the jitter buffers now, mean and largest over the legs', labelNames: ['stat'],
  collect: async function () {
    const c = (await totals()).counters;
    this.set({ stat: 'mean' }, c.jitterDepthMeanMs / 1000);
    this.set({ stat: 'max' }, c.jitterDepthMaxMs / 1000);
  },
});
gauge({
  name: 'bridge_media_workers', help: 'Media worker threads, and those that answered the scrape in time', labelNames: ['state'],
  collect: async function () {
    const t = await totals();
    this.set({ state: 'running' }, t.workers);
    this.set({ state: 'answering' }, t.answering);
  },
});
bucketHistogram({
  name: 'bridge_media_tick_seconds', help: 'Work of one 20 ms media tick (read the sockets, mix, code, send), per worker tick',
  buckets: TICK_BUCKETS_MS.map((ms) => ms / 1000),
  read: async () => {
    const c = (await totals()).counters;
    return { counts: c.tickBuckets, sum: c.tickSumMs / 1000, count: c.tickCount };
  },
});
