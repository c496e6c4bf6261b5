// Loads the session named by the cookie (if any) and the language of the
// request: the user's saved language, else the language cookie of the login
// page, else the browser's Accept-Language.
import type { NextFunction, Request, Response } from 'express';
import type { Knex } from 'knex';
import type { Repositories } from '../../core/repositories.ts';
import type { SessionStore } from './session-store.ts';
import { readCookies } from '../http/cookies.ts';
import { setAuth, setLocale } from './context.ts';
import { isLocale, type Locale } from '../i18n/messages.ts';
import { NotFoundError } from '../../core/errors.ts';

export const SESSION_COOKIE = 'bridge_session';
export const LANG_COOKIE = 'bridge_lang';

export function browserLocale(req: Request): Locale {
  const cookie = readCookies(req).get(LANG_COOKIE);
  if (cookie && isLocale(cookie)) return cookie;
  const accept = (req.get('accept-language') ?? '').toLowerCase();
  return accept.startsWith('en') ? 'en' : 'zh-CN';
}

export function sessionMiddleware(deps: { db: Knex; repos: Repositories; sessions: SessionStore; now: () => Date }) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const run = async (): Promise<void> => {
      setLocale(req, browserLocale(req));
      const token = readCookies(req).get(SESSION_COOKIE);
      if (!token) return;
      const session = await deps.sessions.find(token, deps.now());
      if (!session) return;
      const row = await deps.db('users').where({ id: session.userId }).first('account_id') as { account_id: string | null } | undefined;
      if (!row) return;
      try {
        const user = await deps.repos.users.get(row.account_id ? { accountId: row.account_id } : { operator: true }, session.userId);
        const account = user.accountId ? await deps.repos.accounts.get(user.accountId) : null;
        setAuth(req, { user, account, csrfToken: session.csrfToken, sessionToken: token });
        if (isLocale(user.locale)) setLocale(req, user.locale);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    };
    run().then(() => next(), next);
  };
}
