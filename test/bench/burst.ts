// The top of the hour (issue 20): N callers dial the access number at R
// calls/s, type the demo room's number and guest PIN while the prompts play
// (SIP INFO, or RFC 4733 events in the audio they stream), and stay. The IVR
// bridge (IVR, embedded engine with two media workers, in-process database,
// CDR journal) runs in this process; sipp is the callers. It reports:
// answered and joined; every call's outcome; INVITE → 200 on sipp's clock and
// answer → joined on the bridge's, and their sum (p50/p99); the keys the IVR
// read wrong (a room not found, no room, a wrong PIN, no PIN: the callers
// type right, so each is a key lost or added); the main thread's event-loop
// delay (p99, max); database time (the sum of the queries' durations, and
// the longest); the process's CPU. The baseline row (N = 1) is what one
// caller alone takes to join with the same keys.
// The keys read wrong and the answer → joined time come from each call's
// summary (ivr/flows/incoming-call.ts CallSummary). The callers run with
// sipp's `abortunexp` off: a caller whose INFO was answered late gets the
// 200 of its retransmission too, and sipp would otherwise abort the call on
// that duplicate (a phone ignores it). The generator's own CPU (sipp, from
// /proc) is the second CPU figure. Diagnostics: BURST_SQL=1 prints the 30
// costliest statements (count, summed time); BURST_KEEP=DIR keeps sipp's logs.
// Ports: SIP 19600, RTP 30000–34999, sipp 19610 (media 19620+).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { DEMO } from '../../core/seed.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { startSipp } from '../support/sipp.ts';
import { startApp } from './burst/app-target.ts';
import { infoCaller, rtpCaller, type CallerPlan } from './burst/scenario.ts';

export interface BurstRow {
  n: number;
  cps: number;
  keys: 'info' | 'rtp';
  /** The in-process IVR bridge, or `make run`'s app in its own process. */
  where: 'bridge' | 'app';
  answered: number;
  joined: number;
  outcomes: Record<string, number>;
  /** INVITE → joined, ms: sipp's INVITE → 200 plus the bridge's answer → joined. */
  joinP50Ms: number;
  joinP99Ms: number;
  inviteToAnswerP99Ms: number;
  wrongKeys: { roomNotFound: number; noRoom: number; wrongPin: number; noPin: number };
  loopP99Ms: number;
  loopMaxMs: number;
  dbTotalS: number;
  dbMaxMs: number;
  cpuS: number;
  /** The load generator's CPU (sipp: user + system), s. */
  genCpuS: number;
  wallS: number;
}

/** A process's user + system CPU so far, s, from /proc (Linux); NaN once it is gone. */
function procCpuS(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from 3 (state) on
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch { return NaN; }
}

const pct = (xs: readonly number[], p: number): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** sipp's "I <ms> <Call-ID>" / "A <ms> <Call-ID>" lines: INVITE → 200 per call, ms. */
function inviteToAnswer(dir: string): number[] {
  const text = readdirSync(dir).filter((f) => f.endsWith('_logs.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const sent = new Map<string, number>();
  const out: number[] = [];
  for (const m of text.matchAll(/^([IA]) (\d+) (\S+)/gm)) {
    if (m[1] === 'I') { if (!sent.has(m[3]!)) sent.set(m[3]!, Number(m[2])); } else if (sent.has(m[3]!)) out.push(Number(m[2]) - sent.get(m[3]!)!);
  }
  return out;
}

export async function benchBurst(n: number, cps: number, keys: 'info' | 'rtp', where: 'bridge' | 'app' = 'bridge'): Promise<BurstRow> {
  const work = mkdtempSync(join(tmpdir(), 'bench-burst-'));
  const plan: CallerPlan = { room: DEMO.room.number, pin: DEMO.room.guestPin, roomAfterMs: 500, pinAfterMs: 1000, gapMs: 250, stayMs: Math.ceil(n / cps) * 1000 + 10_000 };
  const ports = { sipPort: 19600, rtpMin: 30000, rtpMax: 34999 };
  // The callers come through the carrier (127.0.0.1 here): the PIN lockout counts them by number, not by that address.
  const bridge = where === 'bridge'
    ? await IvrBridge.start({ ...ports, workers: 2, config: { pinLockout: { carrierAddresses: ['127.0.0.1'] } as never } })
    : undefined;
  const app = where === 'app' ? await startApp({ dir: work, ...ports, maxParticipants: n + 10 }) : undefined;
  if (bridge) {
    await bridge.db('accounts').where({ id: bridge.seed.accountId }).update({ tier: 'vip' });
    await bridge.db('rooms').where({ number: DEMO.room.number }).update({ max_participants: n + 10 });
  }
  const db = { totalMs: 0, maxMs: 0 };
  const started = new Map<string, number>();
  const bySql = new Map<string, { n: number; ms: number }>();
  const sqlOf = new Map<string, string>();
  bridge?.db.on('query', (q: { __knexQueryUid: string; sql: string }) => { started.set(q.__knexQueryUid, performance.now()); if (process.env.BURST_SQL) sqlOf.set(q.__knexQueryUid, q.sql); });
  const ended = (_r: unknown, q: { __knexQueryUid: string }) => {
    const t = started.get(q.__knexQueryUid);
    if (t === undefined) return;
    started.delete(q.__knexQueryUid);
    const ms = performance.now() - t;
    db.totalMs += ms;
    const sql = sqlOf.get(q.__knexQueryUid);
    if (sql !== undefined) { sqlOf.delete(q.__knexQueryUid); const e = bySql.get(sql) ?? { n: 0, ms: 0 }; e.n++; e.ms += ms; bySql.set(sql, e); }
    db.maxMs = Math.max(db.maxMs, ms);
  };
  bridge?.db.on('query-response', ended);
  bridge?.db.on('query-error', (_e: unknown, q: { __knexQueryUid: string }) => ended(null, q));
  const delay = monitorEventLoopDelay({ resolution: 10 });
  let loop = { loopP99Ms: Number.NaN, loopMaxMs: Number.NaN };
  try {
    const scenario = join(work, 'caller.xml');
    if (keys === 'rtp') {
      const pcap = join(work, 'keys.pcap');
      // Only the keys' packets: between them the media clock runs on without packets (silence suppression), so
      // sipp's pcap player (a thread per call) sleeps instead of sending 50 frames a second for a thousand callers.
      // sipp plays from the first packet on, so the keys start as the call does (before the ACK is read, under load).
      makePcap(pcap, [`pause:${plan.roomAfterMs / 1000}`, `dtmf:${plan.room}#:100:${plan.gapMs - 100}`, `pause:${plan.pinAfterMs / 1000}`,
        `dtmf:${plan.pin}#:100:${plan.gapMs - 100}`]);
      writeFileSync(scenario, rtpCaller(plan, pcap));
    } else {
      writeFileSync(scenario, infoCaller(plan, null));
    }
    const sippDir = join(work, 'sipp');
    mkdirSync(sippDir);
    const result = await (async () => {
      delay.enable();
      app?.mark();
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      const sipp = startSipp({
        scenario, remote: `127.0.0.1:${ports.sipPort}`, service: '4008001000', localPort: 19610, mediaPort: 19620, calls: n, rate: cps,
        timeoutS: Math.ceil(n / cps) + plan.stayMs / 1000 + 90, recvTimeoutMs: 60_000, dir: sippDir, extraArgs: ['-trace_logs', '-l', String(n + 10), '-default_behaviors', 'all,-abortunexp'],
      });
      // sipp's CPU, read every 250 ms while it runs (its last reading before it exits; bounded by sipp's own timeout).
      let genCpuS = 0;
      const poll = setInterval(() => { const c = procCpuS(sipp.pid); if (Number.isFinite(c)) genCpuS = c; }, 250);
      const r = await sipp.done;
      clearInterval(poll);
      const wallS = (Date.now() - t0) / 1000;
      const cpuS = app ? app.cpuS() : (() => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1e6; })();
      delay.disable();
      await new Promise((res) => setTimeout(res, 2000)); // the last calls' summaries
      return { r, wallS, cpuS, genCpuS };
    })();
    if (app) loop = await app.stop();
    const outcomes: Record<string, number> = {};
    const wrongKeys = { roomNotFound: 0, noRoom: 0, wrongPin: 0, noPin: 0 };
    const joinedAfter: number[] = [];
    for (const c of bridge ? bridge.calls : app!.calls()) {
      outcomes[c.outcome] = (outcomes[c.outcome] ?? 0) + 1;
      for (const k of Object.keys(wrongKeys) as Array<keyof typeof wrongKeys>) wrongKeys[k] += c.entryErrors?.[k] ?? 0;
      if (typeof c.answerToJoinMs === 'number') joinedAfter.push(c.answerToJoinMs);
    }
    if (process.env.BURST_SQL) for (const [sql, e] of [...bySql].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) console.log(`${e.n}\t${e.ms.toFixed(0)} ms\t${sql.slice(0, 200)}`);
    const toAnswer = inviteToAnswer(sippDir);
    if (process.env.BURST_KEEP) for (const f of readdirSync(sippDir)) writeFileSync(join(process.env.BURST_KEEP, f), readFileSync(join(sippDir, f)));
    const a50 = pct(toAnswer, 50);
    return {
      n, cps, keys, where, answered: toAnswer.length, joined: outcomes.joined ?? 0, outcomes,
      joinP50Ms: a50 + pct(joinedAfter, 50), joinP99Ms: pct(toAnswer, 99) + pct(joinedAfter, 99), inviteToAnswerP99Ms: pct(toAnswer, 99),
      wrongKeys,
      loopP99Ms: bridge ? delay.percentile(99) / 1e6 : loop.loopP99Ms, loopMaxMs: bridge ? delay.max / 1e6 : loop.loopMaxMs,
      dbTotalS: bridge ? db.totalMs / 1000 : Number.NaN, dbMaxMs: bridge ? db.maxMs : Number.NaN,
      cpuS: result.cpuS, genCpuS: result.genCpuS, wallS: result.wallS,
    };
  } finally {
    await bridge?.close();
    if (app) await app.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatBurst(rows: readonly BurstRow[]): string {
  const head = '| target | callers | calls/s | keys | answered | joined | other outcomes | keys read wrong | INVITE → joined p50 / p99 s | INVITE → 200 p99 ms | loop delay p99 / max ms | DB time s (longest ms) | CPU s (bridge / sipp) | wall s |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => {
    const other = Object.entries(r.outcomes).filter(([k]) => k !== 'joined').map(([k, v]) => `${k} ${v}`).join(', ') || '—';
    const w = r.wrongKeys;
    const wrong = w.roomNotFound + w.noRoom + w.wrongPin + w.noPin;
    return `| ${r.where === 'app' ? 'make run app' : 'IVR bridge'} | ${r.n} | ${r.cps} | ${r.keys === 'info' ? 'SIP INFO' : 'RFC 4733'} | ${r.answered} | ${r.joined} | ${other} | ${wrong}${wrong ? ` (room ${w.roomNotFound}, no room ${w.noRoom}, PIN ${w.wrongPin}, no PIN ${w.noPin})` : ''} | ${(r.joinP50Ms / 1000).toFixed(1)} / ${(r.joinP99Ms / 1000).toFixed(1)} | ${r.inviteToAnswerP99Ms.toFixed(0)} | ${r.loopP99Ms.toFixed(0)} / ${r.loopMaxMs.toFixed(0)} | ${Number.isNaN(r.dbTotalS) ? '—' : `${r.dbTotalS.toFixed(1)} (${r.dbMaxMs.toFixed(0)})`} | ${r.cpuS.toFixed(1)} / ${r.genCpuS.toFixed(1)} | ${r.wallS.toFixed(1)} |`;
  });
  return [head, ...lines].join('\n');
}

/**
 * BURST=N@CPS:KEYS[:app],… — KEYS info or rtp; `:app` runs the row against `make run`'s app in its own process
 * (default: the in-process IVR bridge). The default is the table in BENCHMARKS.md.
 */
export function burstPlanFromEnv(env = process.env.BURST): Array<{ n: number; cps: number; keys: 'info' | 'rtp'; where: 'bridge' | 'app' }> {
  const spec = env ?? '1@1:info,1000@50:info,1000@100:info,2000@100:info,1000@200:info,1000@50:rtp,1000@100:rtp,1000@50:info:app,1000@100:info:app,1000@100:rtp:app';
  return spec.split(',').map((s) => {
    const m = /^(\d+)@(\d+):(info|rtp)(:app)?$/.exec(s.trim());
    if (!m) throw new Error(`BURST: "${s}" is not N@CPS:info|rtp[:app]`);
    return { n: Number(m[1]), cps: Number(m[2]), keys: m[3] as 'info' | 'rtp', where: m[4] ? 'app' : 'bridge' };
  });
}
