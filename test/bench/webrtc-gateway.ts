// WebRTC gateway cost (`make bench B=webrtc`). Two figures:
// 1. codecs per session and 20 ms frame, no sockets: browser→bridge (Opus
//    decode at the leg's rate + G.722 or PCMU encode) and bridge→browser
//    (G.722 or PCMU decode + Opus encode), as the gateway does them;
// 2. the gateway process (its worker included) with N werift "browsers" each
//    sending Opus and a SIP UAS sending G.722 back on every call: CPU % of a
//    core per session and RSS, over a 10 s window. The browsers and the UAS
//    run in this process, the gateway in a child (test/bench/webrtc/gateway-host.ts).
// Ports: SIP 17324–17325, RTP/ICE 39200–39399 on 127.0.0.1. WEBRTC_SESSIONS=5,10,20.
import { fork, type ChildProcess } from 'node:child_process';
import { encodeUlaw, decodeUlaw } from '../../bridge/rtp/g711.ts';
import { G722Decoder, G722Encoder } from '../../bridge/rtp/g722.ts';
import { OpusDecoder, OpusEncoder, type OpusRate } from '../../bridge/webrtc/opus.ts';
import { ToneUas } from '../support/tone-uas.ts';
import { TestBrowser } from '../support/werift-browser.ts';

export interface CodecRow { leg: string; uplinkUs: number; downlinkUs: number; corePctPerSession: number }
export interface GatewayRow {
  sessions: number; cpuPctPerSession: number; cpuPctTotal: number; rssMiB: number;
  /** Packets per second and session that reached the UAS (50 = every frame) and the browsers (50 = every frame). */
  toBridgePps: number; toBrowserPps: number;
}

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; }

/** µs per call of `fn` (median of 7 runs of n calls after a warm-up). */
function timeUs(fn: () => void, n = 1000): number {
  for (let i = 0; i < 300; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t) / 1e3 / n);
  }
  return median(runs);
}

function tone(rate: number, n: number, k: number): Int16Array {
  const x = new Int16Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.round(8000 * Math.sin(2 * Math.PI * 440 * (k * n + i) / rate) + 2000 * Math.sin(2 * Math.PI * 1700 * (k * n + i) / rate));
  return x;
}

export function benchWebrtcCodecs(): CodecRow[] {
  const rows: CodecRow[] = [];
  for (const leg of ['G722', 'PCMU'] as const) {
    const rate: OpusRate = leg === 'G722' ? 16000 : 8000;
    const n = rate / 50;
    // What a browser sends: Opus of 48 kHz audio, 20 ms.
    const browserEnc = new OpusEncoder(16000);
    const packets = Array.from({ length: 50 }, (_, k) => Buffer.from(browserEnc.encode(tone(16000, 320, k))));
    browserEnc.delete();
    const dec = new OpusDecoder(rate), enc = new OpusEncoder(rate);
    const g722e = new G722Encoder(), g722d = new G722Decoder();
    const legBytes = leg === 'G722' ? g722e.encode(tone(16000, 320, 0), new Uint8Array(160)) : encodeUlaw(tone(8000, 160, 0));
    const frames = Array.from({ length: 50 }, (_, k) => tone(rate, n, k));
    let k = 0;
    const up = timeUs(() => {
      const pcm = dec.decode(packets[k++ % 50]!);
      if (leg === 'G722') g722e.encode(pcm, new Uint8Array(160)); else encodeUlaw(pcm);
    });
    const down = timeUs(() => {
      const pcm = leg === 'G722' ? g722d.decode(legBytes, new Int16Array(320)) : decodeUlaw(legBytes);
      enc.encode(pcm.length === n ? pcm : frames[k++ % 50]!);
    });
    dec.delete(); enc.delete();
    rows.push({ leg, uplinkUs: up, downlinkUs: down, corePctPerSession: ((up + down) / 20_000) * 100 });
  }
  return rows;
}

class Host {
  private next = 1;
  private readonly waiting = new Map<number, (v: unknown) => void>();
  constructor(readonly child: ChildProcess) {
    child.on('message', (m: { id: number; result: unknown }) => { this.waiting.get(m.id)?.(m.result); this.waiting.delete(m.id); });
  }
  static start(opts: object): Promise<Host> {
    const child = fork(new URL('./webrtc/gateway-host.ts', import.meta.url).pathname, [JSON.stringify(opts)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
    const host = new Host(child);
    return new Promise((resolve, reject) => {
      host.waiting.set(0, () => resolve(host));
      child.once('exit', (code) => reject(new Error(`gateway host exited ${code}`)));
    });
  }
  ask<T>(msg: Record<string, unknown>): Promise<T> {
    const id = this.next++;
    return new Promise((resolve) => { this.waiting.set(id, resolve as (v: unknown) => void); this.child.send({ id, ...msg }); });
  }
}

export async function benchWebrtcGateway(sessions: number, windowS = 10): Promise<GatewayRow> {
  if (sessions > 20) throw new RangeError("at most 20 sessions in the bench port range");
  const uas = await ToneUas.start({ port: 17324, rtpMin: 39200, rtpMax: 39259, toneHz: 440 });
  uas.codec = 'G722';
  const host = await Host.start({ bridge: { host: '127.0.0.1', port: 17324 }, bindHost: '127.0.0.1', rtpPortMin: 39300, rtpPortMax: 39399, sipPort: 17325 });
  const browsers: TestBrowser[] = [];
  try {
    for (let i = 0; i < sessions; i++) {
      const b = new TestBrowser([39260 + 2 * i, 39261 + 2 * i]);
      browsers.push(b);
      const r = await host.ask<{ answerSdp?: string; error?: unknown }>({ op: 'join', req: { offerSdp: await b.offer(), to: '4000', headers: {} } });
      if (!r.answerSdp) throw new Error(`join failed: ${String(r.error)}`);
      await b.connect(r.answerSdp);
      b.startTone(1000);
    }
    await new Promise((r) => setTimeout(r, 2000)); // settle
    const count = (): { bridge: number; browsers: number } => ({
      bridge: uas.calls.reduce((n, c) => n + c.arrivals.length, 0),
      browsers: browsers.reduce((n, br) => n + br.heard.length, 0),
    });
    const c0 = count();
    const a = await host.ask<{ us: number; at: number }>({ op: 'cpu' });
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const b = await host.ask<{ us: number; at: number; rssMiB: number }>({ op: 'cpu' });
    const c1 = count();
    const seconds = (b.at - a.at) / 1000;
    const pct = ((b.us - a.us) / 1000 / (b.at - a.at)) * 100;
    return {
      sessions, cpuPctTotal: pct, cpuPctPerSession: pct / sessions, rssMiB: b.rssMiB,
      toBridgePps: (c1.bridge - c0.bridge) / seconds / sessions, toBrowserPps: (c1.browsers - c0.browsers) / seconds / sessions,
    };
  } finally {
    await Promise.allSettled(browsers.map((b) => b.close()));
    await host.ask({ op: 'close' });
    await uas.close();
  }
}

export function formatWebrtc(codecs: CodecRow[], rows: GatewayRow[]): string {
  const out = ['| leg codec | browser→bridge µs/frame (Opus decode + leg encode) | bridge→browser µs/frame (leg decode + Opus encode) | % of a core per session |', '|---|---|---|---|'];
  for (const c of codecs) out.push(`| ${c.leg} | ${c.uplinkUs.toFixed(1)} | ${c.downlinkUs.toFixed(1)} | ${c.corePctPerSession.toFixed(2)} |`);
  out.push('', '| sessions (G.722 leg, Opus browser) | gateway CPU % of a core | per session | gateway RSS MiB | packets/s per session to the bridge | to the browser |', '|---|---|---|---|---|---|');
  for (const r of rows) out.push(`| ${r.sessions} | ${r.cpuPctTotal.toFixed(1)} | ${r.cpuPctPerSession.toFixed(2)} | ${r.rssMiB.toFixed(0)} | ${r.toBridgePps.toFixed(1)} | ${r.toBrowserPps.toFixed(1)} |`);
  return out.join('\n');
}
