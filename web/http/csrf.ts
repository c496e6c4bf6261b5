// CSRF protection: every state-changing request carries the token in the
// X-CSRF-Token header. With a session the token is the session's own; before
// login (the login form itself) it is a double-submit token that must equal
// the pre-session cookie. Compared in constant time.
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import type { AuthContext } from './request-context.ts';
import { readCookies } from './cookies.ts';
import { ForbiddenError } from '../errors.ts';

export const CSRF_HEADER = 'x-csrf-token';
export const PRE_SESSION_COOKIE = 'bridge_csrf';

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function checkCsrf(req: Request, auth: AuthContext | undefined): void {
  const sent = req.get(CSRF_HEADER) ?? '';
  const expected = auth ? auth.csrfToken : (readCookies(req).get(PRE_SESSION_COOKIE) ?? '');
  if (!same(sent, expected)) throw new ForbiddenError('csrf', 'missing or wrong CSRF token');
}
