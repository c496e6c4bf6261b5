// Plans the e-mail reminders of rooms with `reminderMinutes` set: one job per
// occurrence, at start − reminder (or at once when that moment has passed but
// the meeting has not started yet). The job's dedupe key names the room, the
// occurrence and the reminder's minutes, so planning again — another planner
// process, a restart, the next run after a job — adds nothing twice; an edit
// that moves the meeting or changes the minutes yields new keys, and the
// handler drops the stale jobs (see isCurrentReminder).
// The next two occurrences are planned: when the first one's reminder has
// run, the second is already waiting, and planning after the run adds the third.
import type { Repositories } from '../repositories.ts';
import type { Room } from '../rooms/store.ts';
import { occurrencesBetween, type Occurrence } from '../schedule/room-window.ts';
import { NotFoundError } from '../errors.ts';
import { moduleLogger } from '../../common/log.ts';
import type { JobPayload, NewJob } from './store.ts';

const log = moduleLogger('core', { part: 'planner' });

export const REMINDER_JOB = 'reminder';

const MINUTE = 60_000;
/** How far ahead the next occurrences are looked for (a yearly meeting is found). */
const HORIZON_MS = 400 * 86_400_000;
const AHEAD = 2;

export interface ReminderPayload extends JobPayload {
  accountId: string;
  roomId: string;
  /** ISO instant of the occurrence's start. */
  occurrenceStart: string;
  reminderMinutes: number;
}

export function reminderKey(roomId: string, occurrenceStart: Date, minutes: number): string {
  return `reminder:${roomId}:${occurrenceStart.toISOString()}:${minutes}`;
}

/** The reminder jobs a room needs from `now` on (pure: no database). */
export function reminderJobsFor(room: Room, timeZone: string, now: Date, ahead = AHEAD): NewJob[] {
  const minutes = room.schedule.reminderMinutes;
  if (minutes === null) return [];
  const upcoming = occurrencesBetween(room.schedule, timeZone, new Date(now.getTime() + 1), new Date(now.getTime() + HORIZON_MS)).slice(0, ahead);
  return upcoming.map((o: Occurrence) => {
    const payload: ReminderPayload = { accountId: room.accountId, roomId: room.id, occurrenceStart: o.start.toISOString(), reminderMinutes: minutes };
    return { kind: REMINDER_JOB, runAt: new Date(Math.max(now.getTime(), o.start.getTime() - minutes * MINUTE)), payload, dedupeKey: reminderKey(room.id, o.start, minutes) };
  });
}

/** Whether a reminder job still matches its room: same minutes, and the occurrence is still one of the schedule's. */
export function isCurrentReminder(room: Room, timeZone: string, p: ReminderPayload): boolean {
  if (room.schedule.reminderMinutes !== p.reminderMinutes) return false;
  const start = new Date(p.occurrenceStart);
  return occurrencesBetween(room.schedule, timeZone, start, start).some((o) => o.start.getTime() === start.getTime());
}

export function isReminderPayload(p: JobPayload): p is ReminderPayload {
  return typeof p.accountId === 'string' && typeof p.roomId === 'string' && typeof p.occurrenceStart === 'string'
    && !Number.isNaN(Date.parse(p.occurrenceStart)) && typeof p.reminderMinutes === 'number';
}

export class ReminderPlanner {
  constructor(private readonly repos: Pick<Repositories, 'rooms' | 'accounts' | 'jobs'>) {}

  /** Enqueues the room's next reminders; returns how many were new. A room gone is nothing to plan. */
  async planRoom(accountId: string, roomId: string, now: Date): Promise<number> {
    let room: Room;
    try {
      room = await this.repos.rooms.get(accountId, roomId);
    } catch (err) {
      if (err instanceof NotFoundError) return 0;
      throw err;
    }
    const account = await this.repos.accounts.get(accountId);
    let added = 0;
    for (const job of reminderJobsFor(room, account.timeZone, now)) if (await this.repos.jobs.enqueue(job)) added++;
    return added;
  }

  /** Plans every room with a reminder (at start-up and now and then, so nothing is missed). */
  async planAll(now: Date): Promise<number> {
    let added = 0;
    for (const r of await this.repos.jobs.reminderRooms()) {
      try {
        added += await this.planRoom(r.accountId, r.roomId, now);
      } catch (err) {
        log.error({ err, room: r.roomId }, 'planning a room\'s reminders failed');
      }
    }
    if (added > 0) log.info({ added }, 'reminders planned');
    return added;
  }
}
