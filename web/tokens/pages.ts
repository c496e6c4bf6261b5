// The API tokens page: what a token is for, the form that makes one (the
// answer's token is shown once, by js/tokens.js, and never again: the page
// itself cannot show it, the server does not have it), and the list with
// prefix, scopes, expiry, last use and a revoke button.
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime } from '../views/format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { MAX_TOKEN_DAYS, TOKEN_SCOPES } from '../../core/tokens/store.ts';
import { tokenState } from './service.ts';
import { TOKEN_MANAGERS } from './routes.ts';

export function registerTokenPages(pages: PageRouter, s: WebServices): void {
  pages.get('/account/tokens', TOKEN_MANAGERS, async (ctx) => {
    const t = ctx.t;
    const [tokens, names] = await Promise.all([s.tokens.list(ctx.accountId), s.tokens.creatorNames(ctx.accountId)]);
    const when = (d: Date | null) => formatDateTime(d, ctx.timeZone, ctx.locale);
    return layout(ctx, {
      title: t('nav.tokens'), active: '/account/tokens',
      body: html`<p class="error" id="page-error" hidden></p><p class="muted" id="tokens-intro">${t('tokens.intro')}</p>
      <form class="card" id="token-form" data-token-api="POST /api/tokens"><h2>${t('tokens.create')}</h2>
        <label>${t('tokens.name')} <input type="text" name="name" required maxlength="100"></label>
        <fieldset><legend>${t('tokens.scopes')}</legend>${TOKEN_SCOPES.map((sc) => html`<label><input type="checkbox" name="scopes" data-type="list" value="${sc}"> ${t(`tokens.scope.${sc}` as MessageKey)}</label>`)}</fieldset>
        <label>${t('tokens.expiresInDays')} <input type="number" name="expiresInDays" min="1" max="${MAX_TOKEN_DAYS}" step="1" value="90" required></label>
        <p class="form-error" hidden></p><button type="submit">${t('tokens.create')}</button></form>
      <section class="card" id="token-created" hidden><h2>${t('tokens.createdTitle')}</h2>
        <p class="warn">${t('tokens.shownOnce')}</p><p><code id="token-secret"></code></p>
        <button type="button" id="token-done">${t('tokens.done')}</button></section>
      <section class="card"><h2>${t('tokens.list')}</h2>
      ${tokens.length === 0 ? html`<p id="tokens-empty">${t('tokens.none')}</p>` : html`<table id="tokens-table"><thead><tr>
        <th>${t('tokens.name')}</th><th>${t('tokens.prefix')}</th><th>${t('tokens.scopes')}</th><th>${t('tokens.createdBy')}</th><th>${t('tokens.created')}</th>
        <th>${t('tokens.expires')}</th><th>${t('tokens.lastUsed')}</th><th>${t('tokens.state')}</th><th></th></tr></thead>
        <tbody>${tokens.map((tk) => {
          const state = tokenState(tk, ctx.now);
          return html`<tr data-token-id="${tk.id}" data-state="${state}"><td>${tk.name}</td><td><code>cbt_${tk.prefix}_…</code></td><td>${tk.scopes.join(', ')}</td>
          <td>${names.get(tk.createdBy) ?? ''}</td><td>${when(tk.createdAt)}</td><td>${when(tk.expiresAt)}</td>
          <td>${tk.lastUsedAt ? `${when(tk.lastUsedAt)}${tk.lastUsedIp ? ` (${tk.lastUsedIp})` : ''}` : t('tokens.never')}</td>
          <td>${t(`tokens.state.${state}` as MessageKey)}${tk.revokedAt ? ` ${when(tk.revokedAt)}` : ''}</td>
          <td>${state === 'revoked' ? '' : html`<button type="button" class="danger" data-action="POST /api/tokens/${tk.id}/revoke" data-confirm="js.tokens.confirmRevoke">${t('tokens.revoke')}</button>`}</td></tr>`;
        })}</tbody></table>`}</section>`,
    });
  });
}
