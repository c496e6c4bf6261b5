// The product's process on a throw-away PostgreSQL for the fault tests
// (test/wire/fault-*.test.ts): the cluster, the app (app/main.ts via
// startApp) with the demo data on it, a knex handle of the test's own to read
// the CDRs, and polling helpers. Ends only what it started: the app by its
// child process, PostgreSQL through its own stop().
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import knex from 'knex';
import { startApp, type AppProcess } from './app-process.ts';
import { startTestPostgres, type TestPostgres } from './postgres.ts';

export interface FaultAppPorts { sip: number; web: number; rtpMin: number; rtpMax: number }

export interface FaultStack {
  pg: TestPostgres;
  databaseUrl: string;
  dataDir: string;
  /** The test's own connection (not the app's), for reading call_legs. */
  db: Knex;
  app: AppProcess;
  /** Starts the app again on the same database and data dir (after a kill). */
  restart(extraEnv?: Record<string, string>): Promise<AppProcess>;
  close(): Promise<void>;
}

export async function startFaultStack(ports: FaultAppPorts, extraEnv: Record<string, string> = {}): Promise<FaultStack> {
  const pg = await startTestPostgres();
  const databaseUrl = await pg.createDatabase('faults');
  const dataDir = mkdtempSync(join(tmpdir(), 'fault-app-'));
  const env = (): Record<string, string> => ({
    DATABASE_URL: databaseUrl, BRIDGE_DATA_DIR: dataDir, BRIDGE_SEED_DEMO: 'true', BRIDGE_NODE_ID: 'fault-node',
    BRIDGE_SIP_PORT: String(ports.sip), BRIDGE_SIP_TRANSPORTS: 'udp', BRIDGE_WEB_PORT: String(ports.web),
    BRIDGE_RTP_PORT_MIN: String(ports.rtpMin), BRIDGE_RTP_PORT_MAX: String(ports.rtpMax), BRIDGE_MEDIA_WORKERS: '1',
    LOG_LEVEL: 'info', ...extraEnv,
  });
  const launch = async (more: Record<string, string> = {}): Promise<AppProcess> => {
    const app = startApp({ ...env(), ...more }, { killAfterMs: 300_000 });
    await app.ready(60_000);
    return app;
  };
  const stack: FaultStack = {
    pg, databaseUrl, dataDir,
    db: knex({ client: 'pg', connection: databaseUrl, pool: { min: 0, max: 2 }, acquireConnectionTimeout: 5_000 }),
    app: await launch(),
    async restart(more = {}) { stack.app = await launch(more); return stack.app; },
    async close() {
      await stack.app.stop();
      await stack.db.destroy();
      await pg.destroy();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** Polls `cond` every 100 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function eventually<T>(cond: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await cond();
      if (v !== undefined && v !== false) return v;
    } catch (err) { last = err; }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
}

export interface LegRow { id: string; state: string; q850_cause: number | null; role: string | null; caller: string; closed_by_recovery: boolean; ended_at: Date | null }

export async function legRows(db: Knex): Promise<LegRow[]> {
  return db('call_legs').select('id', 'state', 'q850_cause', 'role', 'caller', 'closed_by_recovery', 'ended_at').orderBy('started_at') as Promise<LegRow[]>;
}
