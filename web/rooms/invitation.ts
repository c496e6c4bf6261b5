// The invitation e-mail: meeting name and time, the access numbers, the room
// number and the guest PIN, with the meeting as an .ics attachment.
import type { Account } from '../../core/accounts/store.ts';
import type { AccessNumber } from '../../core/telephony/store.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { Occurrence } from '../../core/schedule/room-window.ts';
import { t, type Locale } from '../i18n/messages.ts';
import { formatShortDateTime } from '../views/format.ts';
import { buildIcs } from '../mail/ics.ts';
import { describeRecurrence } from './describe.ts';

export function invitationMail(p: { room: Room; account: Account; accessNumbers: AccessNumber[]; next: Occurrence | null; locale: Locale; now: Date }): {
  subject: string; text: string; ics: string;
} {
  const { room, account, locale } = p;
  const tz = account.timeZone;
  const first = { start: room.schedule.startsAt, end: new Date(room.schedule.startsAt.getTime() + room.schedule.durationMinutes * 60_000) };
  const when = p.next ?? first;
  const lines = [
    t(locale, 'mail.invite.intro', { account: account.name }),
    '',
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
    ...(room.description ? ['', room.description] : []),
  ];
  const ics = buildIcs({
    uid: `${room.id}@conference-bridge`, start: first.start, end: first.end, rrule: room.schedule.rrule, summary: room.name,
    description: lines.join('\n'), location: `${p.accessNumbers[0]?.number ?? ''} · ${t(locale, 'room.number')} ${room.number}`,
    sequence: Math.floor(room.updatedAt.getTime() / 1000) % 2_000_000_000, now: p.now,
  });
  return { subject: t(locale, 'mail.invite.subject', { name: room.name }), text: lines.join('\n'), ics };
}
