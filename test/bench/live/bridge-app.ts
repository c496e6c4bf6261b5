// The bridge under test for the live-console bench: `make run`'s process
// (app/main.ts: the embedded engine, the IVR, the web on one LocalLiveBus)
// started as a child with its own ports and a throw-away data folder, so its
// CPU and memory are its own. Ready once the web answers and SIP answers an
// OPTIONS; CPU and RSS read from /proc (every thread of the process: main
// and media workers); stopped by its PID (SIGTERM, SIGKILL after a grace).
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface BridgeAppPorts {
  sip: number;
  web: number;
  rtpMin: number;
  rtpMax: number;
}

export interface CpuSample { at: number; ticks: number }

const ROOT = resolve(import.meta.dirname, '../../..');
/** Clock ticks per second of /proc/PID/stat (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

export class BridgeApp {
  private log = '';

  private constructor(readonly child: ChildProcess, readonly ports: BridgeAppPorts, readonly dataDir: string) {
    const keep = (d: Buffer) => { this.log = (this.log + d.toString()).slice(-20_000); };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number { return this.child.pid ?? -1; }
  get webUrl(): string { return `http://127.0.0.1:${this.ports.web}`; }
  /** The last lines it wrote (warnings and errors: it runs at LOG_LEVEL=warn). */
  get recentLog(): string { return this.log; }

  /** `logFile`: also write everything the process prints there (with `logLevel`, default warn); `profileDir`: a CPU profile there at exit. */
  static async start(ports: BridgeAppPorts, opts: { logLevel?: string; logFile?: string; profileDir?: string; timeoutMs?: number } = {}): Promise<BridgeApp> {
    const timeoutMs = opts.timeoutMs ?? 90_000;
    const dataDir = mkdtempSync(join(tmpdir(), 'live-bench-'));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      BRIDGE_SIP_HOST: '127.0.0.1', BRIDGE_SIP_PORT: String(ports.sip), BRIDGE_SIP_TRANSPORTS: 'udp',
      BRIDGE_RTP_HOST: '127.0.0.1', BRIDGE_RTP_PORT_MIN: String(ports.rtpMin), BRIDGE_RTP_PORT_MAX: String(ports.rtpMax),
      BRIDGE_WEB_HOST: '127.0.0.1', BRIDGE_WEB_PORT: String(ports.web), BRIDGE_WEB_SECURE_COOKIES: 'false',
      BRIDGE_DATA_DIR: dataDir, BRIDGE_SEED_DEMO: 'true', LOG_LEVEL: opts.logLevel ?? 'warn',
      // Every sipp caller comes from 127.0.0.1, as through a carrier: a misread PIN counts against its number, never the address.
      BRIDGE_CARRIER_ADDRESSES: '127.0.0.1',
    };
    delete env.DATABASE_URL; // the embedded PGlite in the temp folder, whatever the caller's shell says
    delete env.BRIDGE_CONFIG;
    const prof = opts.profileDir ? ['--cpu-prof', '--cpu-prof-dir', opts.profileDir] : [];
    const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'app/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const app = new BridgeApp(child, ports, dataDir);
    if (opts.logFile) {
      const file = createWriteStream(opts.logFile);
      child.stdout?.pipe(file);
      child.stderr?.pipe(file);
    }
    try {
      await app.waitReady(timeoutMs);
    } catch (err) {
      await app.stop();
      throw new Error(`${(err as Error).message}\n${app.recentLog.slice(-3000)}`);
    }
    return app;
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    this.child.once('exit', () => { exited = true; });
    for (let i = 0; i < 1000; i++) {
      if (exited) throw new Error('the bridge exited during start-up');
      if (Date.now() > deadline) throw new Error(`the bridge was not ready within ${timeoutMs} ms`);
      const web = await fetch(`${this.webUrl}/api/auth/csrf`).then((r) => r.ok, () => false);
      if (web && await sipAnswers(this.ports.sip, 300)) return;
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error('the bridge was not ready');
  }

  /** CPU ticks (user + system, every thread) so far. */
  cpu(): CpuSample { return cpuOf(this.pid); }

  /** Resident memory now and its peak, MB. */
  memory(): { rssMb: number; peakMb: number } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  }

  /** SIGTERM (the app hangs up its calls and closes), SIGKILL after `graceMs`; removes the data folder. */
  async stop(graceMs = 15_000): Promise<void> {
    const child = this.child;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    }
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** CPU ticks (user + system, every thread) of a process so far; zero ticks once it is gone. */
export function cpuOf(pid: number): CpuSample {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { at: performance.now(), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return { at: performance.now(), ticks: NaN };
  }
}

/** % of one core between two samples. */
export function cpuPct(a: CpuSample, b: CpuSample): number {
  return (((b.ticks - a.ticks) / USER_HZ) * 1000 / Math.max(1, b.at - a.at)) * 100;
}

/** Does a SIP UDP server answer an OPTIONS on 127.0.0.1:port within `ms`? */
export async function sipAnswers(port: number, ms: number): Promise<boolean> {
  const socket = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    const local = socket.address().port;
    const tag = Math.random().toString(36).slice(2);
    const msg = [
      `OPTIONS sip:probe@127.0.0.1:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK${tag};rport`,
      'Max-Forwards: 70', `From: <sip:bench@127.0.0.1:${local}>;tag=${tag}`, `To: <sip:probe@127.0.0.1:${port}>`,
      `Call-ID: ${tag}@127.0.0.1`, 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', '',
    ].join('\r\n');
    const answered = new Promise<boolean>((r) => {
      const t = setTimeout(() => r(false), ms);
      socket.once('message', (m) => { clearTimeout(t); r(m.toString('utf8').startsWith('SIP/2.0 ')); });
    });
    socket.on('error', () => undefined);
    socket.send(msg, port, '127.0.0.1');
    return await answered;
  } finally {
    socket.close();
  }
}
