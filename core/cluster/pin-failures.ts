// Wrong PINs shared by the bridge nodes (pin_failures, migrations/022_cluster.ts):
// each node writes its own and reads the others' new rows by id
// (ivr/room/pin-lockout-sync.ts), so that a caller blocked on one node is
// blocked on all. Rows older than the lockout window are deleted.
import type { Knex } from 'knex';
import { date, num } from '../sql.ts';

export interface PinFailureRow {
  nodeId: string;
  roomId: string;
  callerNumber: string;
  callerAddress: string;
  at: Date;
}

export interface StoredPinFailure extends PinFailureRow { id: number }

export interface PinFailureStore {
  add(rows: readonly PinFailureRow[]): Promise<void>;
  /** Rows after `afterId` of nodes other than `notNode`, at `since` or later, oldest first, at most `limit`. */
  after(afterId: number, opts: { notNode: string; since: Date; limit: number }): Promise<StoredPinFailure[]>;
  /** Deletes up to `limit` rows older than `before`; how many. */
  deleteBefore(before: Date, limit: number): Promise<number>;
}

type Row = Record<string, unknown>;
/** Longest caller number or address kept (a SIP From user can be long). */
const MAX_TEXT = 128;
/** The advisory lock key of pin_failures writes ("pinf" in ASCII). */
const WRITE_LOCK = 0x70696e66;

export class KnexPinFailureStore implements PinFailureStore {
  constructor(private readonly db: Knex) {}

  async add(rows: readonly PinFailureRow[]): Promise<void> {
    if (rows.length === 0) return;
    // Readers follow the ids: two nodes' inserts committing out of id order
    // would let a reader pass over the lower one for good. The lock makes the
    // writes one at a time (a node writes at most one batch per turn), so ids
    // become visible in order.
    await this.db.transaction(async (trx) => {
      await trx.raw('select pg_advisory_xact_lock(?)', [WRITE_LOCK]);
      await trx('pin_failures').insert(rows.map((r) => ({
        node_id: r.nodeId, room_id: r.roomId, caller_number: r.callerNumber.slice(0, MAX_TEXT), caller_address: r.callerAddress.slice(0, MAX_TEXT), at: r.at,
      })));
    });
  }

  async after(afterId: number, opts: { notNode: string; since: Date; limit: number }): Promise<StoredPinFailure[]> {
    const rows = await this.db('pin_failures').where('id', '>', afterId).whereNot({ node_id: opts.notNode }).where('at', '>=', opts.since)
      .orderBy('id').limit(opts.limit) as Row[];
    return rows.map((r) => ({
      id: num(r.id), nodeId: String(r.node_id), roomId: String(r.room_id), callerNumber: String(r.caller_number),
      callerAddress: String(r.caller_address), at: date(r.at),
    }));
  }

  async deleteBefore(before: Date, limit: number): Promise<number> {
    const rows = await this.db('pin_failures').whereIn('id', this.db('pin_failures').where('at', '<', before).orderBy('id').limit(limit).select('id'))
      .delete().returning('id') as Row[];
    return rows.length;
  }
}
