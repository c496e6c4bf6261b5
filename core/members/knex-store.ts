// Members on knex (PGlite and PostgreSQL). Bulk invitations go in batches in
// one transaction: a directory import of a thousand people is a few inserts.
import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { isUniqueViolation } from '../sql.ts';
import { toUser } from '../users/knex-store.ts';
import type { User } from '../users/store.ts';
import type { ExistingKeys, InviteSecret, MemberStore, NewMember } from './store.ts';

type Row = Record<string, unknown>;
const USERNAME = /^[A-Za-z0-9._@-]{3,64}$/;
const BATCH = 250;

export class KnexMemberStore implements MemberStore {
  constructor(private readonly db: Knex) {}

  async list(accountId: string): Promise<User[]> {
    return (await this.db('users').where({ account_id: accountId }).orderBy([{ column: 'role' }, { column: 'username' }]) as Row[]).map(toUser);
  }

  async invite(accountId: string, members: ReadonlyArray<NewMember & InviteSecret>, now: Date): Promise<User[]> {
    for (const m of members) if (!USERNAME.test(m.username)) throw new ValidationError(`username ${m.username}: 3–64 letters, digits or . _ @ -`, 'username');
    const rows = members.map((m) => ({
      account_id: accountId, role: m.role, username: m.username.toLowerCase(), display_name: m.displayName, email: m.email,
      phone: m.phone, department: m.department, locale: 'zh-CN', password_hash: null, invited_at: now,
      invite_token_hash: m.tokenHash, invite_expires_at: m.expiresAt,
    }));
    try {
      return await this.db.transaction(async (trx) => {
        const out: User[] = [];
        for (let i = 0; i < rows.length; i += BATCH) {
          out.push(...(await trx('users').insert(rows.slice(i, i + BATCH)).returning('*') as Row[]).map(toUser));
        }
        return out;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('a username is taken', 'username');
      throw err;
    }
  }

  async renewInvite(accountId: string, id: string, secret: InviteSecret, now: Date): Promise<User> {
    const [row] = await this.db('users').where({ id, account_id: accountId }).whereNull('password_hash')
      .update({ invite_token_hash: secret.tokenHash, invite_expires_at: secret.expiresAt, invited_at: now, updated_at: now }).returning('*');
    if (!row) throw new NotFoundError('invited member', id);
    return toUser(row as Row);
  }

  async setRole(accountId: string, id: string, role: NewMember['role']): Promise<User> {
    const [row] = await this.db('users').where({ id, account_id: accountId }).whereNot({ role: 'owner' })
      .update({ role, updated_at: this.db.fn.now() }).returning('*');
    if (!row) throw new NotFoundError('member', id);
    return toUser(row as Row);
  }

  async setFrozen(accountId: string, id: string, frozenAt: Date | null): Promise<User> {
    const [row] = await this.db('users').where({ id, account_id: accountId }).whereNot({ role: 'owner' })
      .update({ frozen_at: frozenAt, updated_at: this.db.fn.now() }).returning('*');
    if (!row) throw new NotFoundError('member', id);
    return toUser(row as Row);
  }

  async remove(accountId: string, id: string, heirId: string): Promise<{ roomsMoved: number }> {
    return this.db.transaction(async (trx) => {
      const member = await trx('users').where({ id, account_id: accountId }).whereNot({ role: 'owner' }).forUpdate().first() as Row | undefined;
      if (!member) throw new NotFoundError('member', id);
      const roomsMoved = await trx('rooms').where({ account_id: accountId, organizer_user_id: id }).update({ organizer_user_id: heirId });
      await trx('users').where({ id }).delete();
      return { roomsMoved: Number(roomsMoved) };
    });
  }

  async findByInvite(tokenHash: string, now: Date): Promise<User | undefined> {
    const row = await this.db('users').where({ invite_token_hash: tokenHash }).where('invite_expires_at', '>', now).first() as Row | undefined;
    return row ? toUser(row) : undefined;
  }

  async acceptInvite(tokenHash: string, passwordHash: string, now: Date): Promise<User | undefined> {
    const [row] = await this.db('users').where({ invite_token_hash: tokenHash }).where('invite_expires_at', '>', now)
      .update({ password_hash: passwordHash, invite_token_hash: null, invite_expires_at: null, failed_logins: 0, locked_until: null, updated_at: now })
      .returning('*');
    return row ? toUser(row as Row) : undefined;
  }

  async existingKeys(accountId: string, usernames: readonly string[]): Promise<ExistingKeys> {
    const keys: ExistingKeys = { usernames: new Set(), emails: new Set(), phones: new Set() };
    const lower = [...new Set(usernames.map((u) => u.toLowerCase()))];
    for (let i = 0; i < lower.length; i += 1000) {
      for (const r of await this.db('users').whereIn('username', lower.slice(i, i + 1000)).select('username') as Row[]) keys.usernames.add(String(r.username));
    }
    for (const r of await this.db('users').where({ account_id: accountId }).select('username', 'email', 'phone') as Row[]) {
      keys.usernames.add(String(r.username));
      if (r.email) keys.emails.add(String(r.email).toLowerCase());
      if (r.phone) keys.phones.add(String(r.phone));
    }
    return keys;
  }
}
