// The scheduler's `reminder` job: mails the occurrence's reminder to the
// room's invitees, then plans the room's next reminders. A job that no
// longer matches its room (deleted, moved, other minutes) does nothing: the
// planner has queued the right one under another key.
import type { Repositories } from '../../core/repositories.ts';
import type { Job } from '../../core/scheduler/store.ts';
import type { JobHandler } from '../../core/scheduler/runner.ts';
import { isCurrentReminder, isReminderPayload } from '../../core/scheduler/planner.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import type { RoomService } from './service.ts';

const log = moduleLogger('web', { part: 'reminders' });

export function reminderJob(repos: Pick<Repositories, 'accounts' | 'rooms'>, rooms: RoomService): JobHandler {
  return async (job: Job, now: Date) => {
    const p = job.payload;
    if (!isReminderPayload(p)) throw new ValidationError(`reminder job ${job.id} has a malformed payload`, 'payload');
    let room;
    try {
      room = await repos.rooms.get(p.accountId, p.roomId);
    } catch (err) {
      if (err instanceof NotFoundError) { log.info({ job: job.id, room: p.roomId }, 'room gone; reminder dropped'); return; }
      throw err;
    }
    const account = await repos.accounts.get(p.accountId);
    if (isCurrentReminder(room, account.timeZone, p)) {
      const start = new Date(p.occurrenceStart);
      const tally = await rooms.remind(account, room, { start, end: new Date(start.getTime() + room.schedule.durationMinutes * 60_000) }, now);
      log.info({ job: job.id, room: room.id, occurrence: p.occurrenceStart, ...tally }, 'reminder mailed');
    } else {
      log.info({ job: job.id, room: room.id, occurrence: p.occurrenceStart }, 'stale reminder (meeting changed); dropped');
    }
    await rooms.planReminders(p.accountId, p.roomId, now);
  };
}
