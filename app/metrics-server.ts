// The operator endpoints (/metrics, /healthz, /readyz: common/observability.ts)
// on a small HTTP listener of their own, for a process without the web app
// (BRIDGE_ROLE=bridge), or beside it when BRIDGE_METRICS_PORT is set. Serves
// nothing else (404), and keeps its connections short.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { moduleLogger } from '../common/log.ts';
import { observabilityHandler, type ReadinessCheck } from '../common/observability.ts';

const log = moduleLogger('app', { part: 'metrics-server' });

/** The bridge role's port when none is configured (the usual port of a Prometheus exporter). */
export const DEFAULT_METRICS_PORT = 9464;

export interface MetricsServer { url: string; close(): Promise<void> }

export async function startMetricsServer(o: { host: string; port: number; readiness: readonly ReadinessCheck[] }): Promise<MetricsServer> {
  const handle = observabilityHandler(o.readiness);
  const server = createServer((req, res) => {
    if (handle(req, res)) return;
    res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'not_found', paths: ['/metrics', '/healthz', '/readyz'] }));
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => { server.off('error', reject); resolve(); });
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
  log.info({ url }, 'metrics listening');
  let closed: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 1000).unref();
      });
      return closed;
    },
  };
}
