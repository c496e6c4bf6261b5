// From the room form's fields to core's shapes: the start on the account's
// wall clock, the schedule and patch of a new or changed room, and the
// auto-invite lines ("13900139001 张伟" or a SIP address).
import { DateTime } from 'luxon';
import type { z } from 'zod';
import type { NewRoom, Room, RoomPatch, Schedule } from '../../core/rooms/store.ts';
import { toStoredNumber } from '../../core/phone/normalise.ts';
import { checkDtmf } from '../../core/phone/dtmf.ts';
import { ValidationError } from '../../core/errors.ts';
import { toRRule, fromRRule } from './recurrence.ts';
import type { autoInviteSchema, CreateRoomInput, UpdateRoomInput } from './schemas.ts';

/** "YYYY-MM-DDTHH:mm" on the zone's wall clock, or an ISO instant with Z/offset. */
export function parseStart(s: string, timeZone: string): Date {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  const d = hasZone ? DateTime.fromISO(s, { setZone: true }) : DateTime.fromISO(s, { zone: timeZone });
  if (!d.isValid) throw new ValidationError('start time is invalid', 'start');
  return d.toJSDate();
}

type TimingInput = Pick<CreateRoomInput, 'durationHours' | 'earlyEntryMinutes' | 'autoExtendMinutes' | 'reminderMinutes'>;

/** The schedule fields both forms share (duration, early entry, auto-extend, reminder). */
function timing(input: TimingInput): Partial<Schedule> {
  const schedule: Partial<Schedule> = {};
  if (input.durationHours !== undefined) schedule.durationMinutes = Math.max(1, Math.round(input.durationHours * 60));
  if (input.earlyEntryMinutes !== undefined) schedule.earlyEntryMinutes = input.earlyEntryMinutes;
  if (input.autoExtendMinutes !== undefined) schedule.autoExtendMinutes = input.autoExtendMinutes;
  if (input.reminderMinutes !== undefined) schedule.reminderMinutes = input.reminderMinutes;
  return schedule;
}

/** A new room from the form: starts now unless a start is given. */
export function newRoomFrom(input: CreateRoomInput, timeZone: string, organizerUserId: string | null, now: Date): NewRoom {
  const startsAt = input.start ? parseStart(input.start, timeZone) : now;
  const schedule: Partial<Schedule> = { startsAt, ...timing(input) };
  if (input.recurrence !== undefined) schedule.rrule = toRRule(input.recurrence, startsAt, timeZone);
  return {
    name: input.name, schedule, organizerUserId,
    ...(input.number !== undefined ? { number: input.number } : {}),
    ...(input.chairPin !== undefined ? { chairPin: input.chairPin } : {}),
    ...(input.guestPin !== undefined ? { guestPin: input.guestPin } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.options !== undefined ? { options: input.options } : {}),
    ...(input.maxParticipants !== undefined ? { maxParticipants: input.maxParticipants } : {}),
    ...(input.templateId !== undefined ? { templateId: input.templateId } : {}),
  };
}

/** The changes the form asks of `current`. */
export function roomPatchFrom(input: UpdateRoomInput, current: Room, timeZone: string): RoomPatch {
  const startsAt = input.start ? parseStart(input.start, timeZone) : current.schedule.startsAt;
  const schedule: Partial<Schedule> = {};
  if (input.start !== undefined) schedule.startsAt = startsAt;
  Object.assign(schedule, timing(input));
  if (input.recurrence !== undefined) schedule.rrule = toRRule(input.recurrence, startsAt, timeZone);
  else if (input.start !== undefined && current.schedule.rrule) {
    // A new start keeps the series' shape (weekly days follow the form, not the old start).
    schedule.rrule = toRRule(fromRRule(current.schedule.rrule, timeZone), startsAt, timeZone);
  }
  return {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.number !== undefined ? { number: input.number } : {}),
    ...(input.chairPin !== undefined ? { chairPin: input.chairPin } : {}),
    ...(input.guestPin !== undefined ? { guestPin: input.guestPin } : {}),
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.organizerUserId !== undefined ? { organizerUserId: input.organizerUserId } : {}),
    ...(input.options !== undefined ? { options: input.options } : {}),
    ...(input.maxParticipants !== undefined ? { maxParticipants: input.maxParticipants } : {}),
    ...(Object.keys(schedule).length > 0 ? { schedule } : {}),
  };
}

/**
 * Numbers to E.164 (the region's without a country code), SIP addresses
 * checked; line numbers in the errors. A line is "TARGET [dtmf=KEYS] [name]":
 * KEYS (digits, * # A-D, ',' = a 500 ms pause) are sent after the answer —
 * a video meeting's "ID#,,password#" (such an invite joins without press 1).
 */
export function normaliseAutoInvites(list: Array<z.output<typeof autoInviteSchema>>, defaultRegion: string): Array<{ target: string; name: string; dtmf: string }> {
  return list.map((item, i) => {
    let target: string;
    let name: string;
    let dtmf: string;
    if (typeof item === 'string') {
      const m = /^(\S+)(?:\s+dtmf=(\S*))?\s*(.*)$/i.exec(item.trim());
      target = m?.[1] ?? '';
      dtmf = m?.[2] ?? '';
      name = (m?.[3] ?? '').trim();
    } else {
      target = item.target;
      name = item.name ?? '';
      dtmf = item.dtmf ?? '';
    }
    try {
      dtmf = checkDtmf(dtmf);
    } catch (err) {
      throw new ValidationError(`auto-invite line ${i + 1}: ${(err as Error).message}`, 'autoInvites');
    }
    if (/^sips?:/i.test(target)) {
      if (!/^sips?:[^\s@<>"]+@[^\s<>"]+$/i.test(target)) throw new ValidationError(`auto-invite line ${i + 1}: invalid SIP address`, 'autoInvites');
      return { target, name, dtmf };
    }
    try {
      return { target: toStoredNumber(target, { defaultRegion }), name, dtmf };
    } catch (err) {
      throw new ValidationError(`auto-invite line ${i + 1}: ${(err as Error).message}`, 'autoInvites');
    }
  });
}

/** An auto-invite as a line of the room form (the inverse of normaliseAutoInvites). */
export function autoInviteLine(a: { target: string; name: string; dtmf: string }): string {
  return [a.target, a.dtmf ? `dtmf=${a.dtmf}` : '', a.name].filter((p) => p !== '').join(' ');
}
