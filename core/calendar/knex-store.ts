import type { Knex } from 'knex';
import { NotFoundError } from '../errors.ts';
import { num } from '../sql.ts';
import type { CalendarStore } from './store.ts';

type Row = Record<string, unknown>;

export class KnexCalendarStore implements CalendarStore {
  constructor(private readonly db: Knex) {}

  private async roomRow(accountId: string, roomId: string): Promise<Row> {
    const row = await this.db('rooms').where({ id: roomId, account_id: accountId }).first('id', 'ics_sequence') as Row | undefined;
    if (!row) throw new NotFoundError('room', roomId);
    return row;
  }

  async addInvitees(accountId: string, roomId: string, emails: readonly string[]): Promise<void> {
    await this.roomRow(accountId, roomId);
    const unique = [...new Set(emails.map((e) => e.trim().toLowerCase()).filter((e) => e.length > 0))];
    if (unique.length === 0) return;
    await this.db('room_invitees').insert(unique.map((email) => ({ room_id: roomId, account_id: accountId, email })))
      .onConflict(['room_id', 'email']).ignore();
  }

  async invitees(accountId: string, roomId: string): Promise<string[]> {
    await this.roomRow(accountId, roomId);
    const rows = await this.db('room_invitees').where({ room_id: roomId, account_id: accountId }).orderBy('email').select('email') as Row[];
    return rows.map((r) => String(r.email));
  }

  async sequence(accountId: string, roomId: string): Promise<number> {
    return num((await this.roomRow(accountId, roomId)).ics_sequence);
  }

  async bumpSequence(accountId: string, roomId: string): Promise<number> {
    const rows = await this.db('rooms').where({ id: roomId, account_id: accountId })
      .update({ ics_sequence: this.db.raw('ics_sequence + 1') }).returning('ics_sequence') as Row[];
    if (rows.length === 0) throw new NotFoundError('room', roomId);
    return num(rows[0]!.ics_sequence);
  }
}
