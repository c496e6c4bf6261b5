// A throw-away PostgreSQL cluster for tests: initdb into a temp directory,
// postgres on a free 127.0.0.1 port with its socket in that directory.
// As root the server runs as the `postgres` OS user. Stop/start keep the
// data (the journal test takes the server away mid-test); destroy removes it.
// If PostgreSQL is not installed this throws — tests fail, they never skip.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPostgres {
  /** postgres://… URL of the test database. */
  readonly url: string;
  readonly port: number;
  /** A URL for another database of the same cluster. */
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  /** Fast shutdown; resolves when the server process has exited. */
  stop(): Promise<void>;
  /** Start again on the same port and data; resolves when it accepts connections. */
  start(): Promise<void>;
  /** Stop and remove the data directory. */
  destroy(): Promise<void>;
}

export function findPostgresBinDir(): string {
  const candidates: string[] = [];
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim());
  } catch { /* pg_config absent: look in the Debian layout */ }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(join(debian, v, 'bin'));
  }
  for (const dir of candidates) {
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) return dir;
  }
  throw new Error('PostgreSQL server binaries (initdb, postgres) not found: install the Debian package '
    + '`postgresql` (make system-deps does) — the database tests need a real server.');
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

function ids(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = execFileSync('getent', ['passwd', 'postgres'], { encoding: 'utf8' }).trim();
  const [, , uid, gid] = line.split(':');
  if (!uid || !gid) throw new Error('running as root but no `postgres` OS user to run the server as');
  return { uid: Number(uid), gid: Number(gid) };
}

async function waitFor(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); res(true); });
    s.once('error', () => res(false));
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const bin = findPostgresBinDir();
  const owner = ids();
  const base = mkdtempSync(join(tmpdir(), 'bridge-pg-'));
  const dataDir = join(base, 'data');
  if (owner) chownSync(base, owner.uid, owner.gid);
  execFileSync(join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--locale=C.UTF-8'],
    { stdio: 'pipe', cwd: base, ...(owner ?? {}) });
  const port = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let stderr = '';

  const start = async (): Promise<void> => {
    if (child) return;
    stderr = '';
    const proc = spawn(join(bin, 'postgres'), [
      '-D', dataDir, '-p', String(port), '-k', base, '-c', 'listen_addresses=127.0.0.1',
      '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=50',
    ], { stdio: ['ignore', 'ignore', 'pipe'], cwd: base, ...(owner ?? {}) });
    child = proc;
    proc.stderr?.on('data', (b: Buffer) => { if (stderr.length < 20_000) stderr += b.toString(); });
    exited = new Promise((res) => proc.once('exit', () => { if (child === proc) child = undefined; res(); }));
    try {
      await waitFor(async () => {
        if (child !== proc) throw new Error(`postgres exited at start-up: ${stderr}`);
        // Port open is not enough: wait until it takes queries (not "starting up").
        if (!(await tcpOpen(port))) return false;
        try {
          execFileSync(join(bin, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'], { stdio: 'ignore' });
          return true;
        } catch { return false; }
      }, 20_000, `postgres on port ${port}`);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    if (!proc) return;
    proc.kill('SIGINT'); // fast shutdown: disconnects clients, checkpoints
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };

  const urlFor = (database: string): string => `postgres://postgres@127.0.0.1:${port}/${database}`;

  const createDatabase = async (name: string): Promise<string> => {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
    execFileSync(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'postgres',
      '-v', 'ON_ERROR_STOP=1', '-q', '-c', `CREATE DATABASE ${name}`], { stdio: 'pipe' });
    return urlFor(name);
  };

  await start();
  const url = await createDatabase('bridge_test');
  return {
    url, port, urlFor, createDatabase, stop, start,
    destroy: async () => {
      await stop();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
