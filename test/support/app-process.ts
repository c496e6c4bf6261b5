// The product's process (app/main.ts, what `npm start` runs) as a child for
// tests of the roles: its output gathered, "bridge ready" awaited, stopped
// with SIGTERM, killed after a bound. Ends only the process it started.
import { spawn, type ChildProcess } from 'node:child_process';

const root = new URL('../..', import.meta.url).pathname;

export interface AppProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /** Resolves once the process logged "bridge ready"; rejects if it exits first or after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function startApp(env: Record<string, string>, opts: { killAfterMs?: number } = {}): AppProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: root,
    // BRIDGE_METRICS_PORT 0: the bridge role's own metrics listener on a free port, never the fixed default that parallel tests would share.
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', BRIDGE_SEED_DEMO: 'false', BRIDGE_METRICS_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 60_000);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { clearTimeout(killer); resolve(code); }));
  return {
    child, exited,
    output: () => out,
    ready: async (timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      let gone = false;
      void exited.then(() => { gone = true; });
      while (!/"msg":"bridge ready"/.test(out)) {
        if (gone) throw new Error(`the process exited before it was ready:\n${out}`);
        if (Date.now() > deadline) throw new Error(`not ready after ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
