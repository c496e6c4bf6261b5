// Rooms and meetings for the web: status (live / open / planned / past),
// next occurrences, create and edit from the form's fields, invitations.
import { DateTime } from 'luxon';
import type { Repositories } from '../../core/repositories.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { AutoInvite, NewRoom, Room, RoomPatch, Schedule } from '../../core/rooms/store.ts';
import { occurrencesBetween, roomWindowAt, type Occurrence, type RoomWindow } from '../../core/schedule/room-window.ts';
import { toStoredNumber } from '../../core/phone/normalise.ts';
import { ValidationError, NotFoundError } from '../../core/errors.ts';
import type { MailService } from '../mail/mailer.ts';
import type { Locale } from '../i18n/messages.ts';
import { toRRule, fromRRule } from './recurrence.ts';
import { invitationMail } from './invitation.ts';
import type { CreateRoomInput, UpdateRoomInput } from './schemas.ts';
import type { z } from 'zod';
import type { autoInviteSchema, invitationRequestSchema } from './schemas.ts';

export type RoomStatus = 'live' | 'open' | 'planned' | 'past';

export interface RoomSummary {
  room: Room;
  status: RoomStatus;
  liveConferenceId: string | null;
  /** The running or next occurrence; the last one for past rooms. */
  occurrence: Occurrence | null;
}

export interface InvitationResult { sent: number; outbox: number; failed: number; recipients: string[] }

const MINUTE = 60_000;
const YEAR = 366 * 86_400_000;

/** "YYYY-MM-DDTHH:mm" on the zone's wall clock, or an ISO instant with Z/offset. */
export function parseStart(s: string, timeZone: string): Date {
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(s);
  const d = hasZone ? DateTime.fromISO(s, { setZone: true }) : DateTime.fromISO(s, { zone: timeZone });
  if (!d.isValid) throw new ValidationError('start time is invalid', 'start');
  return d.toJSDate();
}

function statusOf(w: RoomWindow, live: boolean): RoomStatus {
  if (live) return 'live';
  return w.state === 'open' ? 'open' : w.state === 'not_started' ? 'planned' : 'past';
}

function occurrenceOf(w: RoomWindow): Occurrence | null {
  return w.state === 'open' ? w.occurrence : w.state === 'not_started' ? w.next : w.last;
}

export class RoomService {
  constructor(private readonly repos: Repositories, private readonly mail: MailService, private readonly defaultRegion: string) {}

  summarize(room: Room, account: Account, now: Date, liveIds: Map<string, string>): RoomSummary {
    const w = roomWindowAt(room.schedule, { now, timeZone: account.timeZone });
    const liveId = liveIds.get(room.id) ?? null;
    return { room, status: statusOf(w, liveId !== null), liveConferenceId: liveId, occurrence: occurrenceOf(w) };
  }

  async list(account: Account, now: Date): Promise<RoomSummary[]> {
    const [rooms, live] = await Promise.all([this.repos.rooms.list(account.id), this.repos.conferences.listLive(account.id)]);
    const liveIds = new Map(live.filter((c) => c.roomId).map((c) => [c.roomId!, c.id]));
    return rooms.map((r) => this.summarize(r, account, now, liveIds));
  }

  async get(account: Account, id: string, now: Date): Promise<RoomSummary> {
    const room = await this.repos.rooms.get(account.id, id);
    const live = await this.repos.conferences.findLive(account.id, id);
    return this.summarize(room, account, now, new Map(live ? [[id, live.id]] : []));
  }

  /** The next `count` occurrences that have not ended (the running one first). */
  nextOccurrences(room: Room, timeZone: string, now: Date, count = 5): Occurrence[] {
    const from = new Date(now.getTime() - room.schedule.durationMinutes * MINUTE);
    return occurrencesBetween(room.schedule, timeZone, from, new Date(now.getTime() + 2 * YEAR))
      .filter((o) => o.end.getTime() > now.getTime()).slice(0, count);
  }

  async autoInvites(accountId: string, roomId: string): Promise<AutoInvite[]> {
    return this.repos.rooms.listAutoInvites(accountId, roomId);
  }

  async create(account: Account, userId: string, input: CreateRoomInput, now: Date): Promise<Room> {
    const startsAt = input.start ? parseStart(input.start, account.timeZone) : now;
    const schedule: Partial<Schedule> = { startsAt };
    if (input.durationHours !== undefined) schedule.durationMinutes = Math.max(1, Math.round(input.durationHours * 60));
    if (input.recurrence !== undefined) schedule.rrule = toRRule(input.recurrence, startsAt, account.timeZone);
    if (input.earlyEntryMinutes !== undefined) schedule.earlyEntryMinutes = input.earlyEntryMinutes;
    if (input.autoExtendMinutes !== undefined) schedule.autoExtendMinutes = input.autoExtendMinutes;
    if (input.reminderMinutes !== undefined) schedule.reminderMinutes = input.reminderMinutes;
    const organizer = input.organizerUserId === undefined ? userId : input.organizerUserId;
    if (organizer) await this.repos.users.get({ accountId: account.id }, organizer); // another account's user: 404
    const autoInvites = input.autoInvites ? this.normaliseAutoInvites(input.autoInvites) : undefined;
    const room: NewRoom = {
      name: input.name, schedule, organizerUserId: organizer,
      ...(input.number !== undefined ? { number: input.number } : {}),
      ...(input.chairPin !== undefined ? { chairPin: input.chairPin } : {}),
      ...(input.guestPin !== undefined ? { guestPin: input.guestPin } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.options !== undefined ? { options: input.options } : {}),
      ...(input.maxParticipants !== undefined ? { maxParticipants: input.maxParticipants } : {}),
      ...(input.templateId !== undefined ? { templateId: input.templateId } : {}),
    };
    const created = await this.repos.rooms.create(account.id, room, { now });
    if (autoInvites && autoInvites.length > 0) await this.repos.rooms.setAutoInvites(account.id, created.id, autoInvites);
    return created;
  }

  async update(account: Account, id: string, input: UpdateRoomInput): Promise<Room> {
    const current = await this.repos.rooms.get(account.id, id);
    const startsAt = input.start ? parseStart(input.start, account.timeZone) : current.schedule.startsAt;
    const schedule: Partial<Schedule> = {};
    if (input.start !== undefined) schedule.startsAt = startsAt;
    if (input.durationHours !== undefined) schedule.durationMinutes = Math.max(1, Math.round(input.durationHours * 60));
    if (input.recurrence !== undefined) schedule.rrule = toRRule(input.recurrence, startsAt, account.timeZone);
    else if (input.start !== undefined && current.schedule.rrule) {
      // A new start keeps the series' shape (weekly days follow the form, not the old start).
      schedule.rrule = toRRule(fromRRule(current.schedule.rrule, account.timeZone), startsAt, account.timeZone);
    }
    if (input.earlyEntryMinutes !== undefined) schedule.earlyEntryMinutes = input.earlyEntryMinutes;
    if (input.autoExtendMinutes !== undefined) schedule.autoExtendMinutes = input.autoExtendMinutes;
    if (input.reminderMinutes !== undefined) schedule.reminderMinutes = input.reminderMinutes;
    if (input.organizerUserId) await this.repos.users.get({ accountId: account.id }, input.organizerUserId);
    const patch: RoomPatch = {
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
    const autoInvites = input.autoInvites ? this.normaliseAutoInvites(input.autoInvites) : undefined;
    const room = await this.repos.rooms.update(account.id, id, patch);
    if (autoInvites) await this.repos.rooms.setAutoInvites(account.id, id, autoInvites);
    return room;
  }

  async delete(accountId: string, id: string): Promise<void> {
    await this.repos.rooms.delete(accountId, id);
  }

  /** A new meeting with the settings of a past conference's room, starting now. */
  async restart(account: Account, userId: string, conferenceId: string, now: Date): Promise<Room> {
    const conf = await this.repos.conferences.get(account.id, conferenceId);
    if (!conf.roomId) throw new NotFoundError('room', conferenceId);
    const old = await this.repos.rooms.get(account.id, conf.roomId);
    const invites = await this.repos.rooms.listAutoInvites(account.id, old.id);
    const room = await this.repos.rooms.create(account.id, {
      name: old.name, description: old.description, organizerUserId: old.organizerUserId ?? userId, options: old.options,
      maxParticipants: old.maxParticipants,
      schedule: {
        startsAt: now, durationMinutes: old.schedule.durationMinutes, rrule: null, earlyEntryMinutes: old.schedule.earlyEntryMinutes,
        autoExtendMinutes: old.schedule.autoExtendMinutes, reminderMinutes: old.schedule.reminderMinutes,
      },
    }, { now });
    if (invites.length > 0) await this.repos.rooms.setAutoInvites(account.id, room.id, invites.map((i) => ({ target: i.target, name: i.name })));
    return room;
  }

  normaliseAutoInvites(list: Array<z.output<typeof autoInviteSchema>>): Array<{ target: string; name: string }> {
    return list.map((item, i) => {
      let target: string;
      let name: string;
      if (typeof item === 'string') {
        const m = /^(\S+)\s*(.*)$/.exec(item.trim());
        target = m?.[1] ?? '';
        name = (m?.[2] ?? '').trim();
      } else {
        target = item.target;
        name = item.name ?? '';
      }
      if (/^sips?:/i.test(target)) {
        if (!/^sips?:[^\s@<>"]+@[^\s<>"]+$/i.test(target)) throw new ValidationError(`auto-invite line ${i + 1}: invalid SIP address`, 'autoInvites');
        return { target, name };
      }
      try {
        return { target: toStoredNumber(target, { defaultRegion: this.defaultRegion }), name };
      } catch (err) {
        throw new ValidationError(`auto-invite line ${i + 1}: ${(err as Error).message}`, 'autoInvites');
      }
    });
  }

  /** E-mails the invitation (access numbers, room number, guest PIN, .ics) to each recipient. */
  async sendInvitations(account: Account, room: Room, req: z.output<typeof invitationRequestSchema>, locale: Locale, now: Date): Promise<InvitationResult> {
    const emails = new Set(req.emails.map((e) => e.toLowerCase()));
    for (const groupId of req.groupIds) {
      const groups = await this.repos.contacts.listGroups(account.id);
      if (!groups.some((g) => g.id === groupId)) throw new NotFoundError('group', groupId);
      for (const c of await this.repos.contacts.list(account.id, { groupId })) if (c.email) emails.add(c.email.toLowerCase());
    }
    const result: InvitationResult = { sent: 0, outbox: 0, failed: 0, recipients: [...emails] };
    if (emails.size === 0) return result;
    const accessNumbers = (await this.repos.accessNumbers.list()).filter((a) => a.enabled && a.kind === 'meeting');
    const next = this.nextOccurrences(room, account.timeZone, now, 1)[0] ?? null;
    const mail = invitationMail({ room, account, accessNumbers, next, locale, now });
    for (const to of emails) {
      const stored = await this.mail.send(account.id, { ...mail, to });
      result[stored.status === 'sent' ? 'sent' : stored.status === 'outbox' ? 'outbox' : 'failed']++;
    }
    return result;
  }
}
