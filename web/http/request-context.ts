// Who is asking: the session's user, attached to the request by the session
// middleware — or an API token's creator, with the token (web/auth/bearer.ts).
// Kept in a WeakMap rather than on the request object.
import type { Request } from 'express';
import type { User } from '../../core/users/store.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { Locale } from '../i18n/messages.ts';
import type { PageBranding } from '../views/branding.ts';
import type { TokenScope } from '../../core/tokens/store.ts';

export interface AuthContext {
  user: User;
  /** The owner's account (null for operators). */
  account: Account | null;
  /** '' for a token: token requests need no CSRF token. */
  csrfToken: string;
  /** '' for a token. */
  sessionToken: string;
  /** Set when the request came with an API token (`Authorization: Bearer`), not a session. */
  token?: { id: string; scopes: readonly TokenScope[] };
}

const contexts = new WeakMap<Request, AuthContext>();
const locales = new WeakMap<Request, Locale>();
const brandings = new WeakMap<Request, PageBranding>();

export function setAuth(req: Request, ctx: AuthContext): void { contexts.set(req, ctx); }
export function authOf(req: Request): AuthContext | undefined { return contexts.get(req); }

export function setLocale(req: Request, l: Locale): void { locales.set(req, l); }
export function localeOf(req: Request): Locale { return locales.get(req) ?? 'zh-CN'; }

/** The branding of the session's account, for pages (web/branding/middleware.ts). */
export function setBranding(req: Request, b: PageBranding): void { brandings.set(req, b); }
export function brandingOf(req: Request): PageBranding | null { return brandings.get(req) ?? null; }
