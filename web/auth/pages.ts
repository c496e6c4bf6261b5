// The login page.
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { preSessionToken } from './routes.ts';

/** Only same-site paths: never an open redirect. */
export function safeNext(next: string | undefined, fallback: string): string {
  return next && /^\/(?![/\\])[^\s]*$/.test(next) ? next : fallback;
}

export function registerAuthPages(pages: PageRouter, s: WebServices): void {
  pages.get('/login', 'public', async (ctx) => {
    if (ctx.auth) {
      ctx.res.redirect(303, ctx.auth.user.role === 'operator' ? '/operator/accounts' : '/');
      return html``;
    }
    const token = preSessionToken(ctx.req, ctx.res, s.config.secureCookies);
    const next = safeNext(ctx.query.next, '/');
    return layout(ctx, {
      title: ctx.t('login.title'), csrfToken: token,
      body: html`<form class="card" id="login-form" data-api="POST /api/auth/login" data-redirect="${next}">
        <label>${ctx.t('login.username')} <input type="text" name="username" id="username" autocomplete="username" required autofocus></label>
        <label>${ctx.t('login.password')} <input type="password" name="password" id="password" autocomplete="current-password" required></label>
        <p class="form-error" id="login-error" hidden></p>
        <button type="submit" id="login-submit">${ctx.t('login.submit')}</button>
      </form>`,
    });
  });
}
