// The invitation e-mail: meeting name and time, the access numbers, the room
// number and the guest PIN, with the meeting as an .ics attachment. The same
// mail, with another subject and opening line, is the reminder before an
// occurrence and the updated invitation after an edit; the cancellation
// carries METHOD:CANCEL. The .ics UID is the room's, so calendars match the
// update or cancellation to the invitation; SEQUENCE is the room's
// (raised on every edit, RFC 5546 §2.1.4).
import type { Account } from '../../core/accounts/store.ts';
import type { AccessNumber } from '../../core/telephony/store.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { Occurrence } from '../../core/schedule/room-window.ts';
import { t, type Locale } from '../i18n/messages.ts';
import { formatShortDateTime } from '../views/format.ts';
import { buildIcs } from '../mail/ics.ts';
import { describeRecurrence } from './describe.ts';

export type InvitationKind = 'invite' | 'update' | 'reminder' | 'cancel';

export interface InvitationParams {
  room: Room;
  account: Account;
  accessNumbers: AccessNumber[];
  next: Occurrence | null;
  locale: Locale;
  now: Date;
  /** The room's .ics SEQUENCE. */
  sequence: number;
  kind?: InvitationKind;
  /** The web's address as people reach it: the mail then carries the link to join from the browser (issue 17). */
  publicUrl?: string | undefined;
}

/** The join page's link for a room (web/join/join-pages.ts). */
export function joinLink(publicUrl: string, roomNumber: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/join?room=${encodeURIComponent(roomNumber)}`;
}

/** Whether an edit changed what the invitation says (else the invitees are not mailed again). */
export function invitationChanged(before: Room, after: Room): boolean {
  const a = before.schedule;
  const b = after.schedule;
  return before.name !== after.name || before.number !== after.number || before.guestPin !== after.guestPin
    || before.description !== after.description || a.startsAt.getTime() !== b.startsAt.getTime()
    || a.durationMinutes !== b.durationMinutes || a.rrule !== b.rrule;
}

export function invitationMail(p: InvitationParams): { subject: string; text: string; ics: string } {
  const { room, account, locale } = p;
  const kind = p.kind ?? 'invite';
  const tz = account.timeZone;
  const first = { start: room.schedule.startsAt, end: new Date(room.schedule.startsAt.getTime() + room.schedule.durationMinutes * 60_000) };
  const when = p.next ?? first;
  const intro = kind === 'cancel' ? t(locale, 'mail.cancel.intro', { account: account.name, name: room.name })
    : kind === 'update' ? t(locale, 'mail.update.intro', { account: account.name })
      : kind === 'reminder' ? t(locale, 'mail.reminder.intro', { account: account.name })
        : t(locale, 'mail.invite.intro', { account: account.name });
  const details = kind === 'cancel' ? [
    `${t(locale, 'room.name')}: ${room.name}`,
    `${t(locale, 'room.start')}: ${formatShortDateTime(when.start, tz, locale)} (${tz})`,
  ] : [
    `${t(locale, 'room.name')}: ${room.name}`,
    `${t(locale, 'room.start')}: ${formatShortDateTime(when.start, tz, locale)} (${tz})`,
    `${t(locale, 'room.duration')}: ${(room.schedule.durationMinutes / 60).toFixed(2).replace(/\.?0+$/, '')} h`,
    ...(room.schedule.rrule ? [`${t(locale, 'room.recurrence')}: ${describeRecurrence(room.schedule.rrule, tz, locale)}`] : []),
    '',
    `${t(locale, 'room.accessNumbers')}:`,
    ...p.accessNumbers.map((a) => `  ${a.number}  ${a.description}`),
    `${t(locale, 'room.number')}: ${room.number}`,
    room.guestPin ? `${t(locale, 'room.guestPin')}: ${room.guestPin}` : t(locale, 'mail.invite.noPin'),
    '',
    t(locale, 'mail.invite.howTo', { number: room.number }),
    ...(p.publicUrl ? [`${t(locale, 'join.title')}: ${joinLink(p.publicUrl, room.number)}`] : []),
    ...(room.description ? ['', room.description] : []),
  ];
  const lines = [intro, '', ...details];
  const ics = buildIcs({
    uid: `${room.id}@conference-bridge`, start: first.start, end: first.end, rrule: room.schedule.rrule, summary: room.name,
    description: lines.join('\n'), location: `${p.accessNumbers[0]?.number ?? ''} · ${t(locale, 'room.number')} ${room.number}`,
    sequence: p.sequence, now: p.now, timeZone: tz, method: kind === 'cancel' ? 'CANCEL' : 'REQUEST',
  });
  const subject = kind === 'cancel' ? t(locale, 'mail.cancel.subject', { name: room.name })
    : kind === 'update' ? t(locale, 'mail.update.subject', { name: room.name })
      : kind === 'reminder' ? t(locale, 'mail.reminder.subject', { name: room.name, minutes: room.schedule.reminderMinutes ?? 0 })
        : t(locale, 'mail.invite.subject', { name: room.name });
  return { subject, text: lines.join('\n'), ics };
}
