// Logging in and out, and changing the password. The lockout (3 wrong
// passwords → 3 minutes) lives in core's users.authenticate; this records
// the outcome in the audit log and makes the session.
import type { Knex } from 'knex';
import type { Repositories } from '../../core/repositories.ts';
import type { User } from '../../core/users/store.ts';
import type { SessionStore, Session } from './session-store.ts';
import { HttpError } from '../errors.ts';

export const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;

export class AuthService {
  constructor(private readonly repos: Repositories, private readonly sessions: SessionStore, private readonly now: () => Date,
    private readonly ttlMs = DEFAULT_SESSION_TTL_MS) {}

  async login(username: string, password: string, ip: string | null): Promise<{ token: string; session: Session; user: User }> {
    const now = this.now();
    const result = await this.repos.users.authenticate(username, password, now);
    if (!result.ok) {
      await this.repos.audit.append({ actor: 'anonymous', action: result.reason === 'locked' ? 'login.locked' : 'login.failed', data: { username: username.slice(0, 64) }, ip });
      if (result.reason === 'locked') {
        throw new HttpError(423, 'locked', 'too many wrong passwords: the login is locked for a while', { lockedUntil: result.lockedUntil.toISOString() });
      }
      throw new HttpError(401, 'invalid_login', 'wrong user name or password');
    }
    const { token, session } = await this.sessions.create(result.user.id, this.ttlMs, now);
    await this.repos.audit.append({ accountId: result.user.accountId, userId: result.user.id, actor: `user:${result.user.id}`, action: 'login.ok', ip });
    return { token, session, user: result.user };
  }

  async logout(token: string): Promise<void> {
    await this.sessions.delete(token);
  }

  /** Other sessions of the user end; this one stays. */
  async changePassword(user: User, sessionToken: string, current: string, next: string): Promise<void> {
    const scope = user.accountId ? { accountId: user.accountId } : { operator: true as const };
    await this.repos.users.changePassword(scope, user.id, current, next);
    await this.sessions.deleteForUser(user.id, sessionToken);
    await this.repos.audit.append({ accountId: user.accountId, userId: user.id, actor: `user:${user.id}`, action: 'password.change' });
  }
}

export function userJson(u: User) {
  return { id: u.id, username: u.username, displayName: u.displayName, email: u.email, role: u.role, locale: u.locale, accountId: u.accountId };
}

export type { Knex };
