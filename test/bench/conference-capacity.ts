// Capacity of the conference mixer on this machine: the bridge runs as its
// own process; the TypeScript RTP caller fleet (test/bench/conference/fleet.ts)
// places N calls — into one conference, or into conferences of five — with
// every member talking or only a few, and measures late/missing output
// frames, the delay through the mixer (a probe's level steps), and the
// bridge's CPU and memory per participant, for rising N until the bad frames
// pass 0.5 %.
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { Fleet, type FleetResult, type Role } from './conference/fleet.ts';

export interface CapacityRow extends FleetResult {
  layout: 'one' | 'fives';
  talk: 'few' | 'all';
  cpuPctBridge: number;
  cpuPerParticipantPct: number;
  rssMb: number;
  memPerParticipantKb: number;
  workerTickMeanMs: number;
  workerTickMaxMs: number;
}

interface BridgeStats { cpuPct: number; rssMb: number; legs: number; workers: Array<{ tickMeanMs: number; tickMaxMs: number; lateTicks: number }> }

async function startBridge(port: number) {
  const child = fork(resolve(import.meta.dirname, 'conference/bridge-process.ts'), [String(port)], {
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
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => { clearTimeout(t); res(); });
      child.send({ cmd: 'stop' });
    }),
  };
}

function rolesFor(n: number, talk: 'few' | 'all'): Role[] {
  return Array.from({ length: n }, (_, i): Role => (i === 0 ? 'probe' : talk === 'all' || i <= 3 ? 'talker' : 'silent'));
}

export async function runCapacity(layout: 'one' | 'fives', talk: 'few' | 'all', n: number, measureS = 10): Promise<CapacityRow> {
  const bridgePort = 15960;
  const bridge = await startBridge(bridgePort);
  const fleet = new Fleet({ host: '127.0.0.1', port: bridgePort }, 15962);
  try {
    const base = await bridge.stats();
    await fleet.start();
    if (layout === 'one') {
      await fleet.call('big', rolesFor(n, talk), { cps: 200, watchSteps: 40 });
    } else {
      const fives = Math.ceil(n / 5);
      const batches: Promise<void>[] = [];
      for (let c = 0; c < fives; c++) {
        const roles: Role[] = talk === 'all' ? ['probe', 'talker', 'talker', 'talker', 'talker'] : ['probe', 'talker', 'silent', 'silent', 'silent'];
        batches.push(fleet.call(`five-${c}`, roles, { cps: 200, watchSteps: c < 10 ? 4 : 0 }));
        if (batches.length >= 20) { await Promise.all(batches.splice(0)); }
      }
      await Promise.all(batches);
    }
    await new Promise((r) => setTimeout(r, 2000)); // settle: jitter buffers, talk detection
    await bridge.stats(); // start the CPU window here
    const result = await fleet.measure(measureS * 1000);
    const s = await bridge.stats();
    const callers = result.callers;
    return {
      ...result, layout, talk,
      cpuPctBridge: s.cpuPct,
      cpuPerParticipantPct: s.cpuPct / callers,
      rssMb: s.rssMb,
      memPerParticipantKb: ((s.rssMb - base.rssMb) * 1024) / callers,
      workerTickMeanMs: Math.max(...s.workers.map((w) => w.tickMeanMs)),
      workerTickMaxMs: Math.max(...s.workers.map((w) => w.tickMaxMs)),
    };
  } finally {
    await fleet.close();
    await bridge.stop();
  }
}

export function formatRows(rows: CapacityRow[]): string {
  const head = '| layout | talking | participants | bad frames % (missing + late > 40 ms) | latency p50 / p99 ms | bridge CPU % (2 cores = 200) | CPU % per participant | RSS MB | memory per participant KB | worker tick mean / max ms |\n|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => `| ${r.layout === 'one' ? 'one conference' : 'conferences of 5'} | ${r.talk === 'all' ? 'everyone' : 'few'} | ${r.callers} | ${r.badPct.toFixed(2)} (${r.missingFrames} + ${r.lateFrames} of ${r.expectedFrames}) | ${r.latencyP50Ms?.toFixed(0) ?? '–'} / ${r.latencyP99Ms?.toFixed(0) ?? '–'} | ${r.cpuPctBridge.toFixed(0)} | ${r.cpuPerParticipantPct.toFixed(3)} | ${r.rssMb.toFixed(0)} | ${r.memPerParticipantKb.toFixed(0)} | ${r.workerTickMeanMs.toFixed(2)} / ${r.workerTickMaxMs.toFixed(1)} |`);
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
