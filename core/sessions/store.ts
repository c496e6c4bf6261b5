// Login sessions of the web app. The cookie carries a random token; the
// store keeps only its SHA-256, with the user, the session's CSRF token and
// an expiry.
import { randomBytes } from 'node:crypto';

export interface Session {
  userId: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface SessionStore {
  /** Returns the cookie token of a new session. */
  create(userId: string, ttlMs: number, now: Date): Promise<{ token: string; session: Session }>;
  find(token: string, now: Date): Promise<Session | undefined>;
  delete(token: string): Promise<void>;
  /** Every session of the user (after a password change), except `keepToken`. */
  deleteForUser(userId: string, keepToken?: string): Promise<void>;
}

/** A random token as session and CSRF tokens are made: 32 bytes, base64url. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
