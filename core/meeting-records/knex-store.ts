// Meeting records on PostgreSQL and PGlite (see store.ts).
import type { Knex } from 'knex';
import { date, dateOrNull, num, numOrNull } from '../sql.ts';
import { NotFoundError } from '../errors.ts';
import type { DueSummary, MeetingRecordsSettings, MeetingRecordsStore, Participant, RetentionAccount } from './store.ts';

type Row = Record<string, unknown>;

const toSettings = (r: Row): MeetingRecordsSettings => ({ summaryMailSince: dateOrNull(r.summary_mail_since), retentionDays: num(r.retention_days) });

export class KnexMeetingRecordsStore implements MeetingRecordsStore {
  constructor(private readonly db: Knex) {}

  async settings(accountId: string): Promise<MeetingRecordsSettings> {
    const row = await this.db('accounts').where({ id: accountId }).first('summary_mail_since', 'retention_days') as Row | undefined;
    if (!row) throw new NotFoundError('account', accountId);
    return toSettings(row);
  }

  async setSettings(accountId: string, patch: { summaryMail?: boolean; retentionDays?: number }, now: Date): Promise<MeetingRecordsSettings> {
    const update: Record<string, unknown> = {};
    if (patch.summaryMail === false) update.summary_mail_since = null;
    if (patch.summaryMail === true) update.summary_mail_since = this.db.raw('coalesce(summary_mail_since, ?)', [now]);
    if (patch.retentionDays !== undefined) update.retention_days = patch.retentionDays;
    if (Object.keys(update).length === 0) return this.settings(accountId);
    const [row] = await this.db('accounts').where({ id: accountId }).update(update).returning(['summary_mail_since', 'retention_days']) as Row[];
    if (!row) throw new NotFoundError('account', accountId);
    return toSettings(row);
  }

  async dueSummaries(range: { endedAfter: Date; endedBefore: Date }, jobKeyPrefix: string, limit: number): Promise<DueSummary[]> {
    const rows = await this.db('conferences as c').join('accounts as a', 'a.id', 'c.account_id')
      .whereNotNull('a.summary_mail_since').whereNotNull('c.ended_at')
      .where('c.ended_at', '>=', range.endedAfter).where('c.ended_at', '<=', range.endedBefore).whereRaw('c.ended_at >= a.summary_mail_since')
      .whereNotExists((q) => q.select(this.db.raw('1')).from('scheduled_jobs as j').whereRaw('j.dedupe_key = ? || c.id::text', [jobKeyPrefix]))
      .orderBy('c.ended_at').limit(Math.max(1, Math.min(limit, 500))).select('c.id', 'c.account_id') as Row[];
    return rows.map((r) => ({ accountId: String(r.account_id), conferenceId: String(r.id) }));
  }

  async participants(accountId: string, conferenceId: string): Promise<Participant[]> {
    // A relay leg is not a participant: the relayed caller is listed once, by its entry node's leg (core/cdr/leg.ts).
    const rows = await this.db('call_legs').where({ account_id: accountId, conference_id: conferenceId }).whereNot({ direction: 'relay' })
      .orderBy([{ column: 'started_at' }, { column: 'id' }]) as Row[];
    return rows.map((r) => ({
      legId: String(r.id), direction: r.direction === 'out' ? 'out' : 'in', caller: String(r.caller), callee: String(r.callee),
      displayName: String(r.display_name ?? ''), role: r.role === null ? null : String(r.role), startedAt: date(r.started_at),
      answeredAt: dateOrNull(r.answered_at), endedAt: dateOrNull(r.ended_at), billableSeconds: numOrNull(r.billable_seconds), costMinor: numOrNull(r.cost_minor),
    }));
  }

  async retentionAccounts(): Promise<RetentionAccount[]> {
    const rows = await this.db('accounts').where('retention_days', '>', 0).orderBy('id').select('id', 'retention_days') as Row[];
    return rows.map((r) => ({ accountId: String(r.id), retentionDays: num(r.retention_days) }));
  }

  async deleteEventsBefore(accountId: string, before: Date): Promise<number> {
    return this.db('conference_events').where({ account_id: accountId }).where('at', '<', before).delete();
  }
}
