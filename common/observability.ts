// The three operator endpoints, for any HTTP server of the process (the web
// app, or the bridge role's own listener): /metrics (Prometheus text from the
// registry of common/metrics.ts), /healthz (alive: answered by the event loop
// itself, nothing else asked) and /readyz (200 only when every readiness
// check passes within its bound; 503 with a JSON body naming what is not
// ready). No login, no session, no CSRF: they are read by machines, and they
// disclose figures only (bind them to a private address, or filter them at a
// proxy, where that matters).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectProcessMetrics, registry } from './metrics.ts';
import { moduleLogger } from './log.ts';

const log = moduleLogger('observability');

/** How long one readiness check may take before it counts as not ready. */
export const CHECK_TIMEOUT_MS = 1500;

/** One thing the process needs to serve: true, a reason it cannot, or several named parts (the engine: SIP, media). */
export interface ReadinessCheck {
  name: string;
  check(): Promise<true | string | Record<string, true | string>>;
}

export interface Readiness {
  ready: boolean;
  /** The names of what is not ready. */
  failing: string[];
  /** Every part: 'ok' or the reason it is not ready. */
  checks: Record<string, string>;
}

/** Runs the checks side by side, each within `timeoutMs`; a check that throws or is late is not ready. */
export async function checkReadiness(checks: readonly ReadinessCheck[], timeoutMs = CHECK_TIMEOUT_MS): Promise<Readiness> {
  const results = await Promise.all(checks.map((c) => bounded(c, timeoutMs)));
  const parts: Record<string, string> = {};
  checks.forEach((c, i) => {
    const r = results[i]!;
    if (typeof r === 'object') for (const [k, v] of Object.entries(r)) parts[k] = v === true ? 'ok' : v;
    else parts[c.name] = r === true ? 'ok' : r;
  });
  const failing = Object.keys(parts).filter((k) => parts[k] !== 'ok');
  return { ready: failing.length === 0, failing, checks: parts };
}

async function bounded(c: ReadinessCheck, timeoutMs: number): Promise<true | string | Record<string, true | string>> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      c.check(),
      new Promise<string>((resolve) => { timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs); }),
    ]);
  } catch (err) {
    return (err as Error).message || String(err);
  } finally {
    clearTimeout(timer);
  }
}

export const OBSERVABILITY_PATHS = ['/metrics', '/healthz', '/readyz'] as const;

/**
 * A request handler for the three paths (GET and HEAD); returns false for any
 * other request, which the caller then serves itself.
 */
export function observabilityHandler(checks: readonly ReadinessCheck[]): (req: IncomingMessage, res: ServerResponse) => boolean {
  collectProcessMetrics();
  return (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (!(OBSERVABILITY_PATHS as readonly string[]).includes(path ?? '')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, 'application/json', JSON.stringify({ error: 'method_not_allowed' }), { Allow: 'GET, HEAD' });
      return true;
    }
    if (path === '/healthz') send(res, 200, 'application/json', JSON.stringify({ status: 'alive' }));
    else if (path === '/readyz') void readyz(checks, res);
    else void metrics(res);
    return true;
  };
}

async function readyz(checks: readonly ReadinessCheck[], res: ServerResponse): Promise<void> {
  const r = await checkReadiness(checks);
  if (!r.ready) log.debug({ failing: r.failing }, 'not ready');
  send(res, r.ready ? 200 : 503, 'application/json', JSON.stringify(r));
}

async function metrics(res: ServerResponse): Promise<void> {
  try {
    send(res, 200, registry.contentType, await registry.metrics());
  } catch (err) {
    log.error({ err }, 'metrics collection failed');
    send(res, 500, 'text/plain; charset=utf-8', 'metrics collection failed\n');
  }
}

function send(res: ServerResponse, status: number, type: string, body: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}
