import type { Knex } from 'knex';
import { date, dateOrNull, num } from '../sql.ts';
import type { InlineImageRef, MailStatus, NewStoredMail, OutboxStore, StoredMail } from './store.ts';

type Row = Record<string, unknown>;
const toMail = (r: Row): StoredMail => ({
  id: String(r.id), accountId: r.account_id === null ? null : String(r.account_id), to: String(r.to), subject: String(r.subject),
  text: String(r.text), ics: r.ics === null ? null : String(r.ics), html: r.html === null || r.html === undefined ? null : String(r.html),
  inline: inlineOf(r.inline), status: r.status as MailStatus, error: r.error === null ? null : String(r.error),
  attempts: num(r.attempts ?? 0), nextAttemptAt: dateOrNull(r.next_attempt_at), createdAt: date(r.created_at), sentAt: dateOrNull(r.sent_at),
});

/** jsonb comes back parsed from node-postgres and PGlite alike; a string is parsed (a driver that does not). */
function inlineOf(v: unknown): InlineImageRef[] | null {
  if (v === null || v === undefined) return null;
  const list = (typeof v === 'string' ? JSON.parse(v) : v) as unknown;
  return Array.isArray(list) ? list as InlineImageRef[] : null;
}

const ERROR_MAX = 500;

export class KnexOutboxStore implements OutboxStore {
  constructor(private readonly db: Knex) {}

  private row(m: NewStoredMail): Row {
    return {
      account_id: m.accountId, to: m.to, subject: m.subject, text: m.text, ics: m.ics, status: m.status,
      html: m.html ?? null, inline: m.inline && m.inline.length > 0 ? JSON.stringify(m.inline) : null,
      error: m.error === null ? null : m.error.slice(0, ERROR_MAX), sent_at: m.sentAt, attempts: m.attempts ?? 0,
      next_attempt_at: m.nextAttemptAt ?? null, dedupe_key: m.dedupeKey ?? null, ...(m.createdAt ? { created_at: m.createdAt } : {}),
    };
  }

  async add(m: NewStoredMail): Promise<StoredMail> {
    const [row] = await this.db('mail_outbox').insert(this.row(m)).returning('*');
    return toMail(row as Row);
  }

  async addMany(ms: readonly NewStoredMail[]): Promise<StoredMail[]> {
    const out: StoredMail[] = [];
    for (let i = 0; i < ms.length; i += 200) {
      out.push(...(await this.db('mail_outbox').insert(ms.slice(i, i + 200).map((m) => this.row(m))).returning('*') as Row[]).map(toMail));
    }
    return out;
  }

  async addOnce(m: NewStoredMail & { dedupeKey: string }): Promise<StoredMail | undefined> {
    const rows = await this.db('mail_outbox').insert(this.row(m)).onConflict('dedupe_key').ignore().returning('*') as Row[];
    return rows[0] ? toMail(rows[0]) : undefined;
  }

  async list(opts: { limit?: number; status?: MailStatus } = {}): Promise<StoredMail[]> {
    const q = this.db('mail_outbox').orderBy('created_at', 'desc').limit(Math.min(opts.limit ?? 200, 1000));
    if (opts.status) q.where('status', opts.status);
    return (await q as Row[]).map(toMail);
  }

  async get(id: string): Promise<StoredMail | undefined> {
    const row = await this.db('mail_outbox').where({ id }).first() as Row | undefined;
    return row ? toMail(row) : undefined;
  }

  async claimDue(now: Date, opts: { leaseMs: number; limit: number }): Promise<StoredMail[]> {
    const limit = Math.max(1, Math.min(opts.limit, 100));
    return this.db.transaction(async (trx) => {
      const due = await trx('mail_outbox').where('status', 'queued').where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at').limit(limit).forUpdate().skipLocked().select('id') as Row[];
      if (due.length === 0) return [];
      const rows = await trx('mail_outbox').whereIn('id', due.map((r) => String(r.id)))
        .update({ attempts: trx.raw('attempts + 1'), next_attempt_at: new Date(now.getTime() + opts.leaseMs) }).returning('*') as Row[];
      return rows.map(toMail);
    });
  }

  async markSent(id: string, at: Date): Promise<void> {
    await this.db('mail_outbox').where({ id }).update({ status: 'sent', sent_at: at, next_attempt_at: null });
  }

  async markRetry(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.db('mail_outbox').where({ id }).update({ status: 'queued', error: error.slice(0, ERROR_MAX), next_attempt_at: nextAttemptAt });
  }

  async countWaiting(): Promise<{ queued: number; outbox: number }> {
    const rows = await this.db('mail_outbox').whereIn('status', ['queued', 'outbox']).groupBy('status').select('status').count({ n: '*' }) as Array<{ status: string; n: unknown }>;
    const of = (s: string) => num(rows.find((r) => r.status === s)?.n ?? 0);
    return { queued: of('queued'), outbox: of('outbox') };
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db('mail_outbox').where({ id }).update({ status: 'failed', error: error.slice(0, ERROR_MAX), next_attempt_at: null });
  }
}
