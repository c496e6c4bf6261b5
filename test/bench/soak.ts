// The soak (issue 15): the bridge as `make run` runs it (app/main.ts in its
// own process, through the burst bench's app-target) on a PostgreSQL
// database, and sipp callers churning through the IVR into many rooms for
// `minutes`: `rate` calls/s, each dials the English access number, types its
// room's number and guest PIN by SIP INFO (rooms created in the database
// first; sipp takes each call's room from an injection file), streams a tone
// (RTP) while it stays, and hangs up, so about `concurrent` calls are up at
// once (sipp `-l`). Before the soak a short warm-up (one call per room) runs
// every path once; the baseline is read when it has ended and settled.
// It measures: the bridge's RSS every 5 s and its slope after `warmupS`
// (least squares, KiB/min); its descriptors (RTP ports, database
// connections, the rest: proc.ts) at the baseline and once the soak's calls
// have all ended; the CDR rows (call_legs) the soak added against the calls
// sipp placed, with a bounded wait for the journal's writer; the main
// thread's event-loop delay during the soak (loop-probe.mjs); calls failed.
// Used by `make soak` (test/bench/run.ts soak) and test/wire/soak.test.ts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { createRepositories } from '../../core/repositories.ts';
import { DEMO } from '../../core/seed.ts';
import { startTestPostgres } from '../support/postgres.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { startSipp, type SippResult } from '../support/sipp.ts';
import { startApp, type AppTarget } from './burst/app-target.ts';
import { infoCaller, type CallerPlan } from './burst/scenario.ts';
import { fdCensus, rssKiB, slope, type FdCensus } from './soak/proc.ts';

export interface SoakPorts { sipPort: number; webPort: number; rtpMin: number; rtpMax: number; sippPort: number; sippMediaPort: number }

export interface SoakOptions {
  minutes: number;
  /** Calls up at once (sipp -l); with `rate` it sets how long each call lasts. */
  concurrent: number;
  /** Calls per second (sipp -r). */
  rate: number;
  rooms: number;
  /** RSS samples before this are left out of the slope. */
  warmupS: number;
  ports: SoakPorts;
  /** Progress lines (a minute apart). */
  progress?: (line: string) => void;
}

export interface SoakResult {
  minutes: number; rate: number; concurrent: number; rooms: number;
  placed: number; successful: number; failed: number; sipp: SippResult;
  joined: number; outcomes: Record<string, number>;
  rssStartKiB: number; rssEndKiB: number; rssPeakKiB: number; rssSlopeKiBPerMin: number; samples: number;
  /** RSS every 5 s: minutes since the soak began, KiB. */
  rss: Array<{ x: number; y: number }>;
  fdsStart: FdCensus; fdsEnd: FdCensus; rtpPortsPeak: number;
  cdrRows: number; cdrOpen: number;
  loopP99Ms: number; loopMaxMs: number; cpuS: number; wallS: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROOM_BASE = 700000;

/** `n` rooms 700000…, open for a day, guest PIN per room; the account's balance topped up for thousands of calls. */
async function prepareRooms(db: Knex, accountId: string, n: number): Promise<Array<{ number: string; pin: string }>> {
  const repos = createRepositories(db, { defaultRegion: 'CN' });
  await repos.accounts.recharge(accountId, 1_000_000_000, { note: 'soak' });
  const owner = await db('users').where({ username: DEMO.owner.username }).first('id') as { id: string };
  const rooms: Array<{ number: string; pin: string }> = [];
  for (let i = 0; i < n; i++) {
    const number = String(ROOM_BASE + i);
    const pin = String(2000 + ((i * 37) % 7000));
    if (!(await repos.rooms.findByNumber(number))) {
      await repos.rooms.create(accountId, {
        name: `soak ${i}`, number, chairPin: String(9000 + i), guestPin: pin, maxParticipants: 100, organizerUserId: owner.id,
        schedule: { startsAt: new Date(), durationMinutes: 24 * 60, rrule: null, earlyEntryMinutes: 10, autoExtendMinutes: 30 },
      }, { now: new Date() });
    }
    rooms.push({ number, pin });
  }
  return rooms;
}

/** Polls the census until two readings 1 s apart agree (at most `boundS`); `want` ends it early. */
async function settledCensus(pid: number, o: Parameters<typeof fdCensus>[1], boundS: number, want?: (c: FdCensus) => boolean): Promise<FdCensus> {
  let last = fdCensus(pid, o);
  for (let i = 0; i < boundS; i++) {
    await sleep(1000);
    const c = fdCensus(pid, o);
    const same = c.rtpPorts === last.rtpPorts && c.other === last.other;
    last = c;
    if (want ? want(c) : same) return c;
  }
  return last;
}

async function countCdrs(db: Knex): Promise<{ rows: number; open: number }> {
  const r = await db('call_legs').select(db.raw('count(*)::int as rows'), db.raw("count(*) filter (where state = 'open')::int as open")).first() as { rows: number; open: number };
  return r;
}

export async function runSoak(o: SoakOptions): Promise<SoakResult> {
  const say = o.progress ?? (() => undefined);
  const work = mkdtempSync(join(tmpdir(), 'soak-'));
  const pg = await startTestPostgres();
  let app: AppTarget | undefined;
  let db: Knex | undefined;
  try {
    let rooms: Array<{ number: string; pin: string }> = [];
    app = await startApp({
      dir: work, sipPort: o.ports.sipPort, rtpMin: o.ports.rtpMin, rtpMax: o.ports.rtpMax, webPort: o.ports.webPort,
      maxParticipants: 100, databaseUrl: pg.url, prepare: async (d, accountId) => { rooms = await prepareRooms(d, accountId, o.rooms); },
    });
    db = await openDatabase({ databaseUrl: pg.url, migrate: false, poolMax: 1 });
    const census = { rtpMin: o.ports.rtpMin, rtpMax: o.ports.rtpMax, dbPort: pg.port };
    // Each call: the keys take about 4.5 s, then it stays; in all it lasts concurrent / rate seconds.
    const callS = o.concurrent / o.rate;
    const plan: CallerPlan = { room: [0, 1, 2, 3, 4, 5].map((i) => `[field${i}]`), pin: [6, 7, 8, 9].map((i) => `[field${i}]`),
      roomAfterMs: 500, pinAfterMs: 1000, gapMs: 250, stayMs: Math.max(1000, Math.round(callS * 1000) - 5000) };
    const inf = join(work, 'rooms.csv');
    writeFileSync(inf, `SEQUENTIAL\n${rooms.map((r) => [...r.number, ...r.pin].join(';')).join('\n')}\n`);
    const scenario = (name: string, stayMs: number) => {
      const pcap = join(work, `${name}.pcap`);
      makePcap(pcap, [`tone:440:${Math.max(1, Math.floor(stayMs / 1000))}:-20`]);
      const file = join(work, `${name}.xml`);
      writeFileSync(file, infoCaller({ ...plan, stayMs }, pcap));
      return file;
    };
    const sipp = (name: string, calls: number, stayMs: number) => {
      const dir = join(work, name);
      mkdirSync(dir);
      return startSipp({
        scenario: scenario(name, stayMs), remote: `127.0.0.1:${o.ports.sipPort}`, service: '4008001000', localPort: o.ports.sippPort,
        mediaPort: o.ports.sippMediaPort, calls, rate: o.rate, limit: o.concurrent, dir,
        timeoutS: Math.ceil(calls / o.rate + callS) + 180, recvTimeoutMs: 60_000,
        extraArgs: ['-inf', inf, '-default_behaviors', 'all,-abortunexp'],
      });
    };

    // Warm-up: one call per room, every path once; then the baseline.
    const warm = await sipp('warmup', o.rooms, 2000).done;
    if (warm.failed > 0 || warm.code !== 0) throw new Error(`the warm-up failed: ${warm.summary}`);
    const fdsStart = await settledCensus(app.pid, census, 30);
    for (let i = 0; i < 60 && (await countCdrs(db)).rows < warm.successful; i++) await sleep(1000);
    const cdr0 = await countCdrs(db);
    say(`baseline: RSS ${(rssKiB(app.pid) / 1024).toFixed(0)} MiB, ${fdsStart.total} fds (${fdsStart.rtpPorts} RTP, ${fdsStart.dbConnections} db, ${fdsStart.other} other), ${cdr0.rows} CDRs`);

    // The soak.
    const total = Math.round(o.minutes * 60 * o.rate);
    const t0 = Date.now();
    app.mark();
    const run = sipp('soak', total, plan.stayMs);
    const rss: Array<{ x: number; y: number }> = [];
    let rtpPortsPeak = 0;
    let nextSay = 60;
    let done = false;
    void run.done.then(() => { done = true; });
    while (!done) { // bounded by sipp's own -timeout
      const s = (Date.now() - t0) / 1000;
      const kib = rssKiB(app.pid);
      if (Number.isFinite(kib)) rss.push({ x: s / 60, y: kib });
      rtpPortsPeak = Math.max(rtpPortsPeak, fdCensus(app.pid, census).rtpPorts);
      if (s >= nextSay) { say(`${(s / 60).toFixed(0)} min: RSS ${(kib / 1024).toFixed(0)} MiB, RTP ports ${rtpPortsPeak} (peak)`); nextSay += 60; }
      await sleep(5000);
    }
    const r = await run.done;
    const wallS = (Date.now() - t0) / 1000;
    const cpuS = app.cpuS();

    // After the last call: the descriptors back to the baseline, the CDRs written and closed (bounded waits).
    const fdsEnd = await settledCensus(app.pid, census, 60, (c) => c.rtpPorts <= fdsStart.rtpPorts && c.other <= fdsStart.other);
    const placed = r.successful + r.failed;
    let cdr = await countCdrs(db);
    for (let i = 0; i < 60 && (cdr.rows - cdr0.rows < placed || cdr.open > 0); i++) { await sleep(1000); cdr = await countCdrs(db); }
    const fit = rss.filter((p) => p.x * 60 >= o.warmupS && p.x <= o.minutes);
    const outcomes: Record<string, number> = {};
    for (const c of app.calls()) outcomes[c.outcome] = (outcomes[c.outcome] ?? 0) + 1;
    const rssEndKiB = rssKiB(app.pid);
    const loop = await app.stop();
    app = undefined;
    return {
      minutes: o.minutes, rate: o.rate, concurrent: o.concurrent, rooms: o.rooms,
      placed, successful: r.successful, failed: r.failed, sipp: r,
      joined: (outcomes.joined ?? 0) - warm.successful, outcomes,
      rssStartKiB: fit[0]?.y ?? Number.NaN, rssEndKiB, rssPeakKiB: Math.max(...rss.map((p) => p.y)),
      rssSlopeKiBPerMin: slope(fit), samples: fit.length, rss,
      fdsStart, fdsEnd, rtpPortsPeak, cdrRows: cdr.rows - cdr0.rows, cdrOpen: cdr.open,
      loopP99Ms: loop.loopP99Ms, loopMaxMs: loop.loopMaxMs, cpuS, wallS,
    };
  } finally {
    await db?.destroy();
    if (app) await app.stop();
    await pg.destroy();
    rmSync(work, { recursive: true, force: true });
  }
}

export function formatSoak(r: SoakResult): string {
  const mib = (k: number) => (k / 1024).toFixed(0);
  const fds = (c: FdCensus) => `${c.total} (RTP ${c.rtpPorts}, database ${c.dbConnections}, other ${c.other})`;
  return [
    '| measure | value |', '|---|---|',
    `| calls placed / successful / failed | ${r.placed} / ${r.successful} / ${r.failed} |`,
    `| joined a room (bridge's log) | ${r.joined} |`,
    `| CDR rows added / still open | ${r.cdrRows} / ${r.cdrOpen} |`,
    `| RSS after warm-up → end MiB (peak) | ${mib(r.rssStartKiB)} → ${mib(r.rssEndKiB)} (${mib(r.rssPeakKiB)}) |`,
    `| RSS slope after warm-up KiB/min (samples) | ${r.rssSlopeKiBPerMin.toFixed(0)} (${r.samples}) |`,
    `| descriptors start → end | ${fds(r.fdsStart)} → ${fds(r.fdsEnd)} |`,
    `| RTP ports start → end (peak) | ${r.fdsStart.rtpPorts} → ${r.fdsEnd.rtpPorts} (${r.rtpPortsPeak}) |`,
    `| event-loop delay p99 / max ms | ${r.loopP99Ms.toFixed(1)} / ${r.loopMaxMs.toFixed(0)} |`,
    `| bridge CPU s (% of a core) / wall s | ${r.cpuS.toFixed(0)} (${((r.cpuS / r.wallS) * 100).toFixed(0)} %) / ${r.wallS.toFixed(0)} |`,
  ].join('\n');
}
