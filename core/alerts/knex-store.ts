import type { Knex } from 'knex';
import { NotFoundError } from '../errors.ts';
import { date } from '../sql.ts';
import type { AlertKind, AlertStore, LiveAlert, NewAlert } from './store.ts';

type Row = Record<string, unknown>;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const d = (v: unknown): Date | null => (v === null || v === undefined ? null : date(v));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toAlert(r: Row): LiveAlert {
  return {
    id: String(r.id), accountId: String(r.account_id), roomId: s(r.room_id), roomNumber: String(r.room_number), conferenceId: s(r.conference_id),
    kind: r.kind as AlertKind, participantId: s(r.participant_id), data: (r.data ?? {}) as Record<string, unknown>,
    raisedAt: date(r.raised_at), resolvedAt: d(r.resolved_at), dismissedAt: d(r.dismissed_at),
  };
}

export class KnexAlertStore implements AlertStore {
  constructor(private readonly db: Knex) {}

  async raise(accountId: string, a: NewAlert): Promise<LiveAlert> {
    const [row] = await this.db('live_alerts').insert({
      account_id: accountId, room_id: a.roomId, room_number: a.roomNumber, conference_id: a.conferenceId, kind: a.kind,
      participant_id: a.participantId ?? null, data: JSON.stringify(a.data ?? {}), raised_at: a.at,
    }).returning('*');
    return toAlert(row as Row);
  }

  async resolveHelp(accountId: string, conferenceId: string, participantId: string, at: Date): Promise<void> {
    await this.db('live_alerts')
      .where({ account_id: accountId, conference_id: conferenceId, participant_id: participantId, kind: 'help' })
      .whereNull('resolved_at').update({ resolved_at: at });
  }

  async listOpen(accountId: string, opts: { conferenceId?: string; limit?: number } = {}): Promise<LiveAlert[]> {
    const q = this.db('live_alerts').where({ account_id: accountId }).whereNull('dismissed_at');
    if (opts.conferenceId !== undefined) {
      if (!UUID.test(opts.conferenceId)) return [];
      // A conference's page shows its own alerts and lockouts of the same room.
      q.where((w) => { w.where({ conference_id: opts.conferenceId }).orWhere({ kind: 'lockout' }); });
    }
    return (await q.orderBy('raised_at', 'desc').limit(Math.min(opts.limit ?? 100, 500)) as Row[]).map(toAlert);
  }

  async dismiss(accountId: string, id: string, by: { userId: string; at: Date }): Promise<LiveAlert> {
    if (!UUID.test(id)) throw new NotFoundError('alert', id);
    const [row] = await this.db('live_alerts').where({ account_id: accountId, id })
      .update({ dismissed_at: this.db.raw('coalesce(dismissed_at, ?)', [by.at]), dismissed_by: this.db.raw('coalesce(dismissed_by, ?)', [by.userId]) })
      .returning('*');
    if (!row) throw new NotFoundError('alert', id);
    return toAlert(row as Row);
  }

  async claimMail(id: string, at: Date): Promise<LiveAlert | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.db('live_alerts').where({ id }).whereRaw("data->>'mailedAt' is null")
      .update({ data: this.db.raw('data || jsonb_build_object(\'mailedAt\', ?::text)', [at.toISOString()]) })
      .returning('*');
    return row ? toAlert(row as Row) : null;
  }
}
