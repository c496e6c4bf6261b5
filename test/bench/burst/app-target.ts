// `make run`'s app as the burst's target: `node --import tsx app/main.ts`
// (the embedded engine, the IVR, PGlite on disk, the CDR journal, the web and
// its scheduler, logging at info as it does by default), on the bench's
// ports, in a data folder prepared beforehand: the demo data seeded, the demo
// account made VIP and the demo room's limit raised to the burst's size (the
// app's own start-up seeding keeps both). What the bench reads back: each
// call's "call handled" log line (outcome, answer → joined, the keys it could
// not use), the process's CPU from /proc, and its main thread's event-loop
// delay from loop-probe.mjs (reset by SIGUSR2 when the callers start). Web on TCP 19605.
// The soak (test/bench/soak.ts) runs the same app on PostgreSQL (`databaseUrl`),
// on its own web port, with its rooms added by `prepare` before the app starts.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../../../core/db.ts';
import { DEMO, seedDemo } from '../../../core/seed.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface HandledCall {
  outcome: string;
  answerToJoinMs?: number;
  entryErrors?: { roomNotFound: number; noRoom: number; wrongPin: number; noPin: number };
}

export interface AppTarget {
  readonly pid: number;
  /** Marks the start of the burst: CPU is counted and the loop delay measured from here. */
  mark(): void;
  calls(): HandledCall[];
  /** CPU (user + system) since mark(), s. */
  cpuS(): number;
  /** Stops the app (SIGTERM, as make run's Ctrl-C) and returns its loop delay since mark(). */
  stop(): Promise<{ loopP99Ms: number; loopMaxMs: number }>;
}

function procCpuS(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100;
  } catch { return Number.NaN; }
}

export interface AppTargetOptions {
  dir: string;
  sipPort: number;
  rtpMin: number;
  rtpMax: number;
  maxParticipants: number;
  /** PostgreSQL instead of PGlite in `dir`. */
  databaseUrl?: string;
  /** Default 19605. */
  webPort?: number;
  /** Runs on the seeded database before the app starts (the demo account is VIP by then). */
  prepare?: (db: Knex, demoAccountId: string) => Promise<void>;
}

export async function startApp(o: AppTargetOptions): Promise<AppTarget> {
  const dataDir = join(o.dir, 'data');
  const db = await openDatabase(o.databaseUrl ? { databaseUrl: o.databaseUrl } : { dataDir: join(dataDir, 'pglite') });
  try {
    await seedDemo(db, { now: new Date() });
    const owner = await db('users').where({ username: DEMO.owner.username }).first('account_id');
    await db('accounts').where({ id: owner.account_id }).update({ tier: 'vip' });
    await db('rooms').where({ number: DEMO.room.number }).update({ max_participants: o.maxParticipants });
    await o.prepare?.(db, String(owner.account_id));
  } finally {
    await db.destroy();
  }
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', '--import', join(import.meta.dirname, 'loop-probe.mjs'), 'app/main.ts'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env, LOG_LEVEL: 'info', BRIDGE_DATA_DIR: dataDir, BRIDGE_SEED_DEMO: 'true', BRIDGE_CARRIER_ADDRESSES: '127.0.0.1',
      BRIDGE_SIP_HOST: '127.0.0.1', BRIDGE_SIP_PORT: String(o.sipPort), BRIDGE_RTP_HOST: '127.0.0.1',
      BRIDGE_RTP_PORT_MIN: String(o.rtpMin), BRIDGE_RTP_PORT_MAX: String(o.rtpMax), BRIDGE_WEB_HOST: '127.0.0.1', BRIDGE_WEB_PORT: String(o.webPort ?? 19605),
      ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
      BRIDGE_DRAIN_S: '0', // SIGTERM ends what is up at once (app/drain.ts)
    },
  });
  const calls: HandledCall[] = [];
  let partial = '';
  let tail = '';
  let probe = '';
  child.stdout!.on('data', (b: Buffer) => {
    if (process.env.BURST_APP_LOG) appendFileSync(process.env.BURST_APP_LOG, b);
    const lines = (partial + b.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"call handled"')) { if (!line.includes('"level":30')) tail = (tail + line + '\n').slice(-4000); continue; }
      try { calls.push(JSON.parse(line) as HandledCall); } catch { /* a torn line: not a call */ }
    }
  });
  child.stderr!.on('data', (b: Buffer) => { const s = b.toString(); tail = (tail + s).slice(-4000); if (s.includes('LOOP-PROBE')) probe += s; });
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  await new Promise<void>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`the app was not ready in 60 s:\n${tail}`)), 60_000);
    const check = (b: Buffer) => { if (b.toString().includes('bridge ready')) { clearTimeout(timer); child.stdout!.off('data', check); res(); } };
    child.stdout!.on('data', check);
    child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`the app exited (${code}) before it was ready:\n${tail}`)); });
  });
  let cpu0 = 0;
  return {
    pid: child.pid ?? -1,
    mark: () => { cpu0 = procCpuS(child.pid!); child.kill('SIGUSR2'); },
    calls: () => calls,
    cpuS: () => procCpuS(child.pid!) - cpu0,
    stop: async () => {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(t);
      const m = /LOOP-PROBE (\{.*\})/.exec(probe);
      const p = m ? JSON.parse(m[1]!) as { p99Ms: number; maxMs: number } : { p99Ms: Number.NaN, maxMs: Number.NaN };
      return { loopP99Ms: p.p99Ms, loopMaxMs: p.maxMs };
    },
  };
}
