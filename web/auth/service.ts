// Logging in and out, the session a cookie names, and the user's own
// settings. The lockout (3 wrong passwords → 3 minutes) lives in core's
// users.authenticate; this records the outcome in the audit log and makes
// the session.
import type { Repositories } from '../../core/repositories.ts';
import type { User, UserScope } from '../../core/users/store.ts';
import type { Session, SessionStore } from '../../core/sessions/store.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { AuthContext } from '../http/request-context.ts';
import type { Locale } from '../i18n/messages.ts';
import { HttpError } from '../errors.ts';

export const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;

const scopeOf = (u: User): UserScope => (u.accountId ? { accountId: u.accountId } : { operator: true });

export class AuthService {
  constructor(private readonly repos: Repositories, private readonly sessions: SessionStore, private readonly now: () => Date,
    private readonly ttlMs = DEFAULT_SESSION_TTL_MS) {}

  async login(username: string, password: string, ip: string | null): Promise<{ token: string; session: Session; user: User }> {
    const now = this.now();
    const result = await this.repos.users.authenticate(username, password, now);
    if (!result.ok) {
      await this.repos.audit.append({ actor: 'anonymous', action: result.reason === 'invalid' ? 'login.failed' : `login.${result.reason}`, data: { username: username.slice(0, 64) }, ip });
      if (result.reason === 'frozen') throw new HttpError(403, 'frozen', 'this member is frozen: ask the account\'s owner or an admin');
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

  /** The live session a cookie token names, with its user and account; undefined when expired, or the user or account is gone. */
  async sessionOf(token: string): Promise<AuthContext | undefined> {
    const session = await this.sessions.find(token, this.now());
    if (!session) return undefined;
    const user = await this.repos.users.findById(session.userId);
    if (!user) return undefined;
    if (user.frozenAt) { // frozen since the login: the session ends now
      await this.sessions.delete(token);
      return undefined;
    }
    try {
      const account = user.accountId ? await this.repos.accounts.get(user.accountId) : null;
      return { user, account, csrfToken: session.csrfToken, sessionToken: token };
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  /** Other sessions of the user end; this one stays. */
  async changePassword(user: User, sessionToken: string, current: string, next: string): Promise<void> {
    await this.repos.users.changePassword(scopeOf(user), user.id, current, next);
    await this.sessions.deleteForUser(user.id, sessionToken);
    await this.repos.audit.append({ accountId: user.accountId, userId: user.id, actor: `user:${user.id}`, action: 'password.change' });
  }

  async updateProfile(user: User, patch: { displayName?: string; email?: string | null }): Promise<User> {
    return this.repos.users.update(scopeOf(user), user.id, patch);
  }

  /** The language is remembered for the user. */
  async setLocale(user: User, locale: Locale): Promise<User> {
    return this.repos.users.update(scopeOf(user), user.id, { locale });
  }
}

export function userJson(u: User) {
  return { id: u.id, username: u.username, displayName: u.displayName, email: u.email, role: u.role, locale: u.locale, accountId: u.accountId };
}
