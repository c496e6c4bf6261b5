import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../errors.ts';
import { date, dateOrNull, isUniqueViolation, num } from '../sql.ts';
import type { Conference, ConferenceEvent, ConferenceEventKind, ConferenceStore, TimeRange } from './store.ts';

type Row = Record<string, unknown>;
const MAX_LIST = 1000;

function toConference(r: Row): Conference {
  return {
    id: String(r.id), accountId: String(r.account_id), roomId: r.room_id === null ? null : String(r.room_id),
    roomNumber: String(r.room_number), nodeId: String(r.node_id), startedAt: date(r.started_at), endedAt: dateOrNull(r.ended_at),
    occurrenceStart: dateOrNull(r.occurrence_start), scheduledEnd: dateOrNull(r.scheduled_end),
    extendedMinutes: num(r.extended_minutes), locked: Boolean(r.locked), endReason: r.end_reason === null ? null : String(r.end_reason),
  };
}

function toEvent(r: Row): ConferenceEvent {
  return {
    id: num(r.id), conferenceId: String(r.conference_id), at: date(r.at), kind: r.kind as ConferenceEventKind,
    legId: r.leg_id === null ? null : String(r.leg_id), actor: String(r.actor), data: (r.data ?? {}) as Record<string, unknown>,
  };
}

export class KnexConferenceStore implements ConferenceStore {
  constructor(private readonly db: Knex) {}

  async startOrGet(accountId: string, input: { roomId: string; at: Date; occurrenceStart?: Date | null; scheduledEnd?: Date | null; nodeId?: string }): Promise<{ conference: Conference; created: boolean }> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const live = await this.findLive(accountId, input.roomId);
      if (live) return { conference: live, created: false };
      const room = await this.db('rooms').where({ id: input.roomId, account_id: accountId }).first('number') as Row | undefined;
      if (!room) throw new NotFoundError('room', input.roomId);
      try {
        const conference = await this.db.transaction(async (trx) => {
          const [row] = await trx('conferences').insert({
            account_id: accountId, room_id: input.roomId, room_number: room.number, node_id: input.nodeId ?? 'local',
            started_at: input.at, occurrence_start: input.occurrenceStart ?? null, scheduled_end: input.scheduledEnd ?? null,
          }).returning('*');
          const c = toConference(row as Row);
          await trx('conference_events').insert({ account_id: accountId, conference_id: c.id, at: input.at, kind: 'start', actor: 'system', data: '{}' });
          return c;
        });
        return { conference, created: true };
      } catch (err) {
        if (!isUniqueViolation(err, 'conferences_one_live_per_room')) throw err;
        // Another node started it first: take theirs.
      }
    }
    throw new Error(`could not start or find the live conference of room ${input.roomId}`);
  }

  async get(accountId: string, id: string): Promise<Conference> {
    const row = await this.db('conferences').where({ id, account_id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('conference', id);
    return toConference(row);
  }

  async findLive(accountId: string, roomId: string): Promise<Conference | undefined> {
    const row = await this.db('conferences').where({ room_id: roomId, account_id: accountId }).whereNull('ended_at').first() as Row | undefined;
    return row ? toConference(row) : undefined;
  }

  async end(accountId: string, id: string, input: { at: Date; reason: string }): Promise<Conference> {
    return this.db.transaction(async (trx) => {
      const [row] = await trx('conferences').where({ id, account_id: accountId }).whereNull('ended_at')
        .update({ ended_at: input.at, end_reason: input.reason, updated_at: trx.fn.now() }).returning('*');
      if (!row) {
        // Already ended (idempotent) or not ours.
        const cur = await trx('conferences').where({ id, account_id: accountId }).first() as Row | undefined;
        if (!cur) throw new NotFoundError('conference', id);
        return toConference(cur);
      }
      await trx('conference_events').insert({ account_id: accountId, conference_id: id, at: input.at, kind: 'end', actor: 'system', data: JSON.stringify({ reason: input.reason }) });
      return toConference(row as Row);
    });
  }

  async extend(accountId: string, id: string, minutes: number): Promise<Conference> {
    if (!Number.isInteger(minutes) || minutes <= 0 || minutes > 24 * 60) throw new ValidationError('extension must be 1–1440 minutes', 'minutes');
    const [row] = await this.db('conferences').where({ id, account_id: accountId }).whereNull('ended_at').update({
      extended_minutes: this.db.raw('extended_minutes + ?', [minutes]),
      scheduled_end: this.db.raw("scheduled_end + make_interval(mins => ?)", [minutes]),
      updated_at: this.db.fn.now(),
    }).returning('*');
    if (!row) throw new NotFoundError('conference', id);
    return toConference(row as Row);
  }

  async setLocked(accountId: string, id: string, locked: boolean): Promise<Conference> {
    const [row] = await this.db('conferences').where({ id, account_id: accountId }).update({ locked, updated_at: this.db.fn.now() }).returning('*');
    if (!row) throw new NotFoundError('conference', id);
    return toConference(row as Row);
  }

  async listByRoom(accountId: string, roomId: string, range: Partial<TimeRange> & { limit?: number } = {}): Promise<Conference[]> {
    const q = this.db('conferences').where({ room_id: roomId, account_id: accountId });
    if (range.from) q.where('started_at', '>=', range.from);
    if (range.to) q.where('started_at', '<', range.to);
    return (await q.orderBy('started_at', 'desc').limit(Math.min(range.limit ?? 100, MAX_LIST)) as Row[]).map(toConference);
  }

  async listByAccount(accountId: string, range: TimeRange & { limit?: number }): Promise<Conference[]> {
    return (await this.db('conferences').where({ account_id: accountId })
      .where('started_at', '>=', range.from).where('started_at', '<', range.to)
      .orderBy('started_at', 'desc').limit(Math.min(range.limit ?? 500, MAX_LIST)) as Row[]).map(toConference);
  }

  async listLive(accountId: string): Promise<Conference[]> {
    return (await this.db('conferences').where({ account_id: accountId }).whereNull('ended_at').orderBy('started_at') as Row[]).map(toConference);
  }

  async addEvent(accountId: string, conferenceId: string, e: { at: Date; kind: ConferenceEventKind; legId?: string | null; actor?: string; data?: Record<string, unknown> }): Promise<ConferenceEvent> {
    // One statement (the IVR writes two per call): the row goes in only if the conference is the account's.
    const res = await this.db.raw(
      `insert into conference_events (account_id, conference_id, at, kind, leg_id, actor, data)
       select c.account_id, c.id, ?::timestamptz, ?, ?::uuid, ?, ?::jsonb from conferences c where c.id = ? and c.account_id = ?
       returning *`,
      [e.at, e.kind, e.legId ?? null, e.actor ?? '', JSON.stringify(e.data ?? {}), conferenceId, accountId],
    ) as { rows: Row[] };
    const row = res.rows[0];
    if (!row) throw new NotFoundError('conference', conferenceId);
    return toEvent(row);
  }

  async listEvents(accountId: string, conferenceId: string): Promise<ConferenceEvent[]> {
    return (await this.db('conference_events').where({ conference_id: conferenceId, account_id: accountId }).orderBy('id') as Row[]).map(toEvent);
  }
}
