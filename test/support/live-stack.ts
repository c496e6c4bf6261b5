// The whole product for the live console's end-to-end tests, two ways:
//   inProcessStack — the IVR on the embedded engine and the web app in the
//     test's process over one in-memory PGlite, joined by a LocalLiveBus
//     (what `make run` does);
//   twoProcessStack — `app/main.ts` twice on a throw-away PostgreSQL: one
//     process with BRIDGE_ROLE=bridge (engine + IVR), one with
//     BRIDGE_ROLE=web, the live seam between them through the database.
// Either way the test gets the web's URL, the SIP port to dial, and
// repositories on the same database to set up rooms and read CDRs back.
// The test's callers all come from 127.0.0.1, set as the carrier's address:
// the PIN lockout counts their wrong PINs per number only.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { DEMO, seedDemo } from '../../core/seed.ts';
import { startWebServer } from '../../web/server.ts';
import { IvrBridge } from './ivr-bridge.ts';
import { startTestPostgres } from './postgres.ts';

const ROOT = resolve(import.meta.dirname, '../..');

export interface LiveStack {
  readonly kind: 'one process' | 'two processes';
  readonly webUrl: string;
  readonly sipPort: number;
  readonly db: Knex;
  readonly repos: Repositories;
  readonly accountId: string;
  close(): Promise<void>;
}

export interface StackPorts {
  sipPort: number;
  rtpMin: number;
  rtpMax: number;
  /** The operator *0 calls (a sipp UAS in the test). */
  operatorTarget: string;
}

export async function inProcessStack(p: StackPorts): Promise<LiveStack> {
  const db = await openDatabase({ inMemory: true });
  const repos = createRepositories(db, { defaultRegion: 'CN' });
  const seed = await seedDemo(db, { now: new Date() });
  const bridge = await IvrBridge.start({
    sipPort: p.sipPort, rtpMin: p.rtpMin, rtpMax: p.rtpMax, workers: 2,
    existing: { db, repos, seed }, config: { operatorTarget: p.operatorTarget, pinLockout: { carrierAddresses: ['127.0.0.1'] } },
  });
  const live = new LocalLiveBus(bridge.ivr.live);
  const web = await startWebServer({ repos, live, host: '127.0.0.1', port: 0, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 1000 } });
  return {
    kind: 'one process', webUrl: web.url, sipPort: p.sipPort, db, repos, accountId: seed.accountId,
    close: async () => {
      await web.close();
      await live.close();
      await bridge.close();
      await db.destroy();
    },
  };
}

interface AppProcess { child: ChildProcess; output: () => string; stop(): Promise<void> }

/** `node --import tsx app/main.ts` with `env`; resolves once its log says `ready` (bounded). */
async function startApp(name: string, env: Record<string, string>, ready: RegExp, timeoutMs = 60_000): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (b: Buffer) => { if (out.length < 400_000) out += b.toString(); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${name} not ready in ${timeoutMs} ms:\n${out.slice(-4000)}`)), timeoutMs);
    const check = () => { if (ready.test(out)) { clearTimeout(timer); res(); } };
    child.stdout?.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`${name} exited (${code}) before ready:\n${out.slice(-4000)}`)); });
  });
  return {
    child, output: () => out,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export async function twoProcessStack(p: StackPorts & { webPort: number }): Promise<LiveStack & { bridgeLog(): string; webLog(): string }> {
  const pg = await startTestPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'live-two-'));
  const common = { DATABASE_URL: pg.url, BRIDGE_DEFAULT_REGION: 'CN' };
  let bridge: AppProcess | undefined;
  let web: AppProcess | undefined;
  let db: Knex | undefined;
  try {
    bridge = await startApp('bridge', {
      ...common, BRIDGE_ROLE: 'bridge', BRIDGE_NODE_ID: 'node-a', BRIDGE_SEED_DEMO: 'true', BRIDGE_DATA_DIR: join(dir, 'bridge'),
      BRIDGE_SIP_HOST: '127.0.0.1', BRIDGE_SIP_PORT: String(p.sipPort), BRIDGE_RTP_HOST: '127.0.0.1',
      BRIDGE_RTP_PORT_MIN: String(p.rtpMin), BRIDGE_RTP_PORT_MAX: String(p.rtpMax), BRIDGE_MEDIA_WORKERS: '2', BRIDGE_OPERATOR: p.operatorTarget,
      BRIDGE_DRAIN_S: '0', // stop() ends what is up at once (app/drain.ts), as before the drain
      BRIDGE_CARRIER_ADDRESSES: '127.0.0.1', BRIDGE_METRICS_PORT: '0',
    }, /bridge ready/);
    web = await startApp('web', {
      ...common, BRIDGE_ROLE: 'web', BRIDGE_NODE_ID: 'web-1', BRIDGE_SEED_DEMO: 'false', BRIDGE_DATA_DIR: join(dir, 'web'),
      BRIDGE_WEB_HOST: '127.0.0.1', BRIDGE_WEB_PORT: String(p.webPort), BRIDGE_WEB_SECURE_COOKIES: 'false',
    }, /web app listening/);
    db = await openDatabase({ databaseUrl: pg.url, migrate: false });
    const repos = createRepositories(db, { defaultRegion: 'CN' });
    const owner = await db('users').where({ username: DEMO.owner.username }).first('account_id');
    const [b, w, d] = [bridge, web, db];
    return {
      kind: 'two processes', webUrl: `http://127.0.0.1:${p.webPort}`, sipPort: p.sipPort, db: d, repos, accountId: String(owner.account_id),
      bridgeLog: () => b.output(), webLog: () => w.output(),
      close: async () => {
        await w.stop();
        await b.stop();
        await d.destroy();
        await pg.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await web?.stop();
    await bridge?.stop();
    await db?.destroy();
    await pg.destroy();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
