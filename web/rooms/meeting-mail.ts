// The mails that follow a meeting through its life, to the people its
// invitation went to (remembered per room in the calendar store): the
// invitation itself, the updated invitation after an edit (SEQUENCE raised
// first), the cancellation when the meeting is deleted, and the reminder
// before each occurrence (once per occurrence and address, whoever runs the
// job and however often). A branded account's mails carry its logo, colours
// and slogan in an HTML part (web/mail/branded.ts).
import type { Repositories } from '../../core/repositories.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { Occurrence } from '../../core/schedule/room-window.ts';
import type { StoredMail } from '../../core/outbox/store.ts';
import type { MailService } from '../mail/mailer.ts';
import { isLocale, type Locale } from '../i18n/messages.ts';
import { NotFoundError } from '../../core/errors.ts';
import { invitationMail, type InvitationKind } from './invitation.ts';
import { withBranding } from '../mail/branded.ts';

export interface MailTally { sent: number; queued: number; outbox: number; failed: number }

export const emptyTally = (): MailTally => ({ sent: 0, queued: 0, outbox: 0, failed: 0 });

function count(tally: MailTally, m: StoredMail | undefined): void {
  if (m) tally[m.status]++;
}

export class MeetingMailer {
  constructor(private readonly repos: Pick<Repositories, 'calendar' | 'accessNumbers' | 'users' | 'branding'>, private readonly mail: MailService, private readonly publicUrl?: string) {}

  private async compose(account: Account, room: Room, kind: InvitationKind, next: Occurrence | null, locale: Locale, now: Date, sequence: number) {
    const accessNumbers = (await this.repos.accessNumbers.list()).filter((a) => a.enabled && a.kind === 'meeting');
    // A branded account's invitation has its HTML part too (logo inline, colours, slogan); the text and the .ics stay.
    return withBranding(this.repos.branding, account, invitationMail({ room, account, accessNumbers, next, locale, now, sequence, kind, publicUrl: this.publicUrl }), locale);
  }

  /** The invitation (with .ics) to each address; the addresses are remembered for what follows. */
  async invite(account: Account, room: Room, emails: readonly string[], next: Occurrence | null, locale: Locale, now: Date): Promise<MailTally> {
    const tally = emptyTally();
    if (emails.length === 0) return tally;
    await this.repos.calendar.addInvitees(account.id, room.id, emails);
    const mail = await this.compose(account, room, 'invite', next, locale, now, await this.repos.calendar.sequence(account.id, room.id));
    for (const to of emails) count(tally, await this.mail.send(account.id, { ...mail, to }));
    return tally;
  }

  /** After an edit: SEQUENCE + 1 and the updated .ics to every invitee but `skip` (they get a fresh invitation anyway). */
  async updated(account: Account, room: Room, next: Occurrence | null, locale: Locale, now: Date, skip: ReadonlySet<string> = new Set()): Promise<MailTally> {
    const tally = emptyTally();
    const sequence = await this.repos.calendar.bumpSequence(account.id, room.id);
    const to = (await this.repos.calendar.invitees(account.id, room.id)).filter((e) => !skip.has(e));
    if (to.length === 0) return tally;
    const mail = await this.compose(account, room, 'update', next, locale, now, sequence);
    for (const addr of to) count(tally, await this.mail.send(account.id, { ...mail, to: addr }));
    return tally;
  }

  /** Before the room is deleted: METHOD:CANCEL to every invitee. */
  async cancelled(account: Account, room: Room, next: Occurrence | null, locale: Locale, now: Date): Promise<MailTally> {
    const tally = emptyTally();
    const to = await this.repos.calendar.invitees(account.id, room.id);
    if (to.length === 0) return tally;
    const sequence = await this.repos.calendar.bumpSequence(account.id, room.id);
    const mail = await this.compose(account, room, 'cancel', next, locale, now, sequence);
    for (const addr of to) count(tally, await this.mail.send(account.id, { ...mail, to: addr }));
    return tally;
  }

  /** The reminder of one occurrence, in the organizer's language; at most once per occurrence and address. */
  async remind(account: Account, room: Room, occurrence: Occurrence, now: Date): Promise<MailTally> {
    const tally = emptyTally();
    const to = await this.repos.calendar.invitees(account.id, room.id);
    if (to.length === 0) return tally;
    const locale = await this.organizerLocale(account, room);
    const mail = await this.compose(account, room, 'reminder', occurrence, locale, now, await this.repos.calendar.sequence(account.id, room.id));
    for (const addr of to) {
      count(tally, await this.mail.sendOnce(account.id, { ...mail, to: addr }, `reminder:${room.id}:${occurrence.start.toISOString()}:${addr}`));
    }
    return tally;
  }

  private async organizerLocale(account: Account, room: Room): Promise<Locale> {
    if (!room.organizerUserId) return 'zh-CN';
    try {
      const u = await this.repos.users.get({ accountId: account.id }, room.organizerUserId);
      return isLocale(u.locale) ? u.locale : 'zh-CN';
    } catch (err) {
      if (err instanceof NotFoundError) return 'zh-CN'; // the organizer was removed: the reminder still goes out
      throw err;
    }
  }
}
