import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { date } from '../sql.ts';
import { randomToken, type Session, type SessionStore } from './store.ts';

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

type Row = Record<string, unknown>;

export class KnexSessionStore implements SessionStore {
  constructor(private readonly db: Knex) {}

  async create(userId: string, ttlMs: number, now: Date): Promise<{ token: string; session: Session }> {
    const token = randomToken();
    const session: Session = { userId, csrfToken: randomToken(), expiresAt: new Date(now.getTime() + ttlMs) };
    await this.db('web_sessions').insert({ token_hash: hashOf(token), user_id: userId, csrf_token: session.csrfToken, expires_at: session.expiresAt, created_at: now });
    // Expired sessions are swept as new ones are made.
    await this.db('web_sessions').where('expires_at', '<', now).delete();
    return { token, session };
  }

  async find(token: string, now: Date): Promise<Session | undefined> {
    if (token.length < 20 || token.length > 100) return undefined;
    const row = await this.db('web_sessions').where({ token_hash: hashOf(token) }).where('expires_at', '>', now).first() as Row | undefined;
    return row ? { userId: String(row.user_id), csrfToken: String(row.csrf_token), expiresAt: date(row.expires_at) } : undefined;
  }

  async delete(token: string): Promise<void> {
    await this.db('web_sessions').where({ token_hash: hashOf(token) }).delete();
  }

  async deleteForUser(userId: string, keepToken?: string): Promise<void> {
    const q = this.db('web_sessions').where({ user_id: userId });
    if (keepToken) q.whereNot({ token_hash: hashOf(keepToken) });
    await q.delete();
  }
}
