// Jobs on PostgreSQL and PGlite. The claim is one transaction: select due
// rows FOR UPDATE SKIP LOCKED (two processes on one PostgreSQL never pick
// the same row, and neither waits for the other), then lease them. PGlite
// accepts the clause; it is one connection in one process, so there the
// transaction alone serialises the claims.
import type { Knex } from 'knex';
import { date, dateOrNull, num } from '../sql.ts';
import type { Job, JobPayload, JobStatus, JobStore, NewJob, ReminderRoom } from './store.ts';

type Row = Record<string, unknown>;

const toJob = (r: Row): Job => ({
  id: String(r.id), kind: String(r.kind), runAt: date(r.run_at),
  payload: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as JobPayload,
  status: r.status as JobStatus, attempts: num(r.attempts), lastError: r.last_error === null ? null : String(r.last_error),
  lockedBy: r.locked_by === null ? null : String(r.locked_by), lockedUntil: dateOrNull(r.locked_until),
  dedupeKey: String(r.dedupe_key), createdAt: date(r.created_at), finishedAt: dateOrNull(r.finished_at),
});

export class KnexJobStore implements JobStore {
  constructor(private readonly db: Knex) {}

  async enqueue(job: NewJob): Promise<boolean> {
    const rows = await this.db('scheduled_jobs')
      .insert({ kind: job.kind, run_at: job.runAt, payload: JSON.stringify(job.payload), dedupe_key: job.dedupeKey })
      .onConflict('dedupe_key').ignore().returning('id') as Row[];
    return rows.length > 0;
  }

  async claimDue(worker: string, now: Date, opts: { leaseMs: number; limit: number }): Promise<Job[]> {
    const limit = Math.max(1, Math.min(opts.limit, 100));
    return this.db.transaction(async (trx) => {
      const due = await trx('scheduled_jobs')
        .where((q) => q.where('status', 'pending').where('run_at', '<=', now))
        .orWhere((q) => q.where('status', 'running').where('locked_until', '<=', now))
        .orderBy('run_at').limit(limit).forUpdate().skipLocked().select('id') as Row[];
      if (due.length === 0) return [];
      const rows = await trx('scheduled_jobs').whereIn('id', due.map((r) => String(r.id)))
        .update({ status: 'running', locked_by: worker, locked_until: new Date(now.getTime() + opts.leaseMs), attempts: trx.raw('attempts + 1') })
        .returning('*') as Row[];
      return rows.map(toJob).sort((a, b) => a.runAt.getTime() - b.runAt.getTime());
    });
  }

  async complete(id: string, worker: string, now: Date): Promise<boolean> {
    const n = await this.db('scheduled_jobs').where({ id, status: 'running', locked_by: worker })
      .update({ status: 'done', finished_at: now, locked_until: null, last_error: null });
    return n > 0;
  }

  async fail(id: string, worker: string, error: string, retryAt: Date | null, now: Date): Promise<boolean> {
    const n = await this.db('scheduled_jobs').where({ id, status: 'running', locked_by: worker }).update(retryAt
      ? { status: 'pending', run_at: retryAt, locked_by: null, locked_until: null, last_error: error.slice(0, 500) }
      : { status: 'failed', finished_at: now, locked_until: null, last_error: error.slice(0, 500) });
    return n > 0;
  }

  async get(id: string): Promise<Job | undefined> {
    const row = await this.db('scheduled_jobs').where({ id }).first() as Row | undefined;
    return row ? toJob(row) : undefined;
  }

  async list(filter: { kind?: string; dedupePrefix?: string; limit?: number } = {}): Promise<Job[]> {
    const q = this.db('scheduled_jobs').orderBy('run_at').limit(Math.min(filter.limit ?? 200, 1000));
    if (filter.kind) q.where('kind', filter.kind);
    // LIKE with the prefix's own wildcards escaped.
    if (filter.dedupePrefix) q.whereRaw("dedupe_key like ? escape '\\'", [`${filter.dedupePrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`]);
    return (await q as Row[]).map(toJob);
  }

  async reminderRooms(): Promise<ReminderRoom[]> {
    const rows = await this.db('rooms').join('schedules', 'schedules.room_id', 'rooms.id')
      .whereNotNull('schedules.reminder_minutes').select('rooms.id', 'rooms.account_id') as Row[];
    return rows.map((r) => ({ accountId: String(r.account_id), roomId: String(r.id) }));
  }
}
