// Database query time for /metrics, from knex's own events: `query` when a
// query leaves, `query-response` or `query-error` when it ends, matched by
// knex's query id. Queries that never end (a connection lost mid-flight) are
// forgotten after MAX_IN_FLIGHT newer ones, so the map stays bounded.
import type { Knex } from 'knex';
import { histogram } from '../common/metrics.ts';

const MAX_IN_FLIGHT = 10_000;

const queryTime = histogram({
  name: 'bridge_db_query_seconds', help: 'Database query time, from sending to its answer or error', labelNames: ['outcome'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

interface QueryData { __knexQueryUid?: string }

/** Times every query of `db` into bridge_db_query_seconds{outcome="ok"|"error"}. */
export function observeQueries(db: Knex): void {
  const started = new Map<string, number>();
  const end = (q: QueryData, outcome: 'ok' | 'error') => {
    const id = q.__knexQueryUid;
    if (id === undefined) return;
    const t0 = started.get(id);
    if (t0 === undefined) return;
    started.delete(id);
    queryTime.observe({ outcome }, (performance.now() - t0) / 1000);
  };
  db.on('query', (q: QueryData) => {
    if (q.__knexQueryUid === undefined) return;
    if (started.size >= MAX_IN_FLIGHT) started.delete(started.keys().next().value!);
    started.set(q.__knexQueryUid, performance.now());
  });
  db.on('query-response', (_res: unknown, q: QueryData) => end(q, 'ok'));
  db.on('query-error', (_err: unknown, q: QueryData) => end(q, 'error'));
}
