// Every mail the web app sends is kept here with its fate: sent, failed (with
// the error), or waiting in the outbox because no SMTP server is configured.
import type { Knex } from 'knex';
import { date, dateOrNull } from '../../core/sql.ts';

export type MailStatus = 'outbox' | 'sent' | 'failed';

export interface StoredMail {
  id: string;
  accountId: string | null;
  to: string;
  subject: string;
  text: string;
  ics: string | null;
  status: MailStatus;
  error: string | null;
  createdAt: Date;
  sentAt: Date | null;
}

export interface OutboxStore {
  add(m: Omit<StoredMail, 'id' | 'createdAt'> & { createdAt?: Date }): Promise<StoredMail>;
  list(opts?: { limit?: number }): Promise<StoredMail[]>;
  get(id: string): Promise<StoredMail | undefined>;
}

type Row = Record<string, unknown>;
const toMail = (r: Row): StoredMail => ({
  id: String(r.id), accountId: r.account_id === null ? null : String(r.account_id), to: String(r.to), subject: String(r.subject),
  text: String(r.text), ics: r.ics === null ? null : String(r.ics), status: r.status as MailStatus, error: r.error === null ? null : String(r.error),
  createdAt: date(r.created_at), sentAt: dateOrNull(r.sent_at),
});

export class KnexOutboxStore implements OutboxStore {
  constructor(private readonly db: Knex) {}

  async add(m: Omit<StoredMail, 'id' | 'createdAt'> & { createdAt?: Date }): Promise<StoredMail> {
    const [row] = await this.db('mail_outbox').insert({
      account_id: m.accountId, to: m.to, subject: m.subject, text: m.text, ics: m.ics, status: m.status, error: m.error,
      sent_at: m.sentAt, ...(m.createdAt ? { created_at: m.createdAt } : {}),
    }).returning('*');
    return toMail(row as Row);
  }

  async list(opts: { limit?: number } = {}): Promise<StoredMail[]> {
    return (await this.db('mail_outbox').orderBy('created_at', 'desc').limit(Math.min(opts.limit ?? 200, 1000)) as Row[]).map(toMail);
  }

  async get(id: string): Promise<StoredMail | undefined> {
    const row = await this.db('mail_outbox').where({ id }).first() as Row | undefined;
    return row ? toMail(row) : undefined;
  }
}
