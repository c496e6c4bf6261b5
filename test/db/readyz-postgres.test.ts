// /readyz follows the database: a bridge process (BRIDGE_ROLE=bridge) on a
// throw-away PostgreSQL answers 200 on its own metrics listener; when the
// server stops, /readyz turns 503 and names the database (the SIP socket and
// the media workers still ok), while /healthz stays 200 and /metrics is still
// served within its bound; when the server is back, /readyz is 200 again.
// Ports: SIP 17702, metrics 17752, RTP 42600–42699.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp, type AppProcess } from '../support/app-process.ts';
import { startTestPostgres, type TestPostgres } from '../support/postgres.ts';

const BASE = 'http://127.0.0.1:17752';
const dir = mkdtempSync(join(tmpdir(), 'readyz-'));
let pg: TestPostgres | undefined;
let app: AppProcess | undefined;
after(async () => {
  await app?.stop();
  await pg?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

interface Ready { ready: boolean; failing: string[]; checks: Record<string, string> }

async function readyz(): Promise<{ status: number; body: Ready }> {
  const res = await fetch(`${BASE}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json() as Ready };
}

/** Polls /readyz until it answers `status`; every answer is kept for the failure message. */
async function readyzUntil(status: number, timeoutMs: number): Promise<{ status: number; body: Ready; tookMs: number }> {
  const started = Date.now();
  const seen: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const r = await readyz();
    if (r.status === status) return { ...r, tookMs: Date.now() - started };
    seen.push(`${r.status} ${JSON.stringify(r.body.failing)}`);
    if (Date.now() - started > timeoutMs) break;
    await new Promise((res) => setTimeout(res, 250));
  }
  throw new Error(`/readyz never answered ${status} in ${timeoutMs} ms; saw ${seen.slice(-5).join(', ')}\n${app?.output().slice(-3000)}`);
}

test('/readyz: 503 naming the database while PostgreSQL is stopped, 200 again when it is back; /healthz 200 throughout', { timeout: 180_000 }, async () => {
  pg = await startTestPostgres();
  app = startApp({
    BRIDGE_ROLE: 'bridge', DATABASE_URL: pg.url, BRIDGE_DATA_DIR: join(dir, 'data'), BRIDGE_SEED_DEMO: 'true',
    BRIDGE_SIP_PORT: '17702', BRIDGE_METRICS_PORT: '17752', BRIDGE_RTP_PORT_MIN: '42600', BRIDGE_RTP_PORT_MAX: '42699', BRIDGE_MEDIA_WORKERS: '1',
  }, { killAfterMs: 170_000 });
  await app.ready(90_000);
  assert.match(app.output(), /"metrics":\["http:\/\/127\.0\.0\.1:17752\/metrics"\]/, 'the ready line names the metrics listener');

  const up = await readyz();
  assert.equal(up.status, 200, JSON.stringify(up.body));
  assert.deepEqual(up.body.checks, { database: 'ok', sip: 'ok', media: 'ok', draining: 'ok' });

  await pg.stop();
  const down = await readyzUntil(503, 20_000);
  console.log(`# /readyz 503 ${down.tookMs} ms after PostgreSQL stopped: ${JSON.stringify(down.body.checks)}`);
  assert.deepEqual(down.body.failing, ['database'], 'only the database is not ready');
  assert.equal(down.body.checks.sip, 'ok');
  assert.equal(down.body.checks.media, 'ok');
  const health = await fetch(`${BASE}/healthz`);
  assert.equal(health.status, 200, 'alive while not ready');
  const t0 = Date.now();
  const metrics = await fetch(`${BASE}/metrics`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(metrics.status, 200, '/metrics still served without the database');
  const scrapeMs = Date.now() - t0;
  assert.ok(scrapeMs < 5000, `a scrape without the database took ${scrapeMs} ms`);
  assert.match(await metrics.text(), /^bridge_calls_up\{direction="in"\} 0$/m, 'the engine\'s figures are there');

  await pg.start();
  const back = await readyzUntil(200, 60_000);
  console.log(`# /readyz 200 again ${back.tookMs} ms after PostgreSQL started`);
  assert.deepEqual(back.body.failing, []);
  assert.equal((await fetch(`${BASE}/healthz`)).status, 200);
  assert.equal(await app.stop(), 0, app.output().slice(-3000));
});
