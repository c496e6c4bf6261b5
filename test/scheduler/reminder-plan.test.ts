// Planning reminders around edits: a meeting moved after its reminder was
// planned is reminded at the new time only (the old job is dropped when it
// comes due); other minutes, the same; a deleted meeting reminds nobody; a
// meeting created after its reminder moment (but before it starts) is
// reminded at once; a one-off has nothing after it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openDatabase } from '../../core/db.ts';
import { createRepositories } from '../../core/repositories.ts';
import { seedDemo } from '../../core/seed.ts';
import { REMINDER_JOB, reminderJobsFor } from '../../core/scheduler/planner.ts';
import { Scheduler } from '../../web/scheduler.ts';
import { MailService, type MailMessage } from '../../web/mail/mailer.ts';
import { RoomService } from '../../web/rooms/service.ts';
import { createRoomSchema, updateRoomSchema } from '../../web/rooms/schemas.ts';
import type { Room } from '../../core/rooms/store.ts';

const at = (iso: string): Date => new Date(iso);

async function setUp() {
  const db = await openDatabase({ inMemory: true });
  const clock = { now: at('2026-03-01T00:00:00Z') };
  const seed = await seedDemo(db, { now: clock.now });
  const repos = createRepositories(db);
  const sent: MailMessage[] = [];
  const transport = { send: async (m: MailMessage) => { sent.push(m); } };
  const rooms = new RoomService(repos, new MailService(repos.outbox, transport, () => clock.now), 'CN');
  const scheduler = new Scheduler(repos, { defaultRegion: 'CN', secureCookies: false, licensedPorts: 10 }, { now: () => clock.now, mailer: transport, planEveryMs: 0 });
  const account = await repos.accounts.get(seed.accountId);
  const reminders = () => sent.filter((m) => m.subject.startsWith('会议提醒'));
  return { db, clock, seed, repos, rooms, scheduler, account, sent, reminders };
}

describe('reminder planning', { timeout: 60_000 }, () => {
  it('a moved meeting is reminded at its new time only; a deleted one not at all', async () => {
    const s = await setUp();
    try {
      const room = await s.rooms.create(s.account, s.seed.ownerUserId, createRoomSchema.parse({ name: 'Moved', start: '2026-03-02T10:00', reminderMinutes: 30 }), s.clock.now);
      await s.rooms.sendInvitations(s.account, room, { emails: ['a@example.com'], groupIds: [] }, 'zh-CN', s.clock.now);
      assert.deepEqual((await s.repos.jobs.list({ kind: REMINDER_JOB })).map((j) => j.runAt.toISOString()), ['2026-03-02T01:30:00.000Z']);
      await s.rooms.update(s.account, room.id, updateRoomSchema.parse({ start: '2026-03-02T14:00' }), { locale: 'zh-CN', now: s.clock.now });
      s.clock.now = at('2026-03-02T01:30:00Z');
      await s.scheduler.tick();
      assert.equal(s.reminders().length, 0, 'the old time reminds nobody');
      s.clock.now = at('2026-03-02T05:30:00Z');
      await s.scheduler.tick();
      assert.equal(s.reminders().length, 1);
      assert.equal(s.reminders()[0]!.to, 'a@example.com');
      assert.match(s.reminders()[0]!.subject, /30 分钟/);

      const gone = await s.rooms.create(s.account, s.seed.ownerUserId, createRoomSchema.parse({ name: 'Gone', start: '2026-03-03T10:00', reminderMinutes: 10 }), s.clock.now);
      await s.rooms.sendInvitations(s.account, gone, { emails: ['b@example.com'], groupIds: [] }, 'zh-CN', s.clock.now);
      await s.rooms.delete(s.account.id, gone.id, { locale: 'zh-CN', now: s.clock.now });
      s.clock.now = at('2026-03-03T01:50:00Z');
      await s.scheduler.tick();
      assert.equal(s.reminders().length, 1, 'a deleted meeting reminds nobody');
      assert.ok(s.sent.some((m) => m.to === 'b@example.com' && /METHOD:CANCEL/.test(m.ics ?? '')), 'it was cancelled instead');
      const dropped = (await s.repos.jobs.list({ kind: REMINDER_JOB })).filter((j) => String(j.payload.roomId) === gone.id);
      assert.deepEqual(dropped.map((j) => j.status), ['done']);
    } finally {
      await s.db.destroy();
    }
  });

  it('changed minutes move the reminder; a late-created meeting is reminded at once', async () => {
    const s = await setUp();
    try {
      const room = await s.rooms.create(s.account, s.seed.ownerUserId, createRoomSchema.parse({ name: 'Minutes', start: '2026-03-02T10:00', reminderMinutes: 10 }), s.clock.now);
      await s.rooms.sendInvitations(s.account, room, { emails: ['a@example.com'], groupIds: [] }, 'zh-CN', s.clock.now);
      await s.rooms.update(s.account, room.id, updateRoomSchema.parse({ reminderMinutes: 60 }), { locale: 'zh-CN', now: s.clock.now });
      s.clock.now = at('2026-03-02T01:00:00Z');
      await s.scheduler.tick();
      assert.equal(s.reminders().length, 1, '60 minutes before');
      s.clock.now = at('2026-03-02T01:50:00Z');
      await s.scheduler.tick();
      assert.equal(s.reminders().length, 1, 'not again at the old 10 minutes');

      // 5 minutes before a meeting with a 15-minute reminder: the reminder goes at the next tick.
      const late = await s.rooms.create(s.account, s.seed.ownerUserId, createRoomSchema.parse({ name: 'Late', start: '2026-03-02T10:05', reminderMinutes: 15 }), s.clock.now);
      await s.rooms.sendInvitations(s.account, late, { emails: ['c@example.com'], groupIds: [] }, 'zh-CN', s.clock.now);
      await s.scheduler.tick();
      assert.deepEqual(s.reminders().map((m) => m.to), ['a@example.com', 'c@example.com']);
    } finally {
      await s.db.destroy();
    }
  });

  it('plans the next two occurrences of a series, none after a one-off, none without minutes (pure)', () => {
    const base = {
      id: 'r1', accountId: 'a1', kind: 'meeting', number: '12345678', name: 'x', description: '', organizerUserId: null, chairPin: '1234', guestPin: '',
      options: {} as Room['options'], maxParticipants: 10, createdAt: at('2026-01-01T00:00:00Z'), updatedAt: at('2026-01-01T00:00:00Z'),
    } as const;
    const schedule = { startsAt: at('2026-03-02T02:00:00Z'), durationMinutes: 30, rrule: 'FREQ=WEEKLY;BYDAY=MO', earlyEntryMinutes: 10, autoExtendMinutes: 0, reminderMinutes: 15 };
    const jobs = reminderJobsFor({ ...base, schedule } as Room, 'Asia/Shanghai', at('2026-03-02T01:50:00Z'));
    assert.deepEqual(jobs.map((j) => [j.runAt.toISOString(), j.dedupeKey]), [
      ['2026-03-02T01:50:00.000Z', 'reminder:r1:2026-03-02T02:00:00.000Z:15'],
      ['2026-03-09T01:45:00.000Z', 'reminder:r1:2026-03-09T02:00:00.000Z:15'],
    ]);
    assert.deepEqual(reminderJobsFor({ ...base, schedule: { ...schedule, rrule: null } } as Room, 'Asia/Shanghai', at('2026-03-02T02:00:00Z')), []);
    assert.deepEqual(reminderJobsFor({ ...base, schedule: { ...schedule, reminderMinutes: null } } as Room, 'Asia/Shanghai', at('2026-03-01T00:00:00Z')), []);
  });
});
