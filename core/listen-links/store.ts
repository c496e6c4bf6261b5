// Listen-in links (issue 17, migration 021): a room's owner shares a link and
// a password; a listener hears the live mix in the browser. The password is
// kept as an argon2id hash; a link ends at its expiry or when revoked, and
// lets at most `maxListeners` listen at once.
export interface ListenLink {
  id: string;
  accountId: string;
  roomId: string;
  expiresAt: Date;
  maxListeners: number;
  createdBy: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface NewListenLink {
  accountId: string;
  roomId: string;
  password: string;
  expiresAt: Date;
  maxListeners: number;
  createdBy: string | null;
  now: Date;
}

/** Passwords: 6–128 characters; links: up to 7 days, 1–10 000 listeners. */
export const LISTEN_PASSWORD_MIN = 6;
export const LISTEN_PASSWORD_MAX = 128;
export const LISTEN_LINK_MAX_DAYS = 7;
export const LISTEN_MAX_LISTENERS = 10_000;

export type ListenRefusal = 'wrong_password' | 'expired' | 'revoked';

export interface ListenLinkStore {
  create(input: NewListenLink): Promise<ListenLink>;
  /** The room's links, newest first. */
  list(accountId: string, roomId: string): Promise<ListenLink[]>;
  /** NotFoundError for another account's or an unknown link. */
  revoke(accountId: string, roomId: string, id: string, at: Date): Promise<ListenLink>;
  /** A public listener's look-up: the link by id across accounts (undefined for an unknown or malformed id). */
  find(id: string): Promise<ListenLink | undefined>;
  /** The password checked; the link when it is good and open at `now`, else why not. */
  check(id: string, password: string, now: Date): Promise<{ ok: true; link: ListenLink } | { ok: false; reason: ListenRefusal }>;
}
