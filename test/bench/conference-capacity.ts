// Capacity of the conference mixer on this machine. The bridge runs as its
// own process. The bulk of the N participants are sipp calls (C, cheap: they
// stream a tone or silence and ignore what comes back); 21 of them are the
// TypeScript RTP caller fleet (test/bench/conference/fleet.ts), which measures
// what every member gets: late/missing output frames and the delay of a
// probe's level steps through the mixer. Layouts: one conference of N, or
// conferences of five; every member talking, or only a few. Reported with the
// bridge's CPU and memory per participant, for rising N until the bad frames
// pass 0.5 %.
import { fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { linearToUlaw } from '../../bridge/rtp/g711.ts';
import { startSipp } from '../support/sipp.ts';
import { Fleet, type FleetResult, type Role } from './conference/fleet.ts';
import { freeswitchSetting } from '../support/freeswitch-setting.ts';

/** Where the callers reach the engine under test: the bridge's own SIP port, or drachtio-server's (BENCH_ENGINE=freeswitch). */
function sipTarget(bridgePort: number): { host: string; port: number } {
  if (process.env.BENCH_ENGINE !== 'freeswitch') return { host: '127.0.0.1', port: bridgePort };
  const fs = freeswitchSetting();
  if (!fs) throw new Error('BENCH_ENGINE=freeswitch needs BRIDGE_TEST_FREESWITCH');
  const [host, port] = fs.sipAddress.split(':');
  return { host: host!, port: Number(port) };
}

/** New calls per second while the participants come in (BENCH_CPS; the measurement starts once all are in). */
const CPS = Number(process.env.BENCH_CPS ?? 200);

/** Members of the TypeScript fleet (the rest of N are sipp calls). */
const FLEET = 21;

export interface CapacityRow extends FleetResult {
  layout: 'one' | 'fives';
  talk: 'few' | 'all';
  cpuPctBridge: number;
  cpuPerParticipantPct: number;
  rssMb: number;
  memPerParticipantKb: number;
  workerTickMeanMs: number;
  workerTickMaxMs: number;
  /** Of the busiest worker's mean tick: reading the sockets and sending the packets (the rest is mixing and coding). */
  workerPollMs: number;
  workerSendMs: number;
  jitterTargetMeanMs: number;
}

interface BridgeStats { cpuPct: number; rssMb: number; legs: number; workers: Array<{ tickMeanMs: number; tickMaxMs: number; pollMeanMs: number; flushMeanMs: number; lateTicks: number; jitterTargetMeanMs: number; jitterTargetMaxMs: number; legs: number }> }

async function startBridge(port: number, env: Record<string, string> = {}) {
  const child = fork(resolve(import.meta.dirname, 'conference/bridge-process.ts'), [String(port), process.env.BENCH_IO ?? 'native'], {
    env: { ...process.env, ...env },
    execArgv: ['--import', 'tsx', ...(process.env.BENCH_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROF] : [])], stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending: Array<(m: BridgeStats) => void> = [];
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error('bridge did not start')), 20_000);
    child.on('message', (m: BridgeStats & { ready?: boolean }) => {
      if (m.ready) { clearTimeout(t); res(); return; }
      pending.shift()?.(m);
    });
  });
  return {
    stats: () => new Promise<BridgeStats>((res) => { pending.push(res); child.send({ cmd: 'stats' }); }),
    stop: () => new Promise<void>((res) => {
      const t = setTimeout(() => { console.error('bridge did not stop in 60 s: killed'); child.kill('SIGKILL'); }, 60_000);
      child.once('exit', () => { clearTimeout(t); res(); });
      child.send({ cmd: 'stop' });
    }),
  };
}

function rawPcmu(path: string, freq: number | undefined, dbfs: number, seconds: number): string {
  const out = Buffer.alloc(8000 * seconds);
  const amp = 32767 * 10 ** (dbfs / 20);
  for (let i = 0; i < out.length; i++) out[i] = freq ? linearToUlaw(Math.round(amp * Math.sin((2 * Math.PI * freq * i) / 8000))) : 0xff;
  writeFileSync(path, out);
  return path;
}

export async function runCapacity(layout: 'one' | 'fives', talk: 'few' | 'all', n: number, measureS = 10): Promise<CapacityRow> {
  const bridgePort = 15960;
  const work = mkdtempSync(join(tmpdir(), 'capacity-'));
  const tone = rawPcmu(join(work, 'tone.ulaw'), 523, -30, 4);
  const silence = rawPcmu(join(work, 'silence.ulaw'), undefined, 0, 4);
  const bridge = await startBridge(bridgePort);
  const target = sipTarget(bridgePort);
  const fleet = new Fleet(target, 15962);
  const fleetSize = Math.min(n, FLEET);
  const bulk = n - fleetSize;
  // Who is where: the fleet's members first (they measure), then sipp's.
  const fleetRooms: Array<{ room: string; roles: Role[] }> = [];
  const sippLines: string[] = [];
  if (layout === 'one') {
    fleetRooms.push({ room: 'big', roles: Array.from({ length: fleetSize }, (_, i): Role => (i === 0 ? 'probe' : talk === 'all' || i <= 3 ? 'talker' : 'silent')) });
    for (let i = 0; i < bulk; i++) sippLines.push(`c-big;${talk === 'all' ? tone : silence}`);
  } else {
    const rooms = Math.ceil(n / 5);
    for (let r = 0; r < rooms; r++) {
      const roles: Role[] = talk === 'all' ? ['probe', 'talker', 'talker', 'talker', 'talker'] : ['probe', 'talker', 'silent', 'silent', 'silent'];
      if (r < Math.floor(fleetSize / 5)) fleetRooms.push({ room: `five-${r}`, roles });
      else for (const role of roles) sippLines.push(`c-five-${r};${role === 'silent' ? silence : tone}`);
    }
  }
  const sippCalls = sippLines.length;
  const holdMs = (sippCalls / CPS + measureS + 15) * 1000;
  // One sipp per audio file (it reads the file at start), talkers and silent members.
  const sipps = [tone, silence].map((file, k) => {
    const rooms = sippLines.filter((l) => l.endsWith(`;${file}`)).map((l) => l.split(';')[0]);
    if (rooms.length === 0) return undefined;
    const dir = mkdtempSync(join(work, 'sipp-'));
    writeFileSync(join(dir, 'calls.csv'), `SEQUENTIAL\n${rooms.join('\n')}\n`);
    return startSipp({
      scenario: resolve(import.meta.dirname, 'conference/sipp-stream.xml'), remote: `${target.host}:${target.port}`, localPort: 15964 + 10 * k, mediaPort: 15968 + 10 * k,
      calls: rooms.length, limit: rooms.length, rate: CPS, durationMs: holdMs, timeoutS: Math.ceil(holdMs / 1000) + 60,
      keys: { rtp_file: `${file},-1,0` }, extraArgs: ['-inf', join(dir, 'calls.csv')], dir,
    });
  });
  try {
    const base = await bridge.stats();
    const deadline = Date.now() + (sippCalls / 100 + 30) * 1000;
    for (let i = 0; i < 100_000 && (await bridge.stats()).legs < sippCalls; i++) {
      if (Date.now() > deadline) throw new Error(`only ${(await bridge.stats()).legs} of ${sippCalls} sipp calls came up`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await fleet.start();
    for (const f of fleetRooms) await fleet.call(f.room, f.roles, { cps: CPS, watchSteps: f.roles.length });
    await new Promise((r) => setTimeout(r, 2000)); // settle: jitter buffers, talk detection
    await bridge.stats(); // start the CPU window here
    const result = await fleet.measure(measureS * 1000);
    const s = await bridge.stats();
    // The FreeSWITCH engine has no media workers of ours: their columns are NaN (printed "–").
    const none = { tickMeanMs: NaN, tickMaxMs: NaN, pollMeanMs: NaN, flushMeanMs: NaN, lateTicks: 0, jitterTargetMeanMs: NaN, jitterTargetMaxMs: NaN, legs: 0 };
    const busiest = s.workers.reduce((a, w) => (w.tickMeanMs > a.tickMeanMs ? w : a), s.workers[0] ?? none);
    return {
      ...result, callers: s.legs, layout, talk,
      cpuPctBridge: s.cpuPct,
      cpuPerParticipantPct: s.cpuPct / s.legs,
      rssMb: s.rssMb,
      memPerParticipantKb: ((s.rssMb - base.rssMb) * 1024) / s.legs,
      workerTickMeanMs: busiest.tickMeanMs,
      workerPollMs: busiest.pollMeanMs,
      workerSendMs: busiest.flushMeanMs,
      workerTickMaxMs: s.workers.length > 0 ? Math.max(...s.workers.map((w) => w.tickMaxMs)) : NaN,
      jitterTargetMeanMs: s.workers.length > 0 ? s.workers.reduce((a, w) => a + w.jitterTargetMeanMs * w.legs, 0) / Math.max(1, s.legs) : NaN,
    };
  } finally {
    await fleet.close();
    for (const sipp of sipps) await sipp?.stop(5000);
    await bridge.stop();
  }
}

/**
 * One conference of N spread over three bridge processes on 127.0.0.2–4
 * (issue 18): the room is mixed on the first; the other two relay each of
 * their callers to it as ivr/flows/relay.ts does (BENCH_RELAY_TO). The sipp
 * callers are dealt over the three nodes (those on a relaying node accept the
 * re-INVITE that points their media at the host: sipp-stream-relayed.xml);
 * the 21 measuring callers all call a relaying node (the worst place to be:
 * with BENCH_RELAY_MODE=forward or mix their audio crosses it each way). CPU and memory are the three processes' sums.
 */
export async function runSpread(n: number, measureS = 10): Promise<CapacityRow> {
  const port = 15960;
  const hosts = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
  const work = mkdtempSync(join(tmpdir(), 'spread-'));
  const silence = rawPcmu(join(work, 'silence.ulaw'), undefined, 0, 4);
  const nodes = [await startBridge(port, { BENCH_HOST: hosts[0]! })];
  for (const h of hosts.slice(1)) nodes.push(await startBridge(port, { BENCH_HOST: h, BENCH_RELAY_TO: `${hosts[0]}:${port}` }));
  const fleet = new Fleet({ host: hosts[1]!, port }, 15962);
  const fleetSize = Math.min(n, FLEET);
  const roles = Array.from({ length: fleetSize }, (_, i): Role => (i === 0 ? 'probe' : i <= 3 ? 'talker' : 'silent'));
  const bulk = n - fleetSize;
  const holdMs = (bulk / CPS + measureS + 15) * 1000;
  // The bulk callers, silent, dealt over the three nodes: one sipp per node.
  const sipps = hosts.map((h, k) => {
    const count = Math.floor(bulk / 3) + (k < bulk % 3 ? 1 : 0);
    if (count === 0) return undefined;
    const dir = mkdtempSync(join(work, 'sipp-'));
    writeFileSync(join(dir, 'calls.csv'), `SEQUENTIAL\n${Array.from({ length: count }, () => 'c-big').join('\n')}\n`);
    return startSipp({
      scenario: resolve(import.meta.dirname, k === 0 ? 'conference/sipp-stream.xml' : 'conference/sipp-stream-relayed.xml'), remote: `${h}:${port}`, localPort: 15964 + 10 * k, mediaPort: 15968 + 10 * k,
      calls: count, limit: count, rate: CPS / 3, durationMs: holdMs, timeoutS: Math.ceil(holdMs / 1000) + 60,
      keys: { rtp_file: `${silence},-1,0` }, extraArgs: ['-inf', join(dir, 'calls.csv')], dir,
    });
  });
  try {
    const base = await Promise.all(nodes.map((b) => b.stats()));
    const deadline = Date.now() + (bulk / 100 + 30) * 1000;
    // Every call ends up as a member of the host's conference (directly, or relayed).
    for (let i = 0; i < 100_000 && (await nodes[0]!.stats()).legs < bulk; i++) {
      if (Date.now() > deadline) throw new Error(`only ${(await nodes[0]!.stats()).legs} of ${bulk} sipp calls reached the host`);
      await new Promise((r) => setTimeout(r, 250));
    }
    await fleet.start();
    await fleet.call('big', roles, { cps: CPS, watchSteps: roles.length });
    await new Promise((r) => setTimeout(r, 2000)); // settle: jitter buffers, talk detection
    await Promise.all(nodes.map((b) => b.stats())); // start the CPU window here
    const result = await fleet.measure(measureS * 1000);
    const s = await Promise.all(nodes.map((b) => b.stats()));
    s.forEach((x, k) => console.log(`# node ${hosts[k]} (${k === 0 ? 'host' : 'relaying'}): CPU ${x.cpuPct.toFixed(0)} %, ${x.legs} legs, worker ticks ${x.workers.map((w) => `${w.tickMeanMs.toFixed(2)}/${w.tickMaxMs.toFixed(1)} ms`).join(', ')}`));
    const cpu = s.reduce((a, x) => a + x.cpuPct, 0);
    const rss = s.reduce((a, x) => a + x.rssMb, 0);
    const workers = s.flatMap((x) => x.workers);
    const busiest = workers.reduce((a, w) => (w.tickMeanMs > a.tickMeanMs ? w : a), workers[0]!);
    const callers = s[0]!.legs;
    return {
      ...result, callers, layout: 'one', talk: 'few',
      cpuPctBridge: cpu, cpuPerParticipantPct: cpu / callers, rssMb: rss,
      memPerParticipantKb: ((rss - base.reduce((a, x) => a + x.rssMb, 0)) * 1024) / callers,
      workerTickMeanMs: busiest.tickMeanMs, workerPollMs: busiest.pollMeanMs, workerSendMs: busiest.flushMeanMs,
      workerTickMaxMs: Math.max(...workers.map((w) => w.tickMaxMs)),
      jitterTargetMeanMs: workers.reduce((a, w) => a + w.jitterTargetMeanMs * w.legs, 0) / Math.max(1, workers.reduce((a, w) => a + w.legs, 0)),
    };
  } finally {
    await fleet.close();
    for (const sipp of sipps) await sipp?.stop(5000);
    for (const b of nodes) await b.stop();
  }
}

export function formatRows(rows: CapacityRow[]): string {
  const head = '| layout | talking | participants | bad frames % at the measuring members (missing + late > 40 ms) | latency p50 / p99 ms | bridge CPU % (2 cores = 200) | CPU % per participant | RSS MB | memory per participant KB | worker tick mean ms (read + mix + send) / max | bridge jitter buffer mean ms |\n|---|---|---|---|---|---|---|---|---|---|---|';
  const f = (x: number, d: number) => (Number.isFinite(x) ? x.toFixed(d) : '–');
  const lines = rows.map((r) => `| ${r.layout === 'one' ? 'one conference' : 'conferences of 5'} | ${r.talk === 'all' ? 'everyone' : 'few'} | ${r.callers} | ${r.badPct.toFixed(2)} (${r.missingFrames} + ${r.lateFrames} of ${r.expectedFrames}) | ${r.latencyP50Ms?.toFixed(0) ?? '–'} / ${r.latencyP99Ms?.toFixed(0) ?? '–'} | ${r.cpuPctBridge.toFixed(0)} | ${r.cpuPerParticipantPct.toFixed(3)} | ${r.rssMb.toFixed(0)} | ${r.memPerParticipantKb.toFixed(0)} | ${f(r.workerTickMeanMs, 2)} (${f(r.workerPollMs, 2)} + ${f(r.workerTickMeanMs - r.workerPollMs - r.workerSendMs, 2)} + ${f(r.workerSendMs, 2)}) / ${f(r.workerTickMaxMs, 1)} | ${f(r.jitterTargetMeanMs, 0)} |`);
  return [head, ...lines].join('\n');
}

/** Rising N until the bad frames pass 0.5 % (or the list ends). */
export async function benchConferenceCapacity(sizes: number[], layouts: Array<['one' | 'fives', 'few' | 'all']>, measureS = 10): Promise<CapacityRow[]> {
  const rows: CapacityRow[] = [];
  for (const [layout, talk] of layouts) {
    for (const n of sizes) {
      const row = await runCapacity(layout, talk, n, measureS);
      rows.push(row);
      console.log(formatRows([row]).split('\n').at(-1));
      if (row.badPct > 0.5) break;
    }
  }
  return rows;
}
