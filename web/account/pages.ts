// Account page: profile, password, language; for owners the account, its
// recharge records and bound convener numbers.
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatMoney, formatPhone } from '../views/format.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { MessageKey } from '../i18n/messages.ts';

async function ownerPart(ctx: PageContext, s: WebServices, account: Account): Promise<SafeHtml> {
  const t = ctx.t;
  const [recharges, conveners, rooms] = await Promise.all([s.account.recharges(account.id), s.account.conveners(account.id), s.rooms.list(account, s.now())]);
  return html`<section class="card"><h2>${t('account.title')}</h2><dl class="facts">
      <dt>${t('account.name')}</dt><dd>${account.name}</dd><dt>${t('account.tier')}</dt><dd>${t(`tier.${account.tier}` as MessageKey)}</dd>
      <dt>${t('account.balance')}</dt><dd id="account-balance">${formatMoney(account.balanceMinor, account.currency)}</dd>
      <dt>${t('account.timeZone')}</dt><dd>${account.timeZone}</dd></dl></section>
    <section class="card"><h2>${t('account.recharges')}</h2>
      <table id="recharges"><thead><tr><th>${t('common.time')}</th><th class="num">${t('account.amount')}</th><th class="num">${t('account.balanceAfter')}</th><th>${t('common.note')}</th></tr></thead>
      <tbody>${recharges.map((r) => html`<tr><td>${formatDateTime(r.createdAt, account.timeZone, ctx.locale)}</td><td class="num">${formatMoney(r.amountMinor, account.currency)}</td>
        <td class="num">${formatMoney(r.balanceAfterMinor, account.currency)}</td><td>${r.note}</td></tr>`)}</tbody></table></section>
    <section class="card"><h2>${t('account.conveners')}</h2>
      <ul id="conveners">${conveners.map((b) => html`<li>${formatPhone(b.number, s.config.defaultRegion)} ${b.name}
        <button type="button" class="danger" data-action="DELETE /api/account/conveners/${b.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button></li>`)}</ul>
      <form data-api="POST /api/account/conveners" id="convener-form"><h3>${t('conv.add')}</h3>
        <label>${t('conv.number')} <input type="tel" name="number" required maxlength="64"></label>
        <label>${t('conv.name')} <input type="text" name="name" maxlength="100" data-empty="omit"></label>
        <label>${t('conv.room')} <select name="roomId" data-empty="omit"><option value="">—</option>${rooms.map(({ room: r }) => html`<option value="${r.id}">${r.name}</option>`)}</select></label>
        <p class="form-error" hidden></p><button type="submit">${t('conv.add')}</button></form></section>`;
}

export function registerAccountPages(pages: PageRouter, s: WebServices): void {
  pages.get('/account', 'public', async (ctx) => {
    const auth = ctx.auth;
    if (!auth) { ctx.res.redirect(303, '/login?next=/account'); return html``; }
    const t = ctx.t;
    const u = auth.user;
    return layout(ctx, {
      title: t('nav.account'), active: '/account',
      body: html`<div class="grid">
      <form class="card" data-api="PATCH /api/me" data-done="profile-done" id="profile-form"><h2>${t('account.profile')}</h2>
        <label>${t('account.displayName')} <input type="text" name="displayName" maxlength="100" value="${u.displayName}"></label>
        <label>${t('account.email')} <input type="email" name="email" value="${u.email ?? ''}"></label>
        <p class="form-error" hidden></p><p id="profile-done" class="status-ok" hidden></p><button type="submit">${t('common.save')}</button></form>
      <form class="card" data-api="POST /api/me/password" data-done="password-done" data-reset id="password-form"><h2>${t('account.changePassword')}</h2>
        <label>${t('account.currentPassword')} <input type="password" name="currentPassword" autocomplete="current-password" required></label>
        <label>${t('account.newPassword')} <input type="password" name="newPassword" autocomplete="new-password" minlength="8" required></label>
        <p class="muted">${t('account.passwordPolicy')}</p>
        <p class="form-error" hidden></p><p id="password-done" class="status-ok" hidden></p><button type="submit">${t('common.save')}</button></form>
      </div>
      ${auth.account ? await ownerPart(ctx, s, auth.account) : ''}`,
    });
  });
}
