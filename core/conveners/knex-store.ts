import type { Knex } from 'knex';
import { ConflictError, NotFoundError } from '../errors.ts';
import { isUniqueViolation } from '../sql.ts';
import { normalisePhoneNumber, type PhoneOptions } from '../phone/normalise.ts';
import { KnexRoomStore } from '../rooms/knex-store.ts';
import type { ConvenerBinding, ConvenerStore } from './store.ts';

type Row = Record<string, unknown>;

/** A personal room is always open: a century from binding. */
const PERSONAL_ROOM_MINUTES = 100 * 365 * 24 * 60;
/** Multi-party calls are for 2–4 people (plus room for the convener's re-dials). */
const PERSONAL_ROOM_MAX = 5;

function toBinding(r: Row): ConvenerBinding {
  return {
    id: String(r.id), accountId: String(r.account_id), number: String(r.number),
    userId: r.user_id === null ? null : String(r.user_id), roomId: String(r.room_id), name: String(r.name),
  };
}

export class KnexConvenerStore implements ConvenerStore {
  constructor(private readonly db: Knex, private readonly rooms = new KnexRoomStore(db)) {}

  async bind(accountId: string, input: { number: string; userId?: string | null; roomId?: string; name?: string }, ctx: { now: Date } & PhoneOptions): Promise<ConvenerBinding> {
    const { e164 } = normalisePhoneNumber(input.number, ctx);
    if (await this.findByNumber(e164)) throw new ConflictError(`${e164} is already bound`, 'number');
    if (input.userId) {
      const u = await this.db('users').where({ id: input.userId, account_id: accountId }).first('id');
      if (!u) throw new NotFoundError('user', input.userId);
    }
    const roomId = input.roomId
      ? (await this.rooms.get(accountId, input.roomId)).id
      : (await this.rooms.create(accountId, {
        name: input.name ? `${input.name} (多方通)` : `多方通 ${e164}`, kind: 'personal', guestPin: '',
        maxParticipants: PERSONAL_ROOM_MAX, schedule: { startsAt: ctx.now, durationMinutes: PERSONAL_ROOM_MINUTES, rrule: null, earlyEntryMinutes: 0 },
      }, ctx)).id;
    try {
      const [row] = await this.db('convener_bindings').insert({
        account_id: accountId, number: e164, user_id: input.userId ?? null, room_id: roomId, name: input.name ?? '',
      }).returning('*');
      return toBinding(row as Row);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`${e164} is already bound`, 'number');
      throw err;
    }
  }

  async unbind(accountId: string, id: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row = await trx('convener_bindings').where({ id, account_id: accountId }).first() as Row | undefined;
      if (!row) throw new NotFoundError('convener binding', id);
      await trx('convener_bindings').where({ id }).delete();
      await trx('rooms').where({ id: row.room_id, account_id: accountId, kind: 'personal' }).delete();
    });
  }

  async list(accountId: string): Promise<ConvenerBinding[]> {
    return (await this.db('convener_bindings').where({ account_id: accountId }).orderBy('number') as Row[]).map(toBinding);
  }

  async findByNumber(e164: string): Promise<ConvenerBinding | undefined> {
    const row = await this.db('convener_bindings').where({ number: e164 }).first() as Row | undefined;
    return row ? toBinding(row) : undefined;
  }
}
