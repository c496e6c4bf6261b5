// The page frame: navigation for the role, the language switch, the CSRF
// token for the page script, and the texts the script shows; on the pages of
// a branded account its logo, slogan and colours (web/views/branding.ts).
import { html, jsonScript, type SafeHtml } from './html.ts';
import { clientMessages, type Locale, type MessageKey } from '../i18n/messages.ts';
import { formatMoney } from './format.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { User } from '../../core/users/store.ts';
import { brandingHead, brandingLogo, brandingSlogan, type PageBranding } from './branding.ts';

/** What the frame needs of a page's context (a PageContext is one). */
export interface LayoutContext {
  locale: Locale;
  t: (key: MessageKey, vars?: Record<string, string | number>) => string;
  /** The session, absent before login. */
  auth: { user: Pick<User, 'role' | 'displayName'>; account: Account | null; csrfToken: string } | undefined;
  /** The account's branding (absent or null: the default look). */
  branding?: PageBranding | null;
}

const OWNER_NAV: Array<[string, MessageKey]> = [
  ['/', 'nav.dashboard'], ['/rooms', 'nav.rooms'], ['/templates', 'nav.templates'], ['/contacts', 'nav.contacts'],
  ['/billing', 'nav.billing'], ['/history', 'nav.history'], ['/recordings', 'nav.recordings'], ['/members', 'nav.members'],
  ['/audit', 'nav.audit'], ['/account', 'nav.account'], ['/account/tokens', 'nav.tokens'], ['/webhooks', 'nav.webhooks'],
];
/** What an organizer (their own rooms only) is not shown. */
const ADMIN_ONLY = new Set(['/billing', '/members', '/audit', '/account/tokens', '/webhooks']);
const OPERATOR_NAV: Array<[string, MessageKey]> = [
  ['/operator/accounts', 'nav.accounts'], ['/operator/access-numbers', 'nav.accessNumbers'], ['/operator/rates', 'nav.rates'],
  ['/operator/trunks', 'nav.trunks'], ['/operator/dial-plans', 'nav.dialPlans'],
  ['/operator/blocked-prefixes', 'nav.blockedPrefixes'], ['/operator/outbound-spend', 'nav.outboundSpend'],
  ['/operator/capacity', 'nav.capacity'], ['/operator/outbox', 'nav.outbox'], ['/account', 'nav.account'],
];

export interface LayoutOptions {
  title: string;
  /** Path of the active navigation entry. */
  active?: string;
  body: SafeHtml;
  /** The pre-session CSRF token (login page). */
  csrfToken?: string;
}

export function layout(ctx: LayoutContext, o: LayoutOptions): SafeHtml {
  const auth = ctx.auth;
  const role = auth?.user.role;
  const nav = !auth ? [] : role === 'operator' ? OPERATOR_NAV
    : OWNER_NAV.filter(([href]) => role === 'owner' || role === 'admin' || !ADMIN_ONLY.has(href));
  const csrf = auth?.csrfToken ?? o.csrfToken ?? '';
  const other = ctx.locale === 'en' ? 'zh-CN' : 'en';
  return html`<!doctype html>
<html lang="${ctx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${csrf}">
<title>${o.title} · ${ctx.t('app.name')}</title>
<link rel="stylesheet" href="/static/app.css">
${auth?.account ? brandingHead(ctx.branding) : ''}
<script type="module" src="/static/app.js"></script>
</head>
<body data-logged-in="${auth ? 'yes' : 'no'}">
<header class="top">
  <a class="brand" href="/">${auth?.account && ctx.branding?.logoUrl ? brandingLogo(ctx.branding, auth.account.name) : ctx.t('app.name')}</a>
  ${auth?.account ? brandingSlogan(ctx.branding) : ''}
  <nav>${nav.map(([href, key]) => html`<a href="${href}" class="${o.active === href ? 'active' : ''}" data-nav="${href}">${ctx.t(key)}</a>`)}</nav>
  <div class="who">
    ${auth?.account && (role === 'owner' || role === 'admin') ? html`<span class="balance" title="${ctx.t('account.balance')}">${formatMoney(auth.account.balanceMinor, auth.account.currency)}</span>` : ''}
    ${auth ? html`<span class="user">${auth.user.displayName}</span>` : ''}
    <button type="button" class="link" id="lang-switch" data-locale="${other}">${other === 'en' ? 'English' : '中文'}</button>
    ${auth ? html`<button type="button" class="link" id="logout" data-action="POST /api/auth/logout" data-redirect="/login">${ctx.t('nav.logout')}</button>` : ''}
  </div>
</header>
${auth?.account?.balanceExhaustedAt ? html`<p class="banner warn" id="balance-warning">${ctx.t('account.balanceExhausted')}</p>` : ''}
${auth?.account?.frozen ? html`<p class="banner warn">${ctx.t('account.frozenBanner')}</p>` : ''}
<main>
<h1>${o.title}</h1>
${o.body}
</main>
${jsonScript('messages', clientMessages(ctx.locale))}
</body>
</html>`;
}

export function errorPage(ctx: LayoutContext, status: number, message: string): SafeHtml {
  return layout(ctx, { title: String(status), body: html`<p class="error" id="error-message">${message}</p><p><a href="/">${ctx.t('nav.dashboard')}</a></p>` });
}
