import type { Knex } from 'knex';
import { NotFoundError } from '../errors.ts';
import { date, dateOrNull, num, numOrNull } from '../sql.ts';
import type { Recording, RecordingFilter, RecordingStore, RecordingUsage } from './store.ts';

type Row = Record<string, unknown>;

function toRecording(r: Row): Recording {
  return {
    id: String(r.id), accountId: String(r.account_id), conferenceId: r.conference_id === null ? null : String(r.conference_id),
    roomId: r.room_id === null ? null : String(r.room_id), path: String(r.path), startedAt: date(r.started_at),
    endedAt: dateOrNull(r.ended_at), durationMs: numOrNull(r.duration_ms), sizeBytes: numOrNull(r.size_bytes),
    failure: r.failure === null || r.failure === undefined ? null : String(r.failure),
  };
}

export class KnexRecordingStore implements RecordingStore {
  constructor(private readonly db: Knex) {}

  async create(accountId: string, input: { conferenceId: string; path: string; startedAt: Date }): Promise<Recording> {
    const conf = await this.db('conferences').where({ id: input.conferenceId, account_id: accountId }).first('room_id') as Row | undefined;
    if (!conf) throw new NotFoundError('conference', input.conferenceId);
    const [row] = await this.db('recordings').insert({
      account_id: accountId, conference_id: input.conferenceId, room_id: conf.room_id, path: input.path, started_at: input.startedAt,
    }).returning('*');
    return toRecording(row as Row);
  }

  async finish(accountId: string, id: string, input: { endedAt: Date; durationMs: number; sizeBytes: number; failure?: string | null }): Promise<Recording> {
    const [row] = await this.db('recordings').where({ id, account_id: accountId }).whereNull('deleted_at').update({
      ended_at: input.endedAt, duration_ms: input.durationMs, size_bytes: input.sizeBytes, failure: input.failure?.slice(0, 500) ?? null,
    }).returning('*');
    if (!row) throw new NotFoundError('recording', id);
    return toRecording(row as Row);
  }

  async get(accountId: string, id: string): Promise<Recording> {
    const row = await this.db('recordings').where({ id, account_id: accountId }).whereNull('deleted_at').first() as Row | undefined;
    if (!row) throw new NotFoundError('recording', id);
    return toRecording(row);
  }

  async list(accountId: string, filter: RecordingFilter = {}): Promise<Recording[]> {
    const q = this.db('recordings').where({ account_id: accountId }).whereNull('deleted_at');
    if (filter.conferenceId) q.where({ conference_id: filter.conferenceId });
    if (filter.roomId) q.where({ room_id: filter.roomId });
    if (filter.from) q.where('started_at', '>=', filter.from);
    if (filter.to) q.where('started_at', '<', filter.to);
    return (await q.orderBy('started_at', 'desc').limit(Math.min(filter.limit ?? 200, 1000)) as Row[]).map(toRecording);
  }

  async usage(accountId: string): Promise<RecordingUsage> {
    const row = await this.db('recordings').where({ account_id: accountId }).whereNull('deleted_at')
      .first(this.db.raw('count(*) as count'), this.db.raw('coalesce(sum(size_bytes), 0) as bytes')) as Row | undefined;
    return { count: num(row?.count ?? 0), bytes: num(row?.bytes ?? 0) };
  }

  async delete(accountId: string, id: string): Promise<Recording> {
    const [row] = await this.db('recordings').where({ id, account_id: accountId }).whereNull('deleted_at')
      .update({ deleted_at: this.db.fn.now() }).returning('*');
    if (!row) throw new NotFoundError('recording', id);
    return toRecording(row as Row);
  }
}
