import type { Knex } from 'knex';
import { InvalidStateError } from '../../common/errors.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { checkDtmf } from '../phone/dtmf.ts';
import { date, numOrNull } from '../sql.ts';
import { canTransition, type InviteState } from './states.ts';
import type { Invite, InviteChange, InviteEvent, InviteSource, InviteStore, NewInvite } from './store.ts';

type Row = Record<string, unknown>;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

function toInvite(r: Row): Invite {
  return {
    id: String(r.id), accountId: String(r.account_id), roomId: s(r.room_id), conferenceId: s(r.conference_id), contactId: s(r.contact_id),
    target: String(r.target), name: String(r.name), dtmf: String(r.dtmf ?? ''), source: r.source as InviteSource, state: r.state as InviteState,
    q850Cause: numOrNull(r.q850_cause), sipStatus: numOrNull(r.sip_status), legId: s(r.leg_id), participantId: s(r.participant_id), requestedBy: String(r.requested_by),
    createdAt: date(r.created_at), updatedAt: date(r.updated_at),
  };
}

export class KnexInviteStore implements InviteStore {
  constructor(private readonly db: Knex) {}

  async create(accountId: string, input: NewInvite): Promise<Invite> {
    if (input.target.length === 0 || input.target.length > 256) throw new ValidationError('invite target is empty or too long', 'target');
    // Room, conference and contact must all be this account's.
    const room = await this.db('rooms').where({ id: input.roomId, account_id: accountId }).first('id');
    if (!room) throw new NotFoundError('room', input.roomId);
    if (input.conferenceId) {
      const c = await this.db('conferences').where({ id: input.conferenceId, account_id: accountId }).first('id');
      if (!c) throw new NotFoundError('conference', input.conferenceId);
    }
    if (input.contactId) {
      const c = await this.db('contacts').where({ id: input.contactId, account_id: accountId }).first('id');
      if (!c) throw new NotFoundError('contact', input.contactId);
    }
    return this.db.transaction(async (trx) => {
      const [row] = await trx('invites').insert({
        account_id: accountId, room_id: input.roomId, conference_id: input.conferenceId ?? null, contact_id: input.contactId ?? null,
        target: input.target, name: input.name ?? '', dtmf: checkDtmf(input.dtmf), source: input.source, requested_by: input.requestedBy ?? '',
      }).returning('*');
      const inv = toInvite(row as Row);
      await trx('invite_events').insert({ invite_id: inv.id, account_id: accountId, state: inv.state, at: trx.fn.now() });
      return inv;
    });
  }

  async createMany(accountId: string, inputs: readonly NewInvite[]): Promise<Invite[]> {
    if (inputs.length === 0) return [];
    for (const i of inputs) if (i.target.length === 0 || i.target.length > 256) throw new ValidationError('invite target is empty or too long', 'target');
    const owned = async (table: string, entity: string, ids: Array<string | null | undefined>): Promise<void> => {
      const want = [...new Set(ids.filter((x): x is string => typeof x === 'string'))];
      if (want.length === 0) return;
      const found = new Set((await this.db(table).where({ account_id: accountId }).whereIn('id', want).select('id') as Row[]).map((r) => String(r.id)));
      const missing = want.find((id) => !found.has(id));
      if (missing) throw new NotFoundError(entity, missing);
    };
    await owned('rooms', 'room', inputs.map((i) => i.roomId));
    await owned('conferences', 'conference', inputs.map((i) => i.conferenceId));
    await owned('contacts', 'contact', inputs.map((i) => i.contactId));
    return this.db.transaction(async (trx) => {
      const rows = await trx('invites').insert(inputs.map((i) => ({
        account_id: accountId, room_id: i.roomId, conference_id: i.conferenceId ?? null, contact_id: i.contactId ?? null,
        target: i.target, name: i.name ?? '', dtmf: checkDtmf(i.dtmf), source: i.source, requested_by: i.requestedBy ?? '',
      }))).returning('*') as Row[];
      const invites = rows.map(toInvite);
      await trx('invite_events').insert(invites.map((inv) => ({ invite_id: inv.id, account_id: accountId, state: inv.state, at: trx.fn.now() })));
      return invites;
    });
  }

  async get(accountId: string, id: string): Promise<Invite> {
    const row = await this.db('invites').where({ id, account_id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('invite', id);
    return toInvite(row);
  }

  async transition(accountId: string, id: string, to: InviteState, info: InviteChange = {}): Promise<Invite> {
    return this.db.transaction(async (trx) => {
      const row = await trx('invites').where({ id, account_id: accountId }).forUpdate().first() as Row | undefined;
      if (!row) throw new NotFoundError('invite', id);
      const from = row.state as InviteState;
      if (!canTransition(from, to)) throw new InvalidStateError(`invite ${id}: ${from} → ${to} is not allowed`);
      const set: Row = { state: to, updated_at: trx.fn.now() };
      if (to === 'queued') { set.q850_cause = null; set.sip_status = null; set.leg_id = null; set.participant_id = null; }
      if (info.q850Cause !== undefined) set.q850_cause = info.q850Cause;
      if (info.sipStatus !== undefined) set.sip_status = info.sipStatus;
      if (info.legId !== undefined) set.leg_id = info.legId;
      if (info.participantId !== undefined) set.participant_id = info.participantId;
      const [r] = await trx('invites').where({ id }).update(set).returning('*');
      const inv = toInvite(r as Row);
      await trx('invite_events').insert({ invite_id: id, account_id: accountId, state: to, q850_cause: inv.q850Cause, sip_status: inv.sipStatus, at: trx.fn.now() });
      return inv;
    });
  }

  async history(accountId: string, id: string): Promise<InviteEvent[]> {
    const rows = await this.db('invite_events').where({ invite_id: id, account_id: accountId }).orderBy('id') as Row[];
    if (rows.length === 0) await this.get(accountId, id); // NotFoundError for another account's or a missing invite
    return rows.map((r) => ({ state: r.state as InviteState, q850Cause: numOrNull(r.q850_cause), sipStatus: numOrNull(r.sip_status), at: date(r.at) }));
  }

  async listByConference(accountId: string, conferenceId: string): Promise<Invite[]> {
    return (await this.db('invites').where({ account_id: accountId, conference_id: conferenceId }).orderBy('created_at') as Row[]).map(toInvite);
  }

  async listByRoom(accountId: string, roomId: string, limit = 200): Promise<Invite[]> {
    return (await this.db('invites').where({ account_id: accountId, room_id: roomId }).orderBy('created_at', 'desc').limit(Math.min(limit, 1000)) as Row[]).map(toInvite);
  }
}
