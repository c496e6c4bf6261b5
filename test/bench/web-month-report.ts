// The web's month report (totals, per-meeting bills, first page of calls)
// over 1,000,000 generated CDRs on PostgreSQL: a throw-away cluster, rows
// made by INSERT … SELECT generate_series, then the report timed through the
// billing service (its three queries) and through the HTTP endpoint.
// Run alone: node --import tsx test/bench/web-month-report.ts [rows]
import { startTestPostgres } from '../support/postgres.ts';
import { openDatabase } from '../../core/db.ts';
import { createRepositories } from '../../core/repositories.ts';
import { BillingService } from '../../web/billing/service.ts';
import { resolvePeriod } from '../../web/billing/period.ts';
import { startWebServer } from '../../web/server.ts';
import { Client } from '../support/web.ts';

export interface MonthReportBench {
  rows: number;
  conferences: number;
  monthCalls: number;
  monthMeetings: number;
  /** Median of the runs, ms. */
  serviceMs: number;
  endpointMs: number;
  serviceRunsMs: number[];
  endpointRunsMs: number[];
  generateS: number;
  totalsPlan: string;
}

const T0 = '2025-01-01T00:00:00Z';
const LEGS_PER_CONFERENCE = 10;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

export async function benchMonthReport(opts: { rows?: number; runs?: number } = {}): Promise<MonthReportBench> {
  const rows = opts.rows ?? 1_000_000;
  const runs = opts.runs ?? 15;
  const pg = await startTestPostgres();
  const url = await pg.createDatabase('bench_web_report');
  const db = await openDatabase({ databaseUrl: url });
  try {
    const repos = createRepositories(db);
    const account = await repos.accounts.create({ name: 'Bench Co', tier: 'vip', timeZone: 'Asia/Shanghai' });
    await repos.users.create({ accountId: account.id, role: 'owner', username: 'bench', password: 'Bench#2026' });
    const room = await repos.rooms.create(account.id, { name: 'bench', number: '999999' }, { now: new Date(T0) });
    const conferences = Math.ceil(rows / LEGS_PER_CONFERENCE);
    // One year of meetings, evenly spread; 10 legs each; one in five dialled out.
    const spacingS = Math.floor((365 * 86_400) / conferences);
    const t = Date.now();
    await db.raw(`INSERT INTO conferences (id, account_id, room_id, room_number, node_id, started_at, ended_at, end_reason)
      SELECT md5('c' || g)::uuid, ?, ?, '999999', 'bench', ?::timestamptz + g * (? * interval '1 second'),
             ?::timestamptz + g * (? * interval '1 second') + interval '30 minutes', 'last_left'
      FROM generate_series(0, ? - 1) AS g`, [account.id, room.id, T0, spacingS, T0, spacingS, conferences]);
    await db.raw(`INSERT INTO call_legs (id, account_id, conference_id, room_id, room_number, node_id, direction, caller, callee,
        access_number, destination_class, role, display_name, started_at, answered_at, ended_at, billable_seconds, q850_cause, state,
        rate_per_minute_minor, increment_s, billed_seconds, cost_minor, charged_at)
      SELECT md5('l' || g)::uuid, ?, md5('c' || (g / ${LEGS_PER_CONFERENCE}))::uuid, ?, '999999', 'bench',
        CASE WHEN g % 5 = 0 THEN 'out' ELSE 'in' END,
        CASE WHEN g % 5 = 0 THEN '4006701018' ELSE '+86139' || lpad((g % 100000000)::text, 8, '0') END,
        CASE WHEN g % 5 = 0 THEN '+86138' || lpad((g % 100000000)::text, 8, '0') ELSE '4006701018' END,
        CASE WHEN g % 5 = 0 THEN NULL ELSE '4006701018' END,
        CASE WHEN g % 5 = 0 THEN 'domestic_mobile' ELSE 'access_number' END,
        CASE WHEN g % ${LEGS_PER_CONFERENCE} = 0 THEN 'chair' ELSE 'guest' END, '',
        s.start, s.start + interval '2 seconds', s.start + interval '2 seconds' + (30 + g % 1800) * interval '1 second',
        30 + g % 1800, 16, 'closed', 15, 60, ceil((30 + g % 1800) / 60.0)::int * 60, ceil((30 + g % 1800) / 60.0)::int * 15, now()
      FROM generate_series(0, ? - 1) AS g,
        LATERAL (SELECT ?::timestamptz + (g / ${LEGS_PER_CONFERENCE}) * (? * interval '1 second') + (g % ${LEGS_PER_CONFERENCE}) * interval '5 seconds' AS start) AS s`,
    [account.id, room.id, rows, T0, spacingS]);
    await db.raw('VACUUM ANALYZE call_legs');
    await db.raw('VACUUM ANALYZE conferences');
    const generateS = (Date.now() - t) / 1000;

    // A month in the middle of the year, in the account's zone.
    const now = new Date('2025-12-31T00:00:00Z');
    const period = resolvePeriod({ period: 'month', month: '2025-06' }, account.timeZone, now);
    const billing = new BillingService(repos);
    const first = await billing.report(account.id, period);
    const [meetings] = await db('conferences').where({ account_id: account.id }).where('started_at', '>=', period.from).where('started_at', '<', period.to).count('* as n') as Array<{ n: unknown }>;
    const serviceRunsMs: number[] = [];
    for (let i = 0; i < runs + 3; i++) {
      const s = performance.now();
      await billing.report(account.id, period);
      if (i >= 3) serviceRunsMs.push(performance.now() - s);
    }

    const web = await startWebServer({ repos, host: '127.0.0.1', port: 0, now: () => now, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 1000 } });
    const endpointRunsMs: number[] = [];
    try {
      const client = new Client(web.url);
      const login = await client.login('bench', 'Bench#2026');
      if (login.status !== 200) throw new Error(`bench login: ${login.status}`);
      for (let i = 0; i < runs + 3; i++) {
        const s = performance.now();
        const r = await client.get('/api/billing/report?period=month&month=2025-06');
        if (r.status !== 200) throw new Error(`report: ${r.status} ${r.text.slice(0, 200)}`);
        if (i >= 3) endpointRunsMs.push(performance.now() - s);
      }
    } finally {
      await web.close();
    }

    const plan = await db.raw(`EXPLAIN (ANALYZE, COSTS OFF) SELECT count(*), sum(billable_seconds), sum(cost_minor) FROM call_legs
      WHERE account_id = ? AND started_at >= ? AND started_at < ? AND direction <> 'relay'`, [account.id, period.from, period.to]) as { rows: Array<Record<string, string>> };
    const totalsPlan = plan.rows.map((r) => Object.values(r)[0]).filter((l) => /Scan|Execution Time/.test(l ?? '')).map((l) => l!.trim()).join(' | ');
    return {
      rows, conferences, monthCalls: first.totals.calls, monthMeetings: Number(meetings?.n ?? 0),
      serviceMs: median(serviceRunsMs), endpointMs: median(endpointRunsMs), serviceRunsMs, endpointRunsMs, generateS, totalsPlan,
    };
  } finally {
    await db.destroy();
    await pg.destroy();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = Number(process.argv[2] ?? 1_000_000);
  const r = await benchMonthReport({ rows });
  process.stdout.write([
    `## Web month report (PostgreSQL, ${r.rows.toLocaleString('en')} CDRs in ${r.conferences.toLocaleString('en')} conferences over a year; the month holds ${r.monthCalls} calls in ${r.monthMeetings} meetings)`,
    '| measure | median ms | min ms | max ms |', '|---|---|---|---|',
    `| billing service (totals + first 100 meeting bills + first 100 calls) | ${r.serviceMs.toFixed(1)} | ${Math.min(...r.serviceRunsMs).toFixed(1)} | ${Math.max(...r.serviceRunsMs).toFixed(1)} |`,
    `| GET /api/billing/report?period=month (HTTP, session, JSON) | ${r.endpointMs.toFixed(1)} | ${Math.min(...r.endpointRunsMs).toFixed(1)} | ${Math.max(...r.endpointRunsMs).toFixed(1)} |`,
    `rows generated in ${r.generateS.toFixed(1)} s; totals plan: ${r.totalsPlan}`, '',
  ].join('\n'));
}
