// Retention (issue 14) on PGlite and PostgreSQL: with 30 days set, the daily
// job (run by whichever of two schedulers claims it, once per day) deletes
// the account's recordings older than that — row marked deleted, WAV and MP3
// files removed — and its older meeting-log events; a recent recording and
// recent events stay, the call records (CDRs) all stay, and another
// account's old recording (retention off) is untouched.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { NotFoundError } from '../../core/errors.ts';
import { Scheduler } from '../../web/scheduler.ts';
import { RETENTION_JOB } from '../../web/meeting-records/retention-job.ts';
import { mp3PathOf } from '../../web/recordings/mp3.ts';
import type { WebConfig } from '../../web/config.ts';
import { dbEngines } from '../support/db.ts';

const DAY = 86_400_000;
const MIN = 60_000;
const NOW = new Date('2026-06-01T02:00:00Z');
const ago = (days: number): Date => new Date(NOW.getTime() - days * DAY);
const exists = (p: string) => access(p).then(() => true, () => false);
const config: WebConfig = { defaultRegion: 'CN', secureCookies: false, licensedPorts: 100 };

interface Meeting { conferenceId: string; recordingId: string; path: string }

/** A meeting `daysAgo` with a recording (WAV and MP3 files), two events and a CDR. */
async function meeting(db: Knex, repos: Repositories, dir: string, accountId: string, roomId: string, daysAgo: number): Promise<Meeting> {
  const start = ago(daysAgo);
  const { conference } = await repos.conferences.startOrGet(accountId, { roomId, at: start });
  await repos.conferences.addEvent(accountId, conference.id, { at: start, kind: 'join', actor: 'caller' });
  await repos.conferences.addEvent(accountId, conference.id, { at: new Date(start.getTime() + 10 * MIN), kind: 'leave', actor: 'caller' });
  await db('call_legs').insert({
    id: randomUUID(), account_id: accountId, conference_id: conference.id, room_id: roomId, direction: 'in', caller: '+8613800138000', callee: '4006701018',
    started_at: start, answered_at: start, ended_at: new Date(start.getTime() + 10 * MIN), state: 'closed', cost_minor: 50,
  });
  const path = join(dir, `${randomUUID()}.wav`);
  await writeFile(path, 'RIFF');
  await writeFile(mp3PathOf(path), 'ID3');
  const rec = await repos.recordings.create(accountId, { conferenceId: conference.id, path, startedAt: start });
  await repos.recordings.finish(accountId, rec.id, { endedAt: new Date(start.getTime() + 10 * MIN), durationMs: 10 * MIN, sizeBytes: 4 });
  await repos.conferences.end(accountId, conference.id, { at: new Date(start.getTime() + 10 * MIN), reason: 'last_left' });
  return { conferenceId: conference.id, recordingId: rec.id, path };
}

for (const engine of dbEngines()) {
  describe(`retention on ${engine.name}`, { timeout: 60_000 }, () => {
    it('deletes old recordings (row and files) and old events of the account that set it, once a day; keeps recent ones, CDRs, and other accounts\' data', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'retention-'));
      try {
        const db = await engine.open();
        const repos = createRepositories(db);
        const acc = (await repos.accounts.create({ name: 'keeps 30 days', tier: 'formal' })).id;
        const other = (await repos.accounts.create({ name: 'keeps all', tier: 'formal' })).id;
        const room = await repos.rooms.create(acc, { name: 'r' }, { now: ago(100) });
        const otherRoom = await repos.rooms.create(other, { name: 'o' }, { now: ago(100) });
        const old = await meeting(db, repos, dir, acc, room.id, 40);
        const recent = await meeting(db, repos, dir, acc, room.id, 5);
        const otherOld = await meeting(db, repos, dir, other, otherRoom.id, 40);
        assert.equal((await repos.meetingRecords.setSettings(acc, { retentionDays: 30 }, NOW)).retentionDays, 30);
        assert.equal((await repos.meetingRecords.settings(other)).retentionDays, 0, 'kept forever by default');
        const events = async (accountId: string, m: Meeting) => (await repos.conferences.listEvents(accountId, m.conferenceId)).length;
        const [recentEvents, otherEvents] = [await events(acc, recent), await events(other, otherOld)];
        assert.ok(recentEvents >= 2 && otherEvents >= 2 && (await events(acc, old)) >= 2);
        const cdrsBefore = Number((await db('call_legs').count({ n: '*' }))[0]!.n);
        assert.equal(cdrsBefore, 3);

        const clock = { now: NOW };
        const schedulerFor = (worker: string) => new Scheduler(createRepositories(db), config, { now: () => clock.now, worker, planEveryMs: 0 });
        const [a, b] = [schedulerFor('a'), schedulerFor('b')];
        for (let i = 0; i < 3; i++) await Promise.all([a.tick(), b.tick()]);

        // The old recording: row deleted (not found, marked in the table), both files gone.
        await assert.rejects(repos.recordings.get(acc, old.recordingId), NotFoundError);
        assert.ok((await db('recordings').where({ id: old.recordingId }).first() as { deleted_at: unknown }).deleted_at);
        assert.equal(await exists(old.path), false);
        assert.equal(await exists(mp3PathOf(old.path)), false);
        assert.deepEqual(await repos.conferences.listEvents(acc, old.conferenceId), []);
        // The recent one stays, with its files and events.
        assert.equal((await repos.recordings.get(acc, recent.recordingId)).id, recent.recordingId);
        assert.equal(await exists(recent.path), true);
        assert.equal(await events(acc, recent), recentEvents);
        // The other account's old recording and events: untouched.
        assert.equal((await repos.recordings.get(other, otherOld.recordingId)).id, otherOld.recordingId);
        assert.equal(await exists(otherOld.path), true);
        assert.equal(await events(other, otherOld), otherEvents);
        // Every CDR stays (billing), the conferences too.
        assert.equal(Number((await db('call_legs').count({ n: '*' }))[0]!.n), cdrsBefore);
        assert.equal((await repos.conferences.get(acc, old.conferenceId)).id, old.conferenceId);
        // One run today, whoever ticked; tomorrow's is another.
        let jobs = await repos.jobs.list({ kind: RETENTION_JOB });
        assert.deepEqual(jobs.map((j) => [j.dedupeKey, j.status]), [['retention:2026-06-01', 'done']]);
        clock.now = new Date(NOW.getTime() + DAY);
        await Promise.all([a.tick(), b.tick()]);
        jobs = await repos.jobs.list({ kind: RETENTION_JOB });
        assert.deepEqual(jobs.map((j) => [j.dedupeKey, j.status]), [['retention:2026-06-01', 'done'], ['retention:2026-06-02', 'done']]);
        assert.equal(await exists(recent.path), true, 'six days old: kept');
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('the settings: summary on keeps its first moment, off clears it; retention bounded; unknown account is NotFound', async () => {
      const db = await engine.open();
      const repos = createRepositories(db);
      const acc = (await repos.accounts.create({ name: 's', tier: 'formal' })).id;
      const on = await repos.meetingRecords.setSettings(acc, { summaryMail: true }, NOW);
      assert.equal(on.summaryMailSince?.toISOString(), NOW.toISOString());
      const again = await repos.meetingRecords.setSettings(acc, { summaryMail: true, retentionDays: 7 }, ago(-1));
      assert.deepEqual([again.summaryMailSince?.toISOString(), again.retentionDays], [NOW.toISOString(), 7]);
      assert.equal((await repos.meetingRecords.setSettings(acc, { summaryMail: false }, NOW)).summaryMailSince, null);
      await assert.rejects(repos.meetingRecords.setSettings(acc, { retentionDays: 100_000 }, NOW));
      await assert.rejects(repos.meetingRecords.settings(randomUUID()), NotFoundError);
    });
  });
}
