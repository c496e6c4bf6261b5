// Process roles on a real PostgreSQL: two web processes (BRIDGE_ROLE=web)
// started at the same moment on an empty database both come up — the
// migrations and the demo seed take turns under the start-up lock, and the
// demo account exists once — serve the web app, bind no SIP port, and stop
// cleanly on SIGTERM; /readyz (the database) and /metrics answer on the web port.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import pg from 'pg';
import { closeTestDatabases, testPostgres } from '../support/db.ts';
import { startApp, type AppProcess } from '../support/app-process.ts';
import { DEMO } from '../../core/seed.ts';

after(closeTestDatabases);

async function udpFree(port: number): Promise<boolean> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    sock.once('error', () => { sock.close(); resolve(false); });
    sock.bind(port, '127.0.0.1', () => { sock.close(); resolve(true); });
  });
}

describe('BRIDGE_ROLE=web on PostgreSQL', () => {
  const apps: AppProcess[] = [];
  after(async () => { for (const a of apps) await a.stop(); });

  it('two web processes start together on an empty database, serve, open no SIP port, and stop cleanly', async () => {
    const cluster = await testPostgres();
    const url = await cluster.createDatabase(`roles${process.pid}`);
    const ports = [[17994, 17995], [17996, 17997]] as const;
    for (const [sip, web] of ports) {
      apps.push(startApp({ BRIDGE_ROLE: 'web', DATABASE_URL: url, BRIDGE_SEED_DEMO: 'true', BRIDGE_SIP_PORT: String(sip), BRIDGE_WEB_PORT: String(web) }));
    }
    await Promise.all(apps.map((a) => a.ready(60_000)));
    for (const [i, [sip, web]] of ports.entries()) {
      assert.match(apps[i]!.output(), /"role":"web"/);
      const res = await fetch(`http://127.0.0.1:${web}/`);
      assert.ok(res.status < 500, `web answers (${res.status})`);
      // The operator endpoints on the web port, without a session: ready is the database alone (no engine here).
      const ready = await fetch(`http://127.0.0.1:${web}/readyz`);
      assert.equal(ready.status, 200);
      assert.deepEqual((await ready.json() as { checks: Record<string, string> }).checks, { database: 'ok' });
      const metrics = await fetch(`http://127.0.0.1:${web}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /^bridge_db_query_seconds_count\{outcome="ok"\} [1-9]/m);
      assert.equal(await udpFree(sip), true, 'no SIP port bound');
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM accounts WHERE name = $1', [DEMO.accountName]);
      assert.equal(rows[0].n, 1, 'the demo account was seeded once');
    } finally {
      await client.end();
    }
    for (const a of apps.splice(0)) assert.equal(await a.stop(), 0, a.output());
  });
});
