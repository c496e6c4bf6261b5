// Login, logout, the session's user, password and language.
import { z } from 'zod';
import type { Request, Response } from 'express';
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { setCookie, readCookies } from '../http/cookies.ts';
import { randomToken } from '../../core/sessions/store.ts';
import { PRE_SESSION_COOKIE } from '../http/csrf.ts';
import { SESSION_COOKIE } from './session-middleware.ts';
import { userJson } from './service.ts';
import { LOCALES } from '../i18n/messages.ts';
import { accountJson } from '../account/views.ts';

const TAG = 'auth';

/** The login form's double-submit token: reuse the cookie's or make one. */
export function preSessionToken(req: Request, res: Response, secure: boolean): string {
  const existing = readCookies(req).get(PRE_SESSION_COOKIE);
  if (existing && /^[A-Za-z0-9_-]{20,100}$/.test(existing)) return existing;
  const token = randomToken();
  setCookie(res, PRE_SESSION_COOKIE, token, { httpOnly: true, secure, sameSite: 'Strict' });
  return token;
}

export function registerAuthRoutes(api: ApiRouter, s: WebServices): void {
  const secure = s.config.secureCookies;

  api.add({
    method: 'get', path: '/api/auth/csrf', tag: TAG, access: 'public', summary: 'A CSRF token for the login request (sets the pre-session cookie)',
    handler: (c) => ({ csrfToken: c.auth ? c.auth.csrfToken : preSessionToken(c.req, c.res, secure) }),
  });

  api.add({
    method: 'post', path: '/api/auth/login', tag: TAG, access: 'public',
    summary: 'Log in; sets the httpOnly session cookie. 401 wrong password, 423 locked (3 wrong passwords lock the login for 3 minutes)',
    body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
    handler: async (c) => {
      const { token, session, user } = await s.auth.login(c.body.username, c.body.password, c.req.ip ?? null);
      if (c.auth) await s.auth.logout(c.auth.sessionToken);
      setCookie(c.res, SESSION_COOKIE, token, { httpOnly: true, secure, sameSite: 'Lax', maxAgeS: Math.floor((session.expiresAt.getTime() - Date.now()) / 1000) });
      return { user: userJson(user), csrfToken: session.csrfToken, home: user.role === 'operator' ? '/operator/accounts' : '/' };
    },
  });

  api.add({
    method: 'post', path: '/api/auth/logout', tag: TAG, access: 'user', summary: 'End the session',
    handler: async (c) => {
      await s.auth.logout(c.auth!.sessionToken);
      setCookie(c.res, SESSION_COOKIE, '', { httpOnly: true, secure, sameSite: 'Lax', maxAgeS: 0 });
    },
  });

  api.add({
    method: 'get', path: '/api/me', tag: TAG, access: 'user', summary: 'The logged-in user and their account',
    handler: (c) => ({ user: userJson(c.auth!.user), account: c.auth!.account ? accountJson(c.auth!.account) : null, csrfToken: c.auth!.csrfToken }),
  });

  api.add({
    method: 'patch', path: '/api/me', tag: TAG, access: 'user', summary: 'Change display name or e-mail',
    body: z.object({ displayName: z.string().trim().min(1).max(100).optional(), email: z.union([z.email().max(254), z.literal('')]).optional() }).strict(),
    handler: async (c) => userJson(await s.auth.updateProfile(c.auth!.user, {
      ...(c.body.displayName !== undefined ? { displayName: c.body.displayName } : {}),
      ...(c.body.email !== undefined ? { email: c.body.email || null } : {}),
    })),
  });

  api.add({
    method: 'put', path: '/api/me/locale', tag: TAG, access: 'user', summary: 'Switch the language (remembered for the user)',
    body: z.object({ locale: z.enum(LOCALES) }),
    handler: async (c) => userJson(await s.auth.setLocale(c.auth!.user, c.body.locale)),
  });

  api.add({
    method: 'post', path: '/api/me/password', tag: TAG, access: 'user',
    summary: 'Change the password (8+ characters, 3 of: lower-case, upper-case, digits, others); ends the other sessions',
    body: z.object({ currentPassword: z.string().min(1).max(256), newPassword: z.string().min(1).max(256) }),
    handler: async (c) => {
      await s.auth.changePassword(c.auth!.user, c.auth!.sessionToken, c.body.currentPassword, c.body.newPassword);
    },
  });
}
