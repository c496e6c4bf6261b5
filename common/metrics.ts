// Prometheus metrics (prom-client): every floor declares what it counts here,
// in the process's one registry, and the HTTP side serves that registry at
// /metrics. Declaring is idempotent — a module loaded twice, or two engines in
// one test process, get the same metric instead of a "registered twice" throw —
// so a metric is declared at module level next to the code that moves it.
// Names: `bridge_<area>_<what>`, counters end in `_total`, times in seconds.
import client from 'prom-client';

export const registry = client.register;

type Labels<L extends string> = { name: string; help: string; labelNames?: readonly L[] };

/** `collect`: for a count kept elsewhere (a worker thread), set at each scrape (reset, then inc by the total). */
export function counter<L extends string = never>(o: Labels<L> & { collect?: (this: client.Counter<L>) => void | Promise<void> }): client.Counter<L> {
  return (registry.getSingleMetric(o.name) as client.Counter<L> | undefined)
    ?? new client.Counter<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], ...(o.collect ? { collect: o.collect } : {}) });
}

export function gauge<L extends string = never>(o: Labels<L> & { collect?: (this: client.Gauge<L>) => void | Promise<void> }): client.Gauge<L> {
  return (registry.getSingleMetric(o.name) as client.Gauge<L> | undefined)
    ?? new client.Gauge<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], ...(o.collect ? { collect: o.collect } : {}) });
}

export function histogram<L extends string = never>(o: Labels<L> & { buckets: number[] }): client.Histogram<L> {
  return (registry.getSingleMetric(o.name) as client.Histogram<L> | undefined)
    ?? new client.Histogram<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], buckets: o.buckets });
}

/**
 * The process's own figures (prom-client's default metrics: CPU, RSS, heap,
 * open descriptors, event-loop lag `nodejs_eventloop_lag_*`, GC), once per
 * process whoever asks first.
 */
export function collectProcessMetrics(): void {
  if (registry.getSingleMetric('nodejs_eventloop_lag_seconds')) return;
  client.collectDefaultMetrics({ register: registry });
}

/** A histogram's state as another thread counted it: per-bucket counts (not cumulative; one more than `buckets`, for +Inf), sum and count. */
export interface BucketCounts { counts: readonly number[]; sum: number; count: number }

/**
 * A histogram whose observations are made elsewhere (a media worker thread
 * counts into fixed buckets): on each scrape `read` gives the buckets, and
 * they are written out in Prometheus's cumulative form. prom-client's own
 * Histogram takes observations one by one, hence this small collector.
 * `buckets`: upper bounds in the metric's unit, ascending.
 */
export function bucketHistogram(o: { name: string; help: string; buckets: readonly number[]; read: () => Promise<BucketCounts> }): void {
  if (registry.getSingleMetric(o.name)) return;
  const metric = {
    name: o.name, help: o.help, type: 'histogram' as const, aggregator: 'sum' as const,
    get: async () => ({ name: o.name, help: o.help, type: 'histogram' as const, aggregator: 'sum' as const, values: histogramValues(o.name, o.buckets, await o.read()) }),
    reset: () => undefined,
  };
  registry.registerMetric(metric as unknown as client.Metric);
}

/** The sample lines of one histogram: cumulative `_bucket`s with `le`, `+Inf`, `_sum` and `_count`. */
export function histogramValues(name: string, buckets: readonly number[], b: BucketCounts): Array<{ metricName: string; labels: Record<string, string | number>; value: number }> {
  const out: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
  let acc = 0;
  buckets.forEach((le, i) => {
    acc += b.counts[i] ?? 0;
    out.push({ metricName: `${name}_bucket`, labels: { le }, value: acc });
  });
  acc += b.counts[buckets.length] ?? 0;
  out.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: acc });
  out.push({ metricName: `${name}_sum`, labels: {}, value: b.sum });
  out.push({ metricName: `${name}_count`, labels: {}, value: b.count });
  return out;
}
