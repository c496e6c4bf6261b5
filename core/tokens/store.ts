// API tokens of an account (issue 19): what the account's own systems send
// as `Authorization: Bearer cbt_<prefix>_<secret>` instead of a browser
// session. The store keeps the prefix (random, shown in lists, the key to
// find the row) and the SHA-256 of the secret; the token string itself exists
// only in the answer to its creation. See token-string.ts for the format.

/** What a token may do (web/http/token-scopes.ts maps the routes onto these). */
export const TOKEN_SCOPES = ['read', 'meetings', 'live', 'billing'] as const;
export type TokenScope = typeof TOKEN_SCOPES[number];

/** The longest life of a token. */
export const MAX_TOKEN_DAYS = 365;
/** Unrevoked, unexpired tokens an account may hold at once. */
export const MAX_ACTIVE_TOKENS = 100;
/** last_used_at is written at most this often per token (no write per request). */
export const LAST_USED_EVERY_MS = 60_000;

export interface ApiToken {
  id: string;
  accountId: string;
  /** The user who made it; the token acts as this user. */
  createdBy: string;
  name: string;
  scopes: TokenScope[];
  /** Shown in lists so people can tell their tokens apart. */
  prefix: string;
  expiresAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
  createdAt: Date;
}

export interface NewApiToken {
  createdBy: string;
  name: string;
  scopes: readonly TokenScope[];
  expiresAt: Date;
  now: Date;
}

export interface ApiTokenStore {
  /**
   * Makes a token and returns it with its string, which is never stored.
   * ValidationError for an expiry past MAX_TOKEN_DAYS or not in the future,
   * no or unknown scopes; ConflictError past MAX_ACTIVE_TOKENS.
   */
  create(accountId: string, input: NewApiToken): Promise<{ token: ApiToken; plaintext: string }>;
  /** The account's tokens, newest first (revoked and expired included). */
  list(accountId: string): Promise<ApiToken[]>;
  /** NotFoundError when absent or another account's. */
  get(accountId: string, id: string): Promise<ApiToken>;
  /** Sets revoked_at (a second revoke keeps the first time); NotFoundError as get. */
  revoke(accountId: string, id: string, now: Date): Promise<ApiToken>;
  /** The token a presented string names when its secret matches (constant-time), whatever its state; undefined otherwise. */
  verify(presented: string): Promise<ApiToken | undefined>;
  /** Notes a use; written only when the last note is older than LAST_USED_EVERY_MS. */
  noteUse(id: string, ip: string | null, now: Date): Promise<void>;
}
