// Loads the session named by the cookie (if any) and the language of the
// request: the user's saved language, else the language cookie of the login
// page, else the browser's Accept-Language.
import type { NextFunction, Request, Response } from 'express';
import type { AuthService } from './service.ts';
import { readCookies } from '../http/cookies.ts';
import { setAuth, setLocale } from '../http/request-context.ts';
import { isLocale, type Locale } from '../i18n/messages.ts';

export const SESSION_COOKIE = 'bridge_session';
export const LANG_COOKIE = 'bridge_lang';

export function browserLocale(req: Request): Locale {
  const cookie = readCookies(req).get(LANG_COOKIE);
  if (cookie && isLocale(cookie)) return cookie;
  const accept = (req.get('accept-language') ?? '').toLowerCase();
  return accept.startsWith('en') ? 'en' : 'zh-CN';
}

export function sessionMiddleware(auth: AuthService) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const run = async (): Promise<void> => {
      setLocale(req, browserLocale(req));
      const token = readCookies(req).get(SESSION_COOKIE);
      if (!token) return;
      const session = await auth.sessionOf(token);
      if (!session) return;
      setAuth(req, session);
      if (isLocale(session.user.locale)) setLocale(req, session.user.locale);
    };
    run().then(() => next(), next);
  };
}
