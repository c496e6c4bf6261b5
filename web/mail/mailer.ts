// Sending mail: a transport (nodemailer over the configured SMTP server, or
// one a test hands in), and the service that records every mail in the
// outbox — sent, failed, or kept for the operator when there is no SMTP.
import nodemailer from 'nodemailer';
import type { OutboxStore, StoredMail } from '../../core/outbox/store.ts';
import type { SmtpSettings } from '../config.ts';
import { moduleLogger } from '../../common/log.ts';

const log = moduleLogger('web', { part: 'mail' });

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  /** An iCalendar invitation attached as invite.ics. */
  ics?: string;
}

export interface MailTransport {
  send(m: MailMessage): Promise<void>;
}

export function smtpTransport(s: SmtpSettings): MailTransport {
  const transporter = nodemailer.createTransport(s.url);
  return {
    async send(m) {
      await transporter.sendMail({
        from: s.from, to: m.to, subject: m.subject, text: m.text,
        ...(m.ics ? {
          icalEvent: { method: 'REQUEST', content: m.ics },
          attachments: [{ filename: 'invite.ics', content: m.ics, contentType: 'text/calendar; charset=utf-8; method=REQUEST' }],
        } : {}),
      });
    },
  };
}

export class MailService {
  constructor(private readonly outbox: OutboxStore, private readonly transport: MailTransport | undefined, private readonly now: () => Date) {}

  /** Every mail recorded (sent, failed, or waiting), newest first: the operator's outbox page. */
  async list(): Promise<StoredMail[]> {
    return this.outbox.list();
  }

  /** Sends (or keeps in the outbox) and records the result; never throws for a delivery failure. */
  async send(accountId: string | null, m: MailMessage): Promise<StoredMail> {
    const base = { accountId, to: m.to, subject: m.subject, text: m.text, ics: m.ics ?? null };
    if (!this.transport) return this.outbox.add({ ...base, status: 'outbox', error: null, sentAt: null });
    try {
      await this.transport.send(m);
      return await this.outbox.add({ ...base, status: 'sent', error: null, sentAt: this.now() });
    } catch (err) {
      log.warn({ err, to: m.to }, 'mail not delivered; kept in the outbox as failed');
      return this.outbox.add({ ...base, status: 'failed', error: (err as Error).message.slice(0, 500), sentAt: null });
    }
  }
}
