// API tokens for the web: made, listed and revoked by the account's managers
// (TOKEN_MANAGERS in routes.ts), and turned back into a caller on each request that
// carries one. Like a session, the token's user and account are read on
// every request: a token stops working the moment its creator is removed or
// frozen or its account frozen, not at the next login.
import type { Repositories } from '../../core/repositories.ts';
import type { User } from '../../core/users/store.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { ApiToken, TokenScope } from '../../core/tokens/store.ts';
import { LAST_USED_EVERY_MS } from '../../core/tokens/store.ts';
import { NotFoundError } from '../../core/errors.ts';
import type { AuthContext } from '../http/request-context.ts';
import { InvalidTokenError } from '../errors.ts';

/** Why a presented token was refused (the metric's label, the log's reason). */
export type TokenFailure = 'malformed' | 'unknown' | 'expired' | 'revoked' | 'user_gone' | 'user_frozen' | 'account_frozen';

export class TokenRefusal extends InvalidTokenError {
  constructor(readonly reason: TokenFailure, message: string) { super(message); }
}

/** A user frozen by the account's managers (issue 19, members: users.frozen_at); absent before that column exists. */
export function isFrozen(user: User): boolean {
  const frozenAt = (user as User & { frozenAt?: Date | null }).frozenAt;
  return frozenAt !== undefined && frozenAt !== null;
}

export class TokenService {
  constructor(private readonly repos: Repositories, private readonly now: () => Date) {}

  create(accountId: string, user: User, input: { name: string; scopes: readonly TokenScope[]; expiresAt: Date }): Promise<{ token: ApiToken; plaintext: string }> {
    return this.repos.apiTokens.create(accountId, { ...input, createdBy: user.id, now: this.now() });
  }

  list(accountId: string): Promise<ApiToken[]> { return this.repos.apiTokens.list(accountId); }

  /** Display names of the account's users, by id (who made each token). */
  async creatorNames(accountId: string): Promise<Map<string, string>> {
    return new Map((await this.repos.users.listByAccount(accountId)).map((u) => [u.id, u.displayName]));
  }

  revoke(accountId: string, id: string): Promise<ApiToken> { return this.repos.apiTokens.revoke(accountId, id, this.now()); }

  /** The caller a presented token stands for; TokenRefusal (401 invalid_token) when it may not act. */
  async authenticate(presented: string, ip: string | null): Promise<AuthContext> {
    const now = this.now();
    const token = await this.repos.apiTokens.verify(presented);
    if (!token) throw new TokenRefusal(/^cbt_[0-9a-f]{10}_/.test(presented) ? 'unknown' : 'malformed', 'the token is not valid');
    const { user, account } = await this.admit(token, now);
    if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_EVERY_MS) await this.repos.apiTokens.noteUse(token.id, ip, now);
    return { user, account, csrfToken: '', sessionToken: '', token: { id: token.id, scopes: token.scopes } };
  }

  /** Is the token of an open event stream still good? Checked at each ping, as sessions are. */
  async stillValid(auth: AuthContext): Promise<boolean> {
    if (!auth.token || !auth.account) return false;
    try {
      await this.admit(await this.repos.apiTokens.get(auth.account.id, auth.token.id), this.now());
      return true;
    } catch (err) {
      if (err instanceof TokenRefusal || err instanceof NotFoundError) return false;
      throw err;
    }
  }

  /** The token's user and account, when the token and both may still act. */
  private async admit(token: ApiToken, now: Date): Promise<{ user: User; account: Account }> {
    if (token.revokedAt) throw new TokenRefusal('revoked', 'the token was revoked');
    if (token.expiresAt.getTime() <= now.getTime()) throw new TokenRefusal('expired', 'the token has expired');
    const user = await this.repos.users.findById(token.createdBy);
    if (!user || user.accountId !== token.accountId) throw new TokenRefusal('user_gone', 'the token\'s user no longer exists');
    if (isFrozen(user)) throw new TokenRefusal('user_frozen', 'the token\'s user is frozen');
    const account = await this.repos.accounts.get(token.accountId).catch((err: unknown) => {
      if (err instanceof NotFoundError) throw new TokenRefusal('user_gone', 'the token\'s account no longer exists');
      throw err;
    });
    if (account.frozen) throw new TokenRefusal('account_frozen', 'the account is frozen');
    return { user, account };
  }
}

export type TokenState = 'active' | 'expired' | 'revoked';

export function tokenState(t: ApiToken, now: Date): TokenState {
  return t.revokedAt ? 'revoked' : t.expiresAt.getTime() <= now.getTime() ? 'expired' : 'active';
}

export function tokenJson(t: ApiToken, now: Date) {
  return {
    id: t.id, name: t.name, prefix: t.prefix, scopes: t.scopes, createdBy: t.createdBy, createdAt: t.createdAt.toISOString(),
    expiresAt: t.expiresAt.toISOString(), revokedAt: t.revokedAt?.toISOString() ?? null,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null, lastUsedIp: t.lastUsedIp, state: tokenState(t, now),
  };
}
