// Server-rendered pages. A page reads through the same services as the API
// and renders escaped HTML; forms and buttons on it call the JSON API (see
// web/public/app.js and its modules in js/). A missing session redirects
// to the login page.
import type { Express, Request, Response } from 'express';
import { authOf, brandingOf, localeOf, type AuthContext } from './request-context.ts';
import type { PageBranding } from '../views/branding.ts';
import { t, type Locale, type MessageKey } from '../i18n/messages.ts';
import type { SafeHtml } from '../views/html.ts';
import type { Account } from '../../core/accounts/store.ts';
import { HttpError } from '../errors.ts';
import { allows, type PageAccess } from './access.ts';

export interface PageContext {
  req: Request;
  res: Response;
  params: Record<string, string>;
  query: Record<string, string>;
  now: Date;
  locale: Locale;
  auth: AuthContext | undefined;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  /** Only on owner pages. */
  account: Account;
  accountId: string;
  /** The account's zone (owners) or UTC-ish default for operators. */
  timeZone: string;
  /** The session's account's logo, colours and slogan (null: the default look). */
  branding: PageBranding | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class PageRouter {
  private readonly pages: Array<{ path: string; access: PageAccess; render: (ctx: PageContext) => Promise<SafeHtml> }> = [];
  constructor(private readonly now: () => Date) {}

  get(path: string, access: PageAccess, render: (ctx: PageContext) => Promise<SafeHtml>): void {
    this.pages.push({ path, access, render });
  }

  mount(app: Express): void {
    for (const p of this.pages) {
      app.get(p.path, (req, res, next) => {
        this.run(p, req, res).catch(next);
      });
    }
  }

  private async run(p: { access: PageAccess; render: (ctx: PageContext) => Promise<SafeHtml> }, req: Request, res: Response): Promise<void> {
    const auth = authOf(req);
    if (p.access !== 'public') {
      if (!auth) {
        res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
        return;
      }
      if (!allows(p.access, auth.user.role)) {
        res.redirect(303, auth.user.role === 'operator' ? '/operator/accounts' : '/');
        return;
      }
    }
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.params as Record<string, string>)) {
      if (k === 'id' && !UUID.test(v)) throw new HttpError(404, 'not_found', 'not found');
      params[k] = v;
    }
    const ctx = pageContextFor(req, res, this.now(), params);
    const body = await p.render(ctx);
    if (res.headersSent) return; // the page redirected
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(body.value);
  }
}

export function pageContextFor(req: Request, res: Response, now: Date, params: Record<string, string> = {}): PageContext {
  const auth = authOf(req);
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.query ?? {})) if (typeof v === 'string') query[k] = v;
  const locale = localeOf(req);
  return {
    req, res, params, query, now, locale, auth,
    t: (key, vars) => t(locale, key, vars),
    get account(): Account {
      if (!auth?.account) throw new HttpError(403, 'forbidden', 'for account owners only');
      return auth.account;
    },
    get accountId(): string {
      if (!auth?.account) throw new HttpError(403, 'forbidden', 'for account owners only');
      return auth.account.id;
    },
    timeZone: auth?.account?.timeZone ?? 'Asia/Shanghai',
    branding: brandingOf(req),
  };
}
