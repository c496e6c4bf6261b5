import type { Knex } from 'knex';
import { date, dateOrNull } from '../sql.ts';
import type { MailStatus, NewStoredMail, OutboxStore, StoredMail } from './store.ts';

type Row = Record<string, unknown>;
const toMail = (r: Row): StoredMail => ({
  id: String(r.id), accountId: r.account_id === null ? null : String(r.account_id), to: String(r.to), subject: String(r.subject),
  text: String(r.text), ics: r.ics === null ? null : String(r.ics), status: r.status as MailStatus, error: r.error === null ? null : String(r.error),
  createdAt: date(r.created_at), sentAt: dateOrNull(r.sent_at),
});

export class KnexOutboxStore implements OutboxStore {
  constructor(private readonly db: Knex) {}

  async add(m: NewStoredMail): Promise<StoredMail> {
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
