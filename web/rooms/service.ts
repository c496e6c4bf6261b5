// Rooms and meetings for the web: status (live / open / planned / past),
// next occurrences, create and edit from the form's fields, invitations, and
// what the room form offers (organizers, contact groups, a fresh number).
import type { Repositories } from '../../core/repositories.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { AutoInvite, Room } from '../../core/rooms/store.ts';
import type { AccessNumber } from '../../core/telephony/store.ts';
import type { User } from '../../core/users/store.ts';
import type { ContactGroup } from '../../core/contacts/store.ts';
import { occurrencesBetween, roomWindowAt, type Occurrence, type RoomWindow } from '../../core/schedule/room-window.ts';
import { allocateRoomNumber } from '../../core/rooms/room-number.ts';
import { generatePins } from '../../core/rooms/pins.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { MailService } from '../mail/mailer.ts';
import type { Locale } from '../i18n/messages.ts';
import { invitationChanged, invitationMail } from './invitation.ts';
import { MeetingMailer, type MailTally } from './meeting-mail.ts';
import { ReminderPlanner } from '../../core/scheduler/planner.ts';
import { newRoomFrom, normaliseAutoInvites, roomPatchFrom } from './room-input.ts';
import type { CreateRoomInput, InvitationRequest, UpdateRoomInput } from './schemas.ts';

export type RoomStatus = 'live' | 'open' | 'planned' | 'past';

export interface RoomSummary {
  room: Room;
  status: RoomStatus;
  liveConferenceId: string | null;
  /** The running or next occurrence; the last one for past rooms. */
  occurrence: Occurrence | null;
}

/** queued: tried once and failed; the scheduler tries again with backoff. */
export interface InvitationResult extends MailTally { recipients: string[] }

/** Who is editing, for the mails that follow an edit (their language) and the time. */
export interface EditContext { locale: Locale; now: Date }

const MINUTE = 60_000;
const YEAR = 366 * 86_400_000;

function statusOf(w: RoomWindow, live: boolean): RoomStatus {
  if (live) return 'live';
  return w.state === 'open' ? 'open' : w.state === 'not_started' ? 'planned' : 'past';
}

function occurrenceOf(w: RoomWindow): Occurrence | null {
  return w.state === 'open' ? w.occurrence : w.state === 'not_started' ? w.next : w.last;
}

export class RoomService {
  private readonly meetingMail: MeetingMailer;
  private readonly planner: ReminderPlanner;

  constructor(private readonly repos: Repositories, mail: MailService, private readonly defaultRegion: string, private readonly publicUrl?: string) {
    this.meetingMail = new MeetingMailer(repos, mail, publicUrl);
    this.planner = new ReminderPlanner(repos);
  }

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

  /** The room alone, without its status. */
  async room(accountId: string, id: string): Promise<Room> {
    return this.repos.rooms.get(accountId, id);
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
    const organizer = input.organizerUserId === undefined ? userId : input.organizerUserId;
    const room = newRoomFrom(input, account.timeZone, organizer, now);
    if (organizer) await this.repos.users.get({ accountId: account.id }, organizer); // another account's user: 404
    const autoInvites = input.autoInvites ? normaliseAutoInvites(input.autoInvites, this.defaultRegion) : undefined;
    const created = await this.repos.rooms.create(account.id, room, { now });
    if (autoInvites && autoInvites.length > 0) await this.repos.rooms.setAutoInvites(account.id, created.id, autoInvites);
    await this.planner.planRoom(account.id, created.id, now);
    return created;
  }

  /**
   * Changes the room; when what the invitation says changed, its invitees get
   * the updated .ics (SEQUENCE + 1), but those the same request invites again
   * (they get the new invitation); and
   * its reminders are planned for the new times (stale ones are dropped when due).
   */
  async update(account: Account, id: string, input: UpdateRoomInput, ctx: EditContext): Promise<Room> {
    const current = await this.repos.rooms.get(account.id, id);
    const patch = roomPatchFrom(input, current, account.timeZone);
    if (input.organizerUserId) await this.repos.users.get({ accountId: account.id }, input.organizerUserId);
    const autoInvites = input.autoInvites ? normaliseAutoInvites(input.autoInvites, this.defaultRegion) : undefined;
    const room = await this.repos.rooms.update(account.id, id, patch);
    if (autoInvites) await this.repos.rooms.setAutoInvites(account.id, id, autoInvites);
    const skip = new Set((input.invite?.emails ?? []).map((e) => e.toLowerCase()));
    if (invitationChanged(current, room)) await this.meetingMail.updated(account, room, this.nextOccurrences(room, account.timeZone, ctx.now, 1)[0] ?? null, ctx.locale, ctx.now, skip);
    await this.planner.planRoom(account.id, id, ctx.now);
    return room;
  }

  /** Deletes the room after mailing its invitees the cancellation (METHOD:CANCEL). */
  async delete(accountId: string, id: string, ctx: EditContext): Promise<void> {
    const [account, room] = await Promise.all([this.repos.accounts.get(accountId), this.repos.rooms.get(accountId, id)]);
    await this.meetingMail.cancelled(account, room, this.nextOccurrences(room, account.timeZone, ctx.now, 1)[0] ?? null, ctx.locale, ctx.now);
    await this.repos.rooms.delete(accountId, id);
  }

  /** The reminder mails of one occurrence (the scheduler's reminder job). */
  async remind(account: Account, room: Room, occurrence: Occurrence, now: Date): Promise<MailTally> {
    return this.meetingMail.remind(account, room, occurrence, now);
  }

  /** Plans the room's next reminders (after a reminder ran; idempotent). */
  async planReminders(accountId: string, roomId: string, now: Date): Promise<number> {
    return this.planner.planRoom(accountId, roomId, now);
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

  /** The access numbers a meeting's invitation lists: enabled, for meetings. */
  async meetingAccessNumbers(): Promise<AccessNumber[]> {
    return (await this.repos.accessNumbers.list()).filter((a) => a.enabled && a.kind === 'meeting');
  }

  /** The meeting as an iCalendar file. */
  async invitationIcs(account: Account, id: string, locale: Locale, now: Date): Promise<{ room: Room; ics: string }> {
    const room = await this.repos.rooms.get(account.id, id);
    const sequence = await this.repos.calendar.sequence(account.id, room.id);
    const mail = invitationMail({ room, account, accessNumbers: await this.meetingAccessNumbers(), next: null, locale, now, sequence, publicUrl: this.publicUrl });
    return { room, ics: mail.ics };
  }

  /** E-mails the invitation (access numbers, room number, guest PIN, .ics) to each recipient. */
  async sendInvitations(account: Account, room: Room, req: InvitationRequest, locale: Locale, now: Date): Promise<InvitationResult> {
    const emails = new Set(req.emails.map((e) => e.toLowerCase()));
    for (const groupId of req.groupIds) {
      const groups = await this.repos.contacts.listGroups(account.id);
      if (!groups.some((g) => g.id === groupId)) throw new NotFoundError('group', groupId);
      for (const c of await this.repos.contacts.list(account.id, { groupId })) if (c.email) emails.add(c.email.toLowerCase());
    }
    const next = this.nextOccurrences(room, account.timeZone, now, 1)[0] ?? null;
    const tally = await this.meetingMail.invite(account, room, [...emails], next, locale, now);
    return { ...tally, recipients: [...emails] };
  }

  /** Who may organize a meeting of the account (its users). */
  async organizers(accountId: string): Promise<User[]> {
    return this.repos.users.listByAccount(accountId);
  }

  /** Groups the invitation part of the form offers. */
  async contactGroups(accountId: string): Promise<ContactGroup[]> {
    return this.repos.contacts.listGroups(accountId);
  }

  /** A free room number and a pair of PINs for the new-room form. */
  async freshNumberAndPins(): Promise<{ number: string; chairPin: string; guestPin: string }> {
    const number = await allocateRoomNumber(async (n) => (await this.repos.rooms.findByNumber(n)) !== undefined);
    return { number, ...generatePins() };
  }
}
