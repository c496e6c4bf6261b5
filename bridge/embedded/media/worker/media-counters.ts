// The cumulative figures of one media worker for /metrics: RTP packets in and
// out, frames lost and late in the jitter buffers, and the tick time as
// histogram buckets. The worker never declares Prometheus metrics (it has a
// registry of its own that nobody scrapes): the control side pulls these with
// the `counters` request and turns them into the process's metrics
// (control/media-metrics.ts).
//
// Legs come and go and move between workers with their RTP state, so a leg's
// own counts are not summed as they stand: each leg's growth since it was
// last read is added to the worker's totals (read at each request, and once
// more when the leg leaves), and a leg moving in starts from what it brought.
import { TICK_BUCKETS_MS, type LegCounts, type WorkerCounters } from '../protocol.ts';

export class MediaCounters {
  private readonly totals: LegCounts = { packetsIn: 0, packetsOut: 0, framesLost: 0, framesLate: 0 };
  /** What each leg counted when last read. */
  private readonly seen = new Map<string, LegCounts>();
  /** Ticks per bucket (not cumulative), the last one for ticks above the largest bound. */
  private readonly tickBuckets = new Array<number>(TICK_BUCKETS_MS.length + 1).fill(0);
  private tickSumMs = 0;
  private tickCount = 0;

  /** A leg arrives (new, or moving in): its counts so far are not this worker's. */
  legAdded(legId: string, now: LegCounts): void { this.seen.set(legId, { ...now }); }

  /** A leg leaves (closed, or moving out): what it counted since the last read is kept. */
  legRemoved(legId: string, now: LegCounts): void {
    this.absorb(legId, now);
    this.seen.delete(legId);
  }

  private absorb(legId: string, now: LegCounts): void {
    const before = this.seen.get(legId);
    if (!before) return;
    for (const k of KEYS) {
      // A counter a leg restarted (a new jitter buffer) counts from zero again: never subtract.
      const grown = now[k] - before[k];
      this.totals[k] += grown > 0 ? grown : 0;
      before[k] = now[k];
    }
  }

  /** One tick's work took `ms`. */
  tick(ms: number): void {
    let i = 0;
    while (i < TICK_BUCKETS_MS.length && ms > TICK_BUCKETS_MS[i]!) i++;
    this.tickBuckets[i]!++;
    this.tickSumMs += ms;
    this.tickCount++;
  }

  /** The totals now, reading every live leg (`legs`: id → its counts now). */
  read(legs: Iterable<[string, LegCounts]>, jitterDepthsMs: readonly number[]): WorkerCounters {
    for (const [id, now] of legs) this.absorb(id, now);
    let sum = 0, max = 0;
    for (const d of jitterDepthsMs) { sum += d; if (d > max) max = d; }
    return {
      ...this.totals,
      tickBuckets: [...this.tickBuckets],
      tickSumMs: this.tickSumMs,
      tickCount: this.tickCount,
      jitterDepthMeanMs: jitterDepthsMs.length ? sum / jitterDepthsMs.length : 0,
      jitterDepthMaxMs: max,
    };
  }
}

const KEYS = ['packetsIn', 'packetsOut', 'framesLost', 'framesLate'] as const;
