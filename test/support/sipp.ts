// A small typed runner for sipp (Debian's sip-tester) as a real SIP peer:
// start a scenario with ports and keys, await its exit code, collect its
// error log and call counts. Traffic stays on 127.0.0.x (Linux routes all of
// 127/8 to lo: a caller from 127.0.0.2 is another source address).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';

export const SCENARIOS = resolve(import.meta.dirname, '../wire/scenarios');

export interface SippOptions {
  /** Scenario file (absolute, or a name in test/wire/scenarios), or a built-in (`-sn uac`). */
  scenario: string;
  builtin?: boolean;
  /** host:port of the bridge (omit for a UAS that only listens). */
  remote?: string;
  /** sipp's own SIP port. */
  localPort: number;
  /** sipp's address for SIP and media (-i, -mi); default 127.0.0.1. */
  localIp?: string;
  /** sipp's media port (used in SDP, [media_port]). */
  mediaPort?: number;
  transport?: 'udp' | 'tcp';
  /** Request-URI user ([service]). */
  service?: string;
  calls?: number;
  /** Calls per second. */
  rate?: number;
  /** Concurrent call limit. */
  limit?: number;
  /** Default pause / call duration, ms (-d). */
  durationMs?: number;
  keys?: Record<string, string>;
  /** Give up after this many seconds (-timeout); default 60. */
  timeoutS?: number;
  /** Fail a call when its next expected message does not come within this (ms); default 15000. */
  recvTimeoutMs?: number;
  extraArgs?: string[];
  /** Working directory for sipp's logs (a fresh temp dir by default). */
  dir?: string;
}

export interface SippResult {
  /** sipp's exit code: 0 all calls succeeded, 1 some failed, 97 stopped by -timeout, 99 no call, 255 fatal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  successful: number;
  failed: number;
  /** The *_errors.log content ('' when none). */
  errors: string;
  stdout: string;
  stderr: string;
  dir: string;
  /** Human summary for assertion messages. */
  summary: string;
}

export interface SippRun {
  readonly pid: number;
  readonly done: Promise<SippResult>;
  /** Ends this sipp (SIGUSR1 asks it to finish calls; SIGKILL after graceMs). */
  stop(graceMs?: number): Promise<SippResult>;
}

function buildArgs(o: SippOptions): string[] {
  const a: string[] = [];
  if (o.remote) a.push(o.remote);
  if (o.builtin) a.push('-sn', o.scenario);
  else a.push('-sf', o.scenario.includes('/') ? o.scenario : join(SCENARIOS, o.scenario));
  const ip = o.localIp ?? '127.0.0.1';
  a.push('-i', ip, '-mi', ip, '-p', String(o.localPort));
  if (o.mediaPort !== undefined) a.push('-mp', String(o.mediaPort));
  a.push('-t', o.transport === 'tcp' ? 't1' : 'u1');
  if (o.service) a.push('-s', o.service);
  if (o.calls !== undefined) a.push('-m', String(o.calls));
  if (o.rate !== undefined) a.push('-r', String(o.rate));
  if (o.limit !== undefined) a.push('-l', String(o.limit));
  if (o.durationMs !== undefined) a.push('-d', String(o.durationMs));
  for (const [k, v] of Object.entries(o.keys ?? {})) a.push('-key', k, v);
  a.push('-nostdin', '-timeout', `${o.timeoutS ?? 60}s`, '-recv_timeout', String(o.recvTimeoutMs ?? 15000));
  a.push('-trace_err', '-trace_screen', '-max_socket', '2000');
  a.push(...(o.extraArgs ?? []));
  return a;
}

function readLog(dir: string, suffix: string): string {
  try {
    return readdirSync(dir).filter((f) => f.endsWith(suffix)).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  } catch {
    return '';
  }
}

/** "Successful call" / "Failed call" counters from the screen dump sipp writes at exit. */
function counter(screen: string, label: string): number {
  const lines = screen.split('\n').filter((l) => l.trimStart().startsWith(label));
  const last = lines.at(-1);
  if (!last) return 0;
  const nums = last.split('|').map((s) => s.trim()).filter((s) => /^\d+$/.test(s)).map(Number);
  return nums.at(-1) ?? 0;
}

export function startSipp(o: SippOptions): SippRun {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'sipp-'));
  const args = buildArgs(o);
  const child: ChildProcess = spawn('sipp', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { if (stdout.length < 200_000) stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { if (stderr.length < 200_000) stderr += d.toString(); });
  const done = new Promise<SippResult>((resolveDone) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      const screen = readLog(dir, '_screen.log');
      const errors = readLog(dir, '_errors.log');
      const successful = counter(screen, 'Successful call');
      const failed = counter(screen, 'Failed call');
      const summary = `sipp ${basename(o.scenario)} exit ${code ?? signal}: ${successful} ok, ${failed} failed\n` +
        `${errors.slice(0, 3000)}\n${stderr.slice(0, 2000)}`;
      // A clean run leaves nothing behind; a failed one keeps its logs (the path is in the summary).
      if (code === 0 && !o.dir) rmSync(dir, { recursive: true, force: true });
      resolveDone({ code, signal, successful, failed, errors, stdout, stderr, dir, summary: `${summary}\nlogs: ${dir}` });
    };
    child.once('error', (err) => { stderr += String(err); finish(255, null); });
    child.once('exit', finish);
  });
  return {
    pid: child.pid ?? -1,
    done,
    async stop(graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGUSR1');
        const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const r = await done;
        clearTimeout(t);
        return r;
      }
      return done;
    },
  };
}

/** Runs sipp to completion; never longer than its -timeout plus a margin. */
export async function runSipp(o: SippOptions): Promise<SippResult> {
  const run = startSipp(o);
  const limitMs = ((o.timeoutS ?? 60) + 10) * 1000;
  const timer = setTimeout(() => { void run.stop(1000); }, limitMs);
  try {
    return await run.done;
  } finally {
    clearTimeout(timer);
  }
}
