// Kamailio (Debian's package) with the project's configuration
// (deploy/kamailio/kamailio.cfg) as a foreground child for tests: its listen
// socket, dispatcher list and limits given as -A defines, its run directory
// and pid file in a temporary folder, its log (stderr, -E) kept with the time
// each line arrived, "ready" once it answers an OPTIONS. Stopped by its PID.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const KAMAILIO_CFG = resolve(import.meta.dirname, '../../deploy/kamailio/kamailio.cfg');
const KAMAILIO_BIN = '/usr/sbin/kamailio';

export interface KamailioOptions {
  /** Address and UDP port Kamailio listens on. */
  listen: { host: string; port: number };
  /** The bridge nodes, host:port each (dispatcher set 1; written to a dispatcher.list in the temp folder)… */
  nodes?: string[];
  /** …or a dispatcher.list file of your own. */
  dispatcherList?: string;
  /** More -A defines (PIKE_DENSITY, DS_PING_S, …; see the cfg's header). */
  defines?: Record<string, string | number>;
  /** Kamailio's debug level (2 logs each INVITE's node and each BYE). */
  logLevel?: number;
}

export interface LogLine { at: number; line: string }

export interface KamailioProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Every log line, with the epoch ms it arrived. */
  readonly lines: LogLine[];
  output(): string;
  /** Resolves once Kamailio answers an OPTIONS for itself with 200; rejects if it exits first or after `timeoutMs`. */
  ready(timeoutMs?: number): Promise<void>;
  /** The first line at or after `since` matching `re` (bounded wait). */
  waitForLine(re: RegExp, since: number, timeoutMs: number): Promise<LogLine>;
  /** SIGTERM to its PID (SIGKILL after 5 s); resolves with the exit code; removes its temp folder. */
  stop(): Promise<number | null>;
}

export function startKamailio(o: KamailioOptions): KamailioProcess {
  const dir = mkdtempSync(join(tmpdir(), 'kamailio-'));
  let list = o.dispatcherList;
  if (!list) {
    if (!o.nodes?.length) throw new Error('startKamailio: give nodes or a dispatcherList');
    list = join(dir, 'dispatcher.list');
    writeFileSync(list, o.nodes.map((n) => `1 sip:${n}\n`).join(''));
  }
  const defines: Record<string, string | number> = {
    LISTEN: `udp:${o.listen.host}:${o.listen.port}`,
    DISPATCHER_LIST: `"${list}"`,
    LOG_LEVEL: o.logLevel ?? 2,
    ...o.defines,
  };
  const args = ['-DD', '-E', '-f', KAMAILIO_CFG, '-Y', dir, '-P', join(dir, 'kamailio.pid'), '-m', '64', '-M', '8'];
  for (const [k, v] of Object.entries(defines)) args.push('-A', `${k}=${v}`);
  const child = spawn(KAMAILIO_BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  let partial = '';
  const onData = (b: Buffer) => {
    const now = Date.now();
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) if (lines.length < 200_000) lines.push({ at: now, line });
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  let gone = false;
  void exited.then(() => { gone = true; });
  const output = () => lines.map((l) => l.line).join('\n');
  return {
    pid: child.pid ?? -1,
    child, lines, output,
    async ready(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (let i = 1; ; i++) {
        if (gone) throw new Error(`kamailio exited before it was ready:\n${output().slice(-4000)}`);
        if (await optionsAnswered(o.listen.host, o.listen.port, i)) return;
        if (Date.now() > deadline) throw new Error(`kamailio did not answer OPTIONS within ${timeoutMs} ms:\n${output().slice(-4000)}`);
      }
    },
    async waitForLine(re, since, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = lines.find((l) => l.at >= since && re.test(l.line));
        if (hit) return hit;
        if (gone) throw new Error(`kamailio exited while waiting for ${re}`);
        if (Date.now() > deadline) throw new Error(`no kamailio log line ${re} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => { if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL'); }, 5000);
      const code = await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
      return code;
    },
  };
}

/** One OPTIONS to Kamailio itself from an ephemeral port on `host`: true when a 200 comes back within 300 ms. */
function optionsAnswered(host: string, port: number, n: number): Promise<boolean> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolveAnswer) => {
    const done = (ok: boolean) => { clearTimeout(timer); sock.close(); resolveAnswer(ok); };
    const timer = setTimeout(() => done(false), 300);
    sock.on('message', (m) => { if (/^SIP\/2\.0 200 /.test(m.toString())) done(true); });
    sock.on('error', () => done(false));
    sock.bind(0, host, () => {
      const { port: local } = sock.address();
      const msg = [
        `OPTIONS sip:${host}:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP ${host}:${local};branch=z9hG4bKready${process.pid}x${n};rport`,
        `From: <sip:ready@${host}:${local}>;tag=r${n}`,
        `To: <sip:${host}:${port}>`,
        `Call-ID: ready-${process.pid}-${n}`,
        'CSeq: 1 OPTIONS',
        'Max-Forwards: 70',
        'Content-Length: 0', '', '',
      ].join('\r\n');
      sock.send(msg, port, host);
    });
  });
}
