// The text of the meeting summary (pure: no database): the room, when the
// meeting ran, who came (one line per call leg, from the call records), the
// cost, and where its recordings are.
import type { Account } from '../../core/accounts/store.ts';
import type { Conference } from '../../core/conferences/store.ts';
import type { Participant } from '../../core/meeting-records/store.ts';
import type { Recording } from '../../core/recordings/store.ts';
import type { MailMessage } from '../mail/mailer.ts';
import { t as translate, type Locale, type MessageKey } from '../i18n/messages.ts';
import { formatDateTime, formatDuration, formatMoney, formatPhone, toLocalInput } from '../views/format.ts';

export interface SummaryInput {
  account: Account;
  conference: Conference;
  /** null when the room was deleted (the conference keeps its number). */
  roomName: string | null;
  participants: readonly Participant[];
  recordings: readonly Recording[];
  locale: Locale;
  /** The web's address as people reach it, without a trailing slash. */
  publicUrl: string;
  defaultRegion: string;
}

/** A caller as people read it; a SIP URI or "anonymous" is shown as it is. */
function phone(stored: string, region: string): string {
  try {
    return formatPhone(stored, region) || stored;
  } catch {
    return stored;
  }
}

const seconds = (from: Date, to: Date): number => Math.max(0, (to.getTime() - from.getTime()) / 1000);

export function summaryCost(participants: readonly Participant[]): number {
  return participants.reduce((sum, p) => sum + (p.costMinor ?? 0), 0);
}

export function summaryMail(input: SummaryInput, to: string): MailMessage {
  const { account, conference: c, locale } = input;
  const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(locale, key, vars);
  const tz = account.timeZone;
  const when = (d: Date | null) => formatDateTime(d, tz, locale);
  const room = input.roomName ?? c.roomNumber;
  const ended = c.endedAt ?? c.startedAt;
  const lines = [
    t('summary.intro', { room, number: c.roomNumber }), '',
    t('summary.start', { time: when(c.startedAt) }), t('summary.end', { time: when(ended) }),
    t('summary.duration', { duration: formatDuration(seconds(c.startedAt, ended)) }), '',
  ];
  if (input.participants.length === 0) lines.push(t('summary.noParticipants'));
  else lines.push(t('summary.participants', { count: input.participants.length }));
  for (const p of input.participants) {
    const number = phone(p.direction === 'out' ? p.callee : p.caller, input.defaultRegion);
    const who = p.displayName ? `${p.displayName} (${number})` : number;
    const role = p.role === 'chair' || p.role === 'guest' ? t(`summary.role.${p.role}`) : p.role ?? t('summary.role.none');
    const joined = p.answeredAt ?? null;
    lines.push(t('summary.participant', {
      who, role, direction: t(p.direction === 'out' ? 'summary.direction.out' : 'summary.direction.in'),
      joined: joined ? when(joined) : t('summary.notAnswered'), left: when(p.endedAt),
      duration: formatDuration(joined && p.endedAt ? seconds(joined, p.endedAt) : p.billableSeconds ?? 0),
      cost: formatMoney(p.costMinor ?? 0, account.currency),
    }));
  }
  lines.push('', t('summary.cost', { cost: formatMoney(summaryCost(input.participants), account.currency) }));
  if (input.recordings.length === 0) lines.push(t('summary.noRecordings'));
  else lines.push(t('summary.recordings', { count: input.recordings.length, url: recordingsUrl(input.publicUrl, c, tz) }));
  lines.push('', t('summary.footer'));
  return { to, subject: t('summary.subject', { room, start: when(c.startedAt) }), text: lines.join('\n') };
}

/** The recordings page filtered to the room and the meeting's days (the account's zone). */
export function recordingsUrl(publicUrl: string, c: Conference, tz: string): string {
  const q = new URLSearchParams();
  if (c.roomId) q.set('roomId', c.roomId);
  q.set('from', toLocalInput(c.startedAt, tz).slice(0, 10));
  q.set('to', toLocalInput(c.endedAt ?? c.startedAt, tz).slice(0, 10));
  return `${publicUrl.replace(/\/+$/, '')}/recordings?${q.toString()}`;
}
