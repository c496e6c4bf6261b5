// The operator endpoints (common/observability.ts) on the bridge role's own
// listener (app/metrics-server.ts), over real HTTP on 127.0.0.1:17760:
// /healthz alive, /readyz 200 only when every check passes and 503 naming
// what does not (a check that fails, throws or hangs past its bound), and
// /metrics in Prometheus text with our metrics and the process's event-loop
// lag; other methods 405, other paths 404.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { checkReadiness, type ReadinessCheck } from '../../common/observability.ts';
import { counter } from '../../common/metrics.ts';
import { startMetricsServer } from '../../app/metrics-server.ts';

test('checkReadiness: all parts named; failing, throwing and hanging checks are not ready, within the bound', async () => {
  const checks: ReadinessCheck[] = [
    { name: 'database', check: async () => true },
    { name: 'engine', check: async () => ({ sip: true, media: '0 of 1 media workers answered' }) },
    { name: 'thrower', check: async () => { throw new Error('boom'); } },
    { name: 'hang', check: () => new Promise(() => undefined) },
  ];
  const started = Date.now();
  const r = await checkReadiness(checks, 200);
  assert.ok(Date.now() - started < 1500, 'bounded by the timeout');
  assert.equal(r.ready, false);
  assert.deepEqual(r.failing.sort(), ['hang', 'media', 'thrower']);
  assert.equal(r.checks.database, 'ok');
  assert.equal(r.checks.sip, 'ok');
  assert.equal(r.checks.thrower, 'boom');
  assert.match(r.checks.hang!, /no answer within 200 ms/);
  assert.deepEqual(await checkReadiness([{ name: 'database', check: async () => true }]), { ready: true, failing: [], checks: { database: 'ok' } });
});

let dbUp = true;
const server = await startMetricsServer({
  host: '127.0.0.1', port: 17760,
  readiness: [{ name: 'database', check: async () => (dbUp ? true : 'the database does not answer: connection refused') }],
});
after(() => server.close());
const probe = counter({ name: 'bridge_test_probe_total', help: 'a counter of this test' });

test('/healthz 200, /readyz 200 then 503 naming the database, /metrics in Prometheus text', async () => {
  assert.equal(server.url, 'http://127.0.0.1:17760');
  let res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: 'alive' });

  res = await fetch(`${server.url}/readyz`);
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { ready: boolean }).ready, true);
  dbUp = false;
  res = await fetch(`${server.url}/readyz`);
  assert.equal(res.status, 503);
  const body = await res.json() as { ready: boolean; failing: string[]; checks: Record<string, string> };
  assert.deepEqual(body.failing, ['database']);
  assert.match(body.checks.database!, /does not answer/);
  res = await fetch(`${server.url}/healthz`);
  assert.equal(res.status, 200, 'alive while not ready');
  dbUp = true;

  probe.inc(3);
  res = await fetch(`${server.url}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  assert.match(text, /^# TYPE bridge_test_probe_total counter$/m);
  assert.match(text, /^bridge_test_probe_total 3$/m);
  assert.match(text, /^nodejs_eventloop_lag_p99_seconds \d/m, 'event-loop lag from the default metrics');
  assert.match(text, /^process_resident_memory_bytes \d/m);
});

test('other methods 405, other paths 404, HEAD without a body', async () => {
  let res = await fetch(`${server.url}/metrics`, { method: 'POST' });
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'GET, HEAD');
  res = await fetch(`${server.url}/admin`);
  assert.equal(res.status, 404);
  res = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), '');
});
