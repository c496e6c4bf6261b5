// Prometheus metrics (prom-client): every floor declares what it counts here,
// in the process's one registry, and the HTTP side serves that registry at
// /metrics. Declaring is idempotent — a module loaded twice, or two engines in
// one test process, get the same metric instead of a "registered twice" throw —
// so a metric is declared at module level next to the code that moves it.
// Names: `bridge_<area>_<what>`, counters end in `_total`, times in seconds.
import client from 'prom-client';

export const registry = client.register;

type Labels<L extends string> = { name: string; help: string; labelNames?: readonly L[] };

export function counter<L extends string = never>(o: Labels<L>): client.Counter<L> {
  return (registry.getSingleMetric(o.name) as client.Counter<L> | undefined)
    ?? new client.Counter<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [] });
}

export function gauge<L extends string = never>(o: Labels<L> & { collect?: (this: client.Gauge<L>) => void | Promise<void> }): client.Gauge<L> {
  return (registry.getSingleMetric(o.name) as client.Gauge<L> | undefined)
    ?? new client.Gauge<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], ...(o.collect ? { collect: o.collect } : {}) });
}

export function histogram<L extends string = never>(o: Labels<L> & { buckets: number[] }): client.Histogram<L> {
  return (registry.getSingleMetric(o.name) as client.Histogram<L> | undefined)
    ?? new client.Histogram<L>({ name: o.name, help: o.help, labelNames: o.labelNames ?? [], buckets: o.buckets });
}
