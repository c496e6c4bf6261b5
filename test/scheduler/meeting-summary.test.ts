// The meeting summary mail (issue 14) through a real SMTP server: a meeting
// with two participants ends; a minute later (once its call records are in)
// the owner gets exactly one summary — the room, both participants with
// their cost, the total, the recordings link — with two schedulers (on
// PostgreSQL: two connection pools, as two processes would have) ticking at
// the same moments. A meeting that ended before the owner asked for
// summaries gets none. Time is a fake clock stepped by the test.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { seedDemo } from '../../core/seed.ts';
import { Scheduler } from '../../web/scheduler.ts';
import { SUMMARY_JOB } from '../../web/meeting-records/summary-job.ts';
import type { WebConfig } from '../../web/config.ts';
import { startTestSmtp, textAndIcs, decodeHeader, type TestSmtp } from '../support/smtp.ts';
import { closeTestDatabases, testPostgres } from '../support/db.ts';

after(closeTestDatabases);

const MIN = 60_000;
const at = (iso: string): Date => new Date(iso);
const plus = (d: Date, ms: number): Date => new Date(d.getTime() + ms);

interface Cluster { name: string; open(): Promise<Knex>; close(): Promise<void> }

function pgliteCluster(): Cluster {
  let db: Promise<Knex> | undefined;
  return {
    name: 'pglite',
    open: () => (db ??= openDatabase({ inMemory: true })),
    close: async () => { if (db) await (await db).destroy(); },
  };
}

let counter = 0;
function postgresCluster(): Cluster {
  const pools: Knex[] = [];
  let url: Promise<string> | undefined;
  return {
    name: 'postgres',
    open: async () => {
      url ??= testPostgres().then((pg) => pg.createDatabase(`summary${process.pid}_${++counter}`));
      const db = await openDatabase({ databaseUrl: await url, acquireTimeoutMs: 5_000 });
      pools.push(db);
      return db;
    },
    close: async () => { await Promise.all(pools.splice(0).map((p) => p.destroy())); },
  };
}

function webConfig(smtp: TestSmtp): WebConfig {
  return { defaultRegion: 'CN', secureCookies: false, licensedPorts: 100, smtp: { url: smtp.url, from: 'bridge@example.com' }, publicUrl: 'https://meet.example.com' };
}

/** A closed call leg (CDR) as the bridge's recorder writes it. */
async function addLeg(db: Knex, accountId: string, conferenceId: string, roomId: string, leg: { caller: string; name: string; role: string; from: Date; to: Date; costMinor: number }) {
  await db('call_legs').insert({
    id: randomUUID(), account_id: accountId, conference_id: conferenceId, room_id: roomId, room_number: '1', direction: 'in',
    caller: leg.caller, callee: '4006701018', role: leg.role, display_name: leg.name, started_at: plus(leg.from, -20_000), answered_at: leg.from,
    ended_at: leg.to, billable_seconds: Math.round((leg.to.getTime() - leg.from.getTime()) / 1000), state: 'closed', cost_minor: leg.costMinor,
  });
}

/** A meeting in the room from `start` for 30 minutes with two participants; returns its id. */
async function meeting(db: Knex, repos: Repositories, accountId: string, roomId: string, start: Date): Promise<string> {
  const { conference } = await repos.conferences.startOrGet(accountId, { roomId, at: start });
  await addLeg(db, accountId, conference.id, roomId, { caller: '+8613800138000', name: 'Li Lei', role: 'chair', from: start, to: plus(start, 30 * MIN), costMinor: 120 });
  await addLeg(db, accountId, conference.id, roomId, { caller: '+8613900139000', name: 'Han Meimei', role: 'guest', from: plus(start, 2 * MIN), to: plus(start, 29 * MIN), costMinor: 85 });
  const rec = await repos.recordings.create(accountId, { conferenceId: conference.id, path: `/tmp/${randomUUID()}.wav`, startedAt: plus(start, MIN) });
  await repos.recordings.finish(accountId, rec.id, { endedAt: plus(start, 20 * MIN), durationMs: 19 * MIN, sizeBytes: 1000 });
  await repos.conferences.end(accountId, conference.id, { at: plus(start, 30 * MIN), reason: 'last_left' });
  return conference.id;
}

/** The text of a single-part mail (nodemailer writes a text-only mail without MIME parts), decoded. */
function plainText(raw: string): string {
  const multipart = textAndIcs(raw).text;
  if (multipart) return multipart;
  const split = raw.search(/\r?\n\r?\n/);
  const headers = raw.slice(0, split).replace(/\r?\n[ \t]/g, ' ');
  const body = raw.slice(split).replace(/^\r?\n\r?\n/, '');
  const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase() ?? '7bit';
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    return Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8');
  }
  return body;
}

const summaries = (smtp: TestSmtp) => smtp.received.filter((m) => decodeHeader(m.subject).startsWith('Meeting summary'));

for (const make of [pgliteCluster, postgresCluster]) {
  const cluster = make();
  describe(`meeting summary on ${cluster.name}`, { timeout: 90_000 }, () => {
    after(() => cluster.close());

    it('one summary per ended meeting, to the owner, with both participants and the cost, however many schedulers tick; none before the owner asked', async () => {
      const smtp = await startTestSmtp();
      try {
        const clock = { now: at('2026-03-02T01:00:00Z') };
        const db = await cluster.open();
        const seed = await seedDemo(db, { now: clock.now });
        const repos = createRepositories(db, { defaultRegion: 'CN' });
        await repos.users.update({ accountId: seed.accountId }, seed.ownerUserId, { locale: 'en', email: 'owner@example.com' });
        const schedulerFor = async (worker: string) => new Scheduler(createRepositories(await cluster.open()), webConfig(smtp), { now: () => clock.now, worker, planEveryMs: 0 });
        const [a, b] = [await schedulerFor('a'), await schedulerFor('b')];
        const race = async (rounds = 3) => { for (let i = 0; i < rounds; i++) await Promise.all([a.tick(), b.tick()]); };

        // Summaries off (the default): a meeting ends, nothing is mailed, ever.
        assert.equal((await repos.meetingRecords.settings(seed.accountId)).summaryMailSince, null);
        const before = await meeting(db, repos, seed.accountId, seed.roomId, at('2026-03-02T01:00:00Z'));
        clock.now = at('2026-03-02T01:40:00Z');
        await race();
        assert.equal(summaries(smtp).length, 0);

        // The owner asks for summaries; the earlier meeting is not mailed after the fact.
        await repos.meetingRecords.setSettings(seed.accountId, { summaryMail: true }, clock.now);
        await race();
        assert.equal(summaries(smtp).length, 0);

        // The next meeting ends at 02:30; 30 s later its call records may still be on their way: nothing yet.
        const id = await meeting(db, repos, seed.accountId, seed.roomId, at('2026-03-02T02:00:00Z'));
        clock.now = at('2026-03-02T02:30:30Z');
        await race();
        assert.equal(summaries(smtp).length, 0);

        // A minute after the end: one mail, whichever scheduler ran the job.
        clock.now = at('2026-03-02T02:31:01Z');
        await race();
        await smtp.waitFor(1);
        clock.now = at('2026-03-02T03:00:00Z');
        await race();
        const got = summaries(smtp);
        assert.equal(got.length, 1, got.map((m) => m.subject).join());
        assert.deepEqual(got[0]!.to, ['owner@example.com']);
        const text = plainText(got[0]!.raw).replace(/\r\n/g, '\n');
        assert.match(decodeHeader(got[0]!.subject), /^Meeting summary: .+ \(2026-03-02 10:00:00\)$/);
        assert.match(text, /Started: 2026-03-02 10:00:00/); // Shanghai time
        assert.match(text, /Ended: 2026-03-02 10:30:00/);
        assert.match(text, /Duration: 0:30:00/);
        assert.match(text, /Participants \(2\):/);
        assert.match(text, /Li Lei \(138 0013 8000\), chair, called in, joined 2026-03-02 10:00:00, left 2026-03-02 10:30:00, 0:30:00, cost ¥1\.20/);
        assert.match(text, /Han Meimei \(139 0013 9000\), guest, called in, joined 2026-03-02 10:02:00, left 2026-03-02 10:29:00, 0:27:00, cost ¥0\.85/);
        assert.match(text, /Total cost: ¥2\.05/);
        assert.ok(text.includes(`Recordings (1): https://meet.example.com/recordings?roomId=${seed.roomId}&from=2026-03-02&to=2026-03-02`), text);

        const jobs = await repos.jobs.list({ kind: SUMMARY_JOB });
        assert.deepEqual(jobs.map((j) => [j.dedupeKey, j.status]), [[`summary:${id}`, 'done']]);
        assert.ok(!jobs.some((j) => j.dedupeKey === `summary:${before}`));
        await Promise.all([a.stop(), b.stop()]);
      } finally {
        await smtp.stop();
      }
    });
  });
}
