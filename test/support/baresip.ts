// baresip (Debian's baresip-core) as a real softphone in wire tests: a config
// dir from sip-tools/baresip/mkconfig.sh, the process, and a ctrl_tcp client.
// Audio comes from a WAV (aufile); what it hears is written to DIR/rec/*-dec.wav.
import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BaresipCtrl } from './sip-tools/baresip-ctrl.mjs';
import { waitForPort } from './ports.ts';

const TOOLS = resolve(import.meta.dirname, 'sip-tools');

export interface BaresipOptions {
  /** Config dir to create (recordings in DIR/rec). */
  dir: string;
  user?: string;
  sipPort: number;
  ctrlPort: number;
  /** "A-B": RTP ports (baresip takes pairs). */
  rtpPorts: string;
  /** 8 kHz mono 16-bit WAV sent to the far end; the call ends when it runs out. */
  source: string;
  codecs?: string;
  /** baresip quits by itself after this (-t); default 60. */
  lifetimeS?: number;
  /** Edits the config dir (DIR/config, DIR/accounts) after mkconfig.sh wrote it, before baresip starts (e.g. SRTP, TLS). */
  configure?: (dir: string) => void;
}

export interface BaresipInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

export class Baresip {
  private constructor(
    readonly ctrl: BaresipCtrl,
    readonly pid: number,
    readonly exited: Promise<BaresipInfo>,
    private readonly killer: (sig: NodeJS.Signals) => void,
    readonly dir: string,
    private readonly output: () => string,
  ) {}

  static async start(o: BaresipOptions): Promise<Baresip> {
    execFileSync('sh', [join(TOOLS, 'baresip/mkconfig.sh'), o.dir, '--user', o.user ?? 'tester',
      '--sip-port', String(o.sipPort), '--ctrl-port', String(o.ctrlPort), '--rtp-ports', o.rtpPorts,
      '--source', o.source, '--codecs', o.codecs ?? 'PCMU,PCMA'], { timeout: 10_000 });
    o.configure?.(o.dir);
    const child = spawn('baresip', ['-f', o.dir, '-t', String(o.lifetimeS ?? 60)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (d: Buffer) => { if (output.length < 100_000) output += d.toString(); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const exited = new Promise<BaresipInfo>((res) => {
      child.once('error', (err) => { output += String(err); res({ code: 255, signal: null, output }); });
      child.once('exit', (code, signal) => res({ code, signal, output }));
    });
    const kill = (sig: NodeJS.Signals) => { if (child.exitCode === null && child.signalCode === null) child.kill(sig); };
    try {
      await Promise.race([
        waitForPort(o.ctrlPort, 'tcp', 10_000),
        exited.then((e) => { throw new Error(`baresip exited at start (${e.code ?? e.signal}): ${e.output.slice(-2000)}`); }),
      ]);
      const ctrl = new BaresipCtrl(o.ctrlPort, '127.0.0.1', 10_000);
      await ctrl.connect();
      return new Baresip(ctrl, child.pid ?? -1, exited, kill, o.dir, () => output);
    } catch (err) {
      kill('SIGKILL');
      throw err;
    }
  }

  get log(): string { return this.output(); }

  /** The `-dec.wav` recordings (what baresip heard), oldest first. */
  decodedRecordings(): string[] {
    return readdirSync(join(this.dir, 'rec')).filter((f) => f.endsWith('-dec.wav')).sort().map((f) => join(this.dir, 'rec', f));
  }

  /** Asks baresip to quit; kills it if it has not gone within graceMs. */
  async quit(graceMs = 3000): Promise<BaresipInfo> {
    try {
      await this.ctrl.command('quit');
    } catch {
      // the connection may close before the response: the exit below is what counts
    }
    this.ctrl.close();
    const t = setTimeout(() => this.killer('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(t);
    }
  }
}
