// What a role observes: the readiness checks of /readyz (the database; with
// an engine, its SIP socket and media workers), the gauges that read the
// process's stores (CDR journal depth, mail queue), and the operator
// endpoints' own listener where the role has no web app (or
// BRIDGE_METRICS_PORT asks for one beside it). The web app serves the same
// endpoints on its port (web/app.ts).
import type { Knex } from 'knex';
import type { Engine } from '../bridge/port.ts';
import type { Config } from '../common/config.ts';
import type { ReadinessCheck } from '../common/observability.ts';
import { databaseCheck } from '../core/db-health.ts';
import { watchOutbox } from '../core/outbox/metrics.ts';
import type { Repositories } from '../core/repositories.ts';
import { DEFAULT_METRICS_PORT, startMetricsServer, type MetricsServer } from './metrics-server.ts';

export interface Observability {
  /** What /readyz checks, on every listener of the process (the web app holds the same list). */
  readonly readiness: readonly ReadinessCheck[];
  /** One more check for /readyz (e.g. draining: not ready while the bridge stops taking calls). */
  addCheck(check: ReadinessCheck): void;
  /** The own listener's address, when one is open. */
  url: string | null;
  close(): Promise<void>;
}

export async function startObservability(config: Config, o: { db: Knex; repos: Repositories; engine?: Engine; withWeb: boolean }): Promise<Observability> {
  const engine = o.engine;
  const readiness: ReadinessCheck[] = [databaseCheck(o.db)];
  if (engine) readiness.push({ name: 'engine', check: () => engine.readiness() });
  const unwatch = [watchOutbox(o.repos.outbox)];
  const port = o.withWeb ? config.metrics.port : config.metrics.port ?? DEFAULT_METRICS_PORT;
  let server: MetricsServer | undefined;
  try {
    server = port === undefined ? undefined : await startMetricsServer({ host: config.metrics.host, port, readiness });
  } catch (err) {
    for (const u of unwatch) u();
    throw err;
  }
  return {
    readiness,
    addCheck: (check) => { readiness.push(check); },
    url: server?.url ?? null,
    close: async () => {
      for (const u of unwatch) u();
      await server?.close();
    },
  };
}
