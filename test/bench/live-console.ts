// The live console under load (issue 12, `make bench B=live`): `make run`'s
// process (app/main.ts: engine, IVR, web on one LocalLiveBus) with one
// conference of 500 callers who came in through the IVR (sipp: SIP URI
// dial-in, a bare # for the empty guest PIN) plus two TypeScript callers
// (test/bench/conference/fleet.ts): a talker with a steady 1.3 kHz tone, a
// listener, and a chatter whose 600 Hz tone is on 1 s, off 1 s (so talking
// starts and stops all along). Ten stand-ins for pages (test/bench/live/page-watchers.ts: owner
// sessions on the conference's SSE stream, receiving what a page receives)
// watch from before the ramp to the end. Measured:
//   - bridge event → page: arrival at each page − the event's `at` (the time
//     the bridge emitted it; one machine, one clock), over every event;
//   - web command → audio: POST mute of the talker at t0 → the first frame at
//     the listener whose tone fell by ≥ 20 dB; unmute → the tone back;
//   - the bridge process's CPU and memory, and how many callers joined.
// LIVE_CALLERS, LIVE_CPS, LIVE_PAGES, LIVE_CYCLES change the load (defaults
// 500, 25, 10, 40); LIVE_BRIDGE_LOG=FILE keeps the bridge's log (at info),
// LIVE_BRIDGE_PROF=DIR a CPU profile of its main thread.
import os from 'node:os';
import { Fleet, type FleetCaller } from './conference/fleet.ts';
import { BridgeApp, cpuOf, cpuPct, type CpuSample } from './live/bridge-app.ts';
import { ConsoleClient, type LiveSnapshotView } from './live/console-client.ts';
import { startIvrCallers, type IvrCallers } from './live/ivr-callers.ts';
import { timeMutes, type MuteCycle } from './live/mute-timing.ts';
import { PageWatcher, type EventArrival } from './live/page-watchers.ts';

const PORTS = { sip: 17100, sipp: 17110, fleet: 17120, web: 17180, rtpMin: 50000, rtpMax: 51999, sippMedia: 52000 };
const ROOM = '7712500';
/**
 * The talker's tone, away from the 1 kHz join beep, and the chatter's; both a
 * whole number of cycles in 20 ms, so each frame starts and ends at zero (no
 * click when the chatter stops) and the chatter leaves the talker's Goertzel bin.
 */
const TONE_HZ = 1300;
const CHATTER_HZ = 600;
/** From users of the talker, the listener and the chatter. */
const FLEET_FROM = ['13700000001', '13700000002', '13700000003'];

export interface LiveBenchOptions {
  callers: number;
  cps: number;
  pages: number;
  cycles: number;
  /** LIVE_BRIDGE_LOG: write the bridge's log (at info) to this file, to see why a caller did not join. */
  bridgeLog?: string;
  /** LIVE_BRIDGE_PROF: a CPU profile of the bridge's main thread in this folder (written as it stops). */
  bridgeProfileDir?: string;
}

export interface LiveBenchResult {
  options: LiveBenchOptions;
  /** Participants in the conference once the ramp settled (the 3 fleet callers included). */
  joined: number;
  rampS: number;
  /** sipp calls given up by the end of the measure: hung up by the bridge, or for another reason. */
  sippAborted: { byBridge: number; other: number };
  /** When the ramp started (performance.now()): the origin of the times in the report. */
  rampStart: number;
  events: EventArrival[];
  eventsPerPage: number[];
  pageProblems: string[];
  cycles: MuteCycle[];
  cpuRampPct: number;
  cpuMeasurePct: number;
  /** The sipp process and this one (the load generators share the machine), % of a core during the measure. */
  cpuSippPct: number;
  cpuBenchPct: number;
  rssMb: number;
  peakRssMb: number;
  /** The machine's 1-minute load average as the bench began (others' work shares the 2 cores). */
  loadBefore: number;
}

export function liveOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): LiveBenchOptions {
  const n = (name: string, def: number) => { const v = Number(env[name] ?? def); if (!Number.isInteger(v) || v < 1) throw new Error(`${name} must be a positive whole number`); return v; };
  return {
    callers: n('LIVE_CALLERS', 500), cps: n('LIVE_CPS', 25), pages: n('LIVE_PAGES', 10), cycles: n('LIVE_CYCLES', 40),
    ...(env.LIVE_BRIDGE_LOG ? { bridgeLog: env.LIVE_BRIDGE_LOG } : {}),
    ...(env.LIVE_BRIDGE_PROF ? { bridgeProfileDir: env.LIVE_BRIDGE_PROF } : {}),
  };
}

/** The talker, the listener and the chatter: dial the room, press #, the talker first; its participant id. */
async function fleetJoins(fleet: Fleet, web: ConsoleClient): Promise<{ talker: FleetCaller; listener: FleetCaller; conferenceId: string; talkerId: string }> {
  const [talker, listener, chatter] = await fleet.call(ROOM, ['talker', 'silent', 'chatter'], { uri: ROOM, from: FLEET_FROM, dtmf: true, toneHz: [TONE_HZ, TONE_HZ, CHATTER_HZ], cps: 10, watchSteps: 0 });
  await new Promise((r) => setTimeout(r, 1000)); // in the welcome, as a person would
  await talker!.sendDigits('#');
  const conferenceId = await web.conferenceOf(ROOM, 30_000);
  const first = await web.waitParticipants(conferenceId, 1, 30_000, 30_000);
  const talkerP = first.participants[0];
  if (!talkerP) throw new Error('the talker did not join');
  await Promise.all([listener!.sendDigits('#'), chatter!.sendDigits('#')]);
  const all = await web.waitParticipants(conferenceId, FLEET_FROM.length, 30_000, 30_000);
  if (all.participants.length < FLEET_FROM.length) throw new Error('the listener or the chatter did not join');
  return { talker: talker!, listener: listener!, conferenceId, talkerId: talkerP.id };
}

function pageProblems(p: PageWatcher): string[] {
  return [
    ...(p.ended ? [`page ${p.index}: ${p.ended}`] : []),
    ...(p.resyncs.length ? [`page ${p.index}: resync (${p.resyncs.join(', ')})`] : []),
    ...(p.malformed ? [`page ${p.index}: ${p.malformed} malformed`] : []),
  ];
}

async function openPages(count: number, webUrl: string, conferenceId: string): Promise<PageWatcher[]> {
  const pages: PageWatcher[] = [];
  for (let i = 0; i < count; i++) pages.push(await PageWatcher.open(i, webUrl, conferenceId, 15_000));
  return pages;
}

/** The sipp ramp until everyone is in (or the count stops growing); the snapshot then. */
async function ramp(o: LiveBenchOptions, web: ConsoleClient, conferenceId: string, holdMs: number): Promise<{ sipp: IvrCallers; snapshot: LiveSnapshotView; rampS: number; rampStart: number }> {
  const t0 = performance.now();
  const sipp = startIvrCallers({ bridgeSipPort: PORTS.sip, room: ROOM, calls: o.callers, cps: o.cps, holdMs, sippPort: PORTS.sipp, mediaPort: PORTS.sippMedia });
  const rampBoundMs = (o.callers / o.cps) * 1000 + 120_000;
  const snapshot = await web.waitParticipants(conferenceId, o.callers + FLEET_FROM.length, 20_000, rampBoundMs);
  return { sipp, snapshot, rampS: (performance.now() - t0) / 1000, rampStart: t0 };
}

export async function benchLive(o: LiveBenchOptions): Promise<LiveBenchResult> {
  const loadBefore = os.loadavg()[0]!;
  const bridge = await BridgeApp.start({ sip: PORTS.sip, web: PORTS.web, rtpMin: PORTS.rtpMin, rtpMax: PORTS.rtpMax }, {
    ...(o.bridgeLog ? { logLevel: 'info', logFile: o.bridgeLog } : {}), ...(o.bridgeProfileDir ? { profileDir: o.bridgeProfileDir } : {}),
  });
  const fleet = new Fleet({ host: '127.0.0.1', port: PORTS.sip }, PORTS.fleet);
  let pages: PageWatcher[] = [];
  let sipp: IvrCallers | undefined;
  try {
    const web = await ConsoleClient.login(bridge.webUrl);
    await web.createRoom(ROOM, Math.max(600, o.callers + 10));
    await fleet.start();
    const f = await fleetJoins(fleet, web);
    pages = await openPages(o.pages, bridge.webUrl, f.conferenceId);
    const holdMs = (o.callers / o.cps) * 1000 + 90_000 + o.cycles * 4000;
    const cpu0 = bridge.cpu();
    const r = await ramp(o, web, f.conferenceId, holdMs);
    sipp = r.sipp;
    const cpu1 = bridge.cpu();
    await new Promise((res) => setTimeout(res, 3000)); // settle: jitter buffers, talk detection
    const before = { bridge: bridge.cpu(), sipp: cpuOf(sipp.pid), bench: process.cpuUsage(), at: performance.now() };
    const cycles = await timeMutes({ web, conferenceId: f.conferenceId, talkerId: f.talkerId, listener: f.listener, toneHz: TONE_HZ, cycles: o.cycles });
    const after = { bridge: bridge.cpu(), sipp: cpuOf(sipp.pid) };
    const benchCpu = process.cpuUsage(before.bench);
    const mem = bridge.memory();
    const sippAborted = sipp.aborted();
    await new Promise((res) => setTimeout(res, 1500)); // the last events on their way (the feed writes every 100 ms)
    for (const p of pages) await p.close();
    return {
      options: o, joined: r.snapshot.participants.length, rampS: r.rampS, rampStart: r.rampStart, sippAborted,
      events: pages.flatMap((p) => p.arrivals), eventsPerPage: pages.map((p) => p.arrivals.length),
      pageProblems: pages.flatMap(pageProblems),
      cycles, cpuRampPct: cpuPct(cpu0, cpu1), cpuMeasurePct: cpuPct(before.bridge, after.bridge),
      cpuSippPct: cpuPct(before.sipp, after.sipp),
      cpuBenchPct: ((benchCpu.user + benchCpu.system) / 1000 / (performance.now() - before.at)) * 100,
      rssMb: mem.rssMb, peakRssMb: mem.peakMb, loadBefore,
    };
  } finally {
    for (const p of pages) await p.close();
    await fleet.close().catch(() => undefined);
    await bridge.stop();
    if (sipp) await sipp.stop(5000);
  }
}

// ------------------------------------------------------------------ report

function pct(sorted: number[], p: number): number | undefined {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] : undefined;
}

const ms = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(v < 10 ? 1 : 0));

function row(label: string, values: number[], extra = ''): string {
  const s = [...values].sort((a, b) => a - b);
  return `| ${label} | ${s.length}${extra} | ${ms(pct(s, 0.5))} | ${ms(pct(s, 0.99))} | ${ms(s.at(-1))} |`;
}

/** The five slowest events, at most one per second of arrival (a stall delays every page at once). */
function slowest(events: EventArrival[]): EventArrival[] {
  const kept: EventArrival[] = [];
  for (const e of [...events].sort((a, b) => b.latencyMs - a.latencyMs)) {
    if (kept.length >= 5) break;
    if (!kept.some((k) => Math.abs(k.arrival - e.arrival) < 1000)) kept.push(e);
  }
  return kept;
}

export function formatLive(r: LiveBenchResult): string {
  const o = r.options;
  const out: string[] = [];
  out.push(`callers: ${r.joined} in the conference of ${o.callers} sipp + ${FLEET_FROM.length} fleet callers offered (${o.cps} calls/s, ramp to settled ${r.rampS.toFixed(0)} s); ${o.pages} pages watching`);
  const lost = r.sippAborted.byBridge + r.sippAborted.other;
  if (lost > 0) out.push(`sipp calls given up: ${r.sippAborted.byBridge} hung up by the bridge (the IVR ended them), ${r.sippAborted.other} otherwise`);
  out.push('\n### Bridge event → page (SSE), arrival − the event\'s `at`, ms, over every page');
  out.push('| event | count | p50 | p99 | max |\n|---|---|---|---|---|');
  const types = [...new Set(r.events.map((e) => e.type))].sort();
  for (const t of types) out.push(row(t, r.events.filter((e) => e.type === t).map((e) => e.latencyMs)));
  out.push(row('**all**', r.events.map((e) => e.latencyMs)));
  out.push(`slowest (one per second): ${slowest(r.events).map((e) => `${e.latencyMs.toFixed(0)} ms (${e.type}, +${((e.arrival - r.rampStart) / 1000).toFixed(1)} s)`).join(', ')}`);
  out.push(`events per page: ${Math.min(...r.eventsPerPage)}–${Math.max(...r.eventsPerPage)}${r.pageProblems.length ? `; problems: ${r.pageProblems.join('; ')}` : ''}`);
  out.push(`\n### Web command → audio (${r.cycles.length} mute/unmute cycles of the talker; the listener's 1.3 kHz level), ms`);
  out.push('| measure | samples | p50 | p99 | max |\n|---|---|---|---|---|');
  const def = (xs: Array<number | undefined>) => xs.filter((x): x is number => x !== undefined);
  const missed = (xs: Array<number | undefined>) => { const m = xs.filter((x) => x === undefined).length; return m ? ` (${m} not within 3 s)` : ''; };
  out.push(row('POST mute → tone gone (≥ 20 dB down)', def(r.cycles.map((c) => c.muteEffectMs)), missed(r.cycles.map((c) => c.muteEffectMs))));
  out.push(row('POST unmute → tone back (within 6 dB)', def(r.cycles.map((c) => c.unmuteEffectMs)), missed(r.cycles.map((c) => c.unmuteEffectMs))));
  const slowCycles = [...r.cycles].sort((a, b) => (b.muteEffectMs ?? Infinity) - (a.muteEffectMs ?? Infinity)).slice(0, 3);
  out.push(row('POST mute, HTTP round trip', r.cycles.map((c) => c.muteHttpMs)));
  out.push(row('POST unmute, HTTP round trip', r.cycles.map((c) => c.unmuteHttpMs)));
  const lateEvents = r.events.filter((e) => e.latencyMs > 1000).length;
  const lateMutes = r.cycles.filter((c) => c.muteEffectMs === undefined || c.muteEffectMs > 300).length;
  out.push(`over the targets: ${lateEvents} of ${r.events.length} page events > 1 s; ${lateMutes} of ${r.cycles.length} mutes > 300 ms`);
  out.push(`slowest mutes: ${slowCycles.map((c) => `${ms(c.muteEffectMs)} ms (HTTP ${ms(c.muteHttpMs)}, +${((c.at - r.rampStart) / 1000).toFixed(1)} s)`).join(', ')}`);
  out.push(`\nbridge process: CPU ${r.cpuRampPct.toFixed(0)} % of a core during the ramp, ${r.cpuMeasurePct.toFixed(0)} % during the measure (2 cores = 200); RSS ${r.rssMb.toFixed(0)} MB (peak ${r.peakRssMb.toFixed(0)} MB)`);
  out.push(`machine load average (1 min) as the bench began: ${r.loadBefore.toFixed(2)}`);
  out.push(`load generators during the measure: sipp ${r.cpuSippPct.toFixed(0)} %, this bench (fleet, ${o.pages} pages, commands) ${r.cpuBenchPct.toFixed(0)} %`);
  return out.join('\n');
}
