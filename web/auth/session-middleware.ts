// Loads the session named by the cookie (if any) and the language of the
// request: the user's saved language, else the language cookie of the login
// page, else the browser's Accept-Language. An /api request with an
// `Authorization: Bearer` token is the token's instead (bearer.ts): no cookie read.
import type { NextFunction, Request, Response } from 'express';
import type { AuthService } from './service.ts';
import type { TokenService } from '../tokens/service.ts';
import { authenticateBearer, bearerTokenOf } from './bearer.ts';
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

export function sessionMiddleware(auth: AuthService, tokens?: TokenService) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const run = async (): Promise<void> => {
      const bearer = tokens ? bearerTokenOf(req) : undefined;
      if (bearer !== undefined) return authenticateBearer(req, bearer, tokens!);
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
