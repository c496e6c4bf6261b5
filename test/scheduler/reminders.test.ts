// E-mail reminders (issue 14) through a real SMTP server: a daily meeting
// with a 15-minute reminder; the invitees get it 15 minutes before the first
// occurrence and again before the next one — exactly once each, with two
// schedulers (on PostgreSQL: two connection pools, as two processes would
// have) ticking at the same moments, and a scheduler restarted in between.
// Time is a fake clock stepped by the test; ticks are awaited, never slept on.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { seedDemo, type SeedResult } from '../../core/seed.ts';
import { REMINDER_JOB } from '../../core/scheduler/planner.ts';
import { MailService, smtpTransport } from '../../web/mail/mailer.ts';
import { RoomService } from '../../web/rooms/service.ts';
import { createRoomSchema } from '../../web/rooms/schemas.ts';
import { Scheduler } from '../../web/scheduler.ts';
import type { WebConfig } from '../../web/config.ts';
import { startTestSmtp, textAndIcs, type TestSmtp } from '../support/smtp.ts';
import { closeTestDatabases, testPostgres } from '../support/db.ts';

after(closeTestDatabases);

const MINUTE = 60_000;
const at = (iso: string): Date => new Date(iso);

/** "Processes" on one database: on PostgreSQL each gets its own pool; PGlite is one in-process database, shared. */
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
      url ??= testPostgres().then((pg) => pg.createDatabase(`sched${process.pid}_${++counter}`));
      const db = await openDatabase({ databaseUrl: await url, acquireTimeoutMs: 5_000 });
      pools.push(db);
      return db;
    },
    close: async () => { await Promise.all(pools.splice(0).map((p) => p.destroy())); },
  };
}

function webConfig(smtp: TestSmtp): WebConfig {
  return { defaultRegion: 'CN', secureCookies: false, licensedPorts: 100, smtp: { url: smtp.url, from: 'bridge@example.com' } };
}

async function setUp(cluster: Cluster, smtp: TestSmtp, clock: { now: Date }): Promise<{ repos: Repositories; seed: SeedResult; rooms: RoomService }> {
  const db = await cluster.open();
  const seed = await seedDemo(db, { now: clock.now });
  const repos = createRepositories(db, { defaultRegion: 'CN' });
  const rooms = new RoomService(repos, new MailService(repos.outbox, smtpTransport(webConfig(smtp).smtp!), () => clock.now), 'CN');
  return { repos, seed, rooms };
}

const reminders = (smtp: TestSmtp) => smtp.received.filter((m) => /^Reminder: /.test(m.subject) || m.subject.startsWith('会议提醒'));

for (const make of [pgliteCluster, postgresCluster]) {
  const cluster = make();
  describe(`reminders on ${cluster.name}`, { timeout: 90_000 }, () => {
    after(() => cluster.close());

    it('reach every invitee 15 min before each occurrence, once, with two schedulers racing and a restart', async () => {
      const smtp = await startTestSmtp();
      try {
        const clock = { now: at('2026-03-01T12:00:00Z') };
        const { repos, seed, rooms } = await setUp(cluster, smtp, clock);
        const account = await repos.accounts.get(seed.accountId);
        assert.equal(account.timeZone, 'Asia/Shanghai');
        await repos.users.update({ accountId: seed.accountId }, seed.ownerUserId, { locale: 'en' });
        // Daily at 10:00 Shanghai (02:00Z), three meetings, reminder 15 min before.
        const room = await rooms.create(account, seed.ownerUserId, createRoomSchema.parse({
          name: 'Daily stand-up', start: '2026-03-02T10:00', durationHours: 0.5, reminderMinutes: 15,
          recurrence: { freq: 'daily', end: 'count', count: 3 },
        }), clock.now);
        const invited = await rooms.sendInvitations(account, room, { emails: ['Li@Example.com', 'wang@example.com'], groupIds: [] }, 'en', clock.now);
        assert.equal(invited.sent, 2);
        await smtp.waitFor(2);

        const dbB = await cluster.open();
        const schedulerFor = async (db: Knex, worker: string) => new Scheduler(createRepositories(db), webConfig(smtp), { now: () => clock.now, worker, planEveryMs: 0 });
        let a = await schedulerFor(await cluster.open(), 'a');
        const b = await schedulerFor(dbB, 'b');
        const race = async (s1: Scheduler, s2: Scheduler, rounds = 3) => { for (let i = 0; i < rounds; i++) await Promise.all([s1.tick(), s2.tick()]); };

        // 16 minutes before: nothing yet.
        clock.now = at('2026-03-02T01:44:00Z');
        await race(a, b);
        assert.equal(reminders(smtp).length, 0);

        // 15 minutes before: one reminder per invitee, whichever scheduler ran the job.
        clock.now = at('2026-03-02T01:45:00Z');
        await race(a, b);
        let got = reminders(smtp);
        assert.deepEqual(got.map((m) => m.to[0]).sort(), ['li@example.com', 'wang@example.com']);
        assert.ok(got.every((m) => m.subject === 'Reminder: Daily stand-up starts in 15 min'), got.map((m) => m.subject).join());
        assert.ok(got.every((m) => /\r\nDTSTART;TZID=Asia\/Shanghai:20260302T100000\r\n/.test(textAndIcs(m.raw).ics)), 'the .ics rides along');
        assert.ok(got.every((m) => textAndIcs(m.raw).text.includes('2026-03-02')), textAndIcs(got[0]!.raw).text);

        // A restart of one scheduler (a fresh process on the same database), then the next day's reminder.
        await a.stop();
        a = await schedulerFor(await cluster.open(), 'a-restarted');
        clock.now = at('2026-03-02T12:00:00Z');
        await race(a, b);
        assert.equal(reminders(smtp).length, 2, 'nothing between the occurrences');
        clock.now = at('2026-03-03T01:45:00Z');
        await race(a, b);
        got = reminders(smtp);
        assert.equal(got.length, 4);
        assert.deepEqual(got.slice(2).map((m) => m.to[0]).sort(), ['li@example.com', 'wang@example.com']);
        assert.ok(got.slice(2).every((m) => textAndIcs(m.raw).text.includes('2026-03-03')), 'names the second occurrence');

        // The jobs: one per occurrence, done; the third planned for the day after.
        const jobs = await repos.jobs.list({ kind: REMINDER_JOB, dedupePrefix: `reminder:${room.id}:` });
        assert.deepEqual(jobs.map((j) => [j.runAt.toISOString(), j.status]), [
          ['2026-03-02T01:45:00.000Z', 'done'], ['2026-03-03T01:45:00.000Z', 'done'], ['2026-03-04T01:45:00.000Z', 'pending'],
        ]);
        // Late ticks by both change nothing.
        clock.now = at('2026-03-03T02:10:00Z');
        await race(a, b);
        assert.equal(reminders(smtp).length, 4);
      } finally {
        await smtp.stop();
      }
    });
  });
}
