// Account page: profile, password, language; for owners the account, its
// recharge records, bound convener numbers and branding.
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatMoney, formatPhone } from '../views/format.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { DialOutPolicy } from '../../core/dial-out/store.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { dialOutClassText, refusalReasonText } from '../views/dial-out.ts';
import { refusalJson } from './views.ts';
import { MAX_RETENTION_DAYS } from '../../core/meeting-records/store.ts';
import { brandingCard } from '../branding/views.ts';
import { seesWholeAccount } from '../http/access.ts';

async function ownerPart(ctx: PageContext, s: WebServices, account: Account): Promise<SafeHtml> {
  const t = ctx.t;
  const [recharges, conveners, rooms, dialOut, low, records, branding] = await Promise.all([
    s.account.recharges(account.id), s.account.conveners(account.id), s.rooms.list(account, s.now()), s.account.dialOut(account.id), s.lowBalance.get(account.id),
    s.meetingRecords.get(account.id), s.branding.get(account.id),
  ]);
  return html`<section class="card"><h2>${t('account.title')}</h2><dl class="facts">
      <dt>${t('account.name')}</dt><dd>${account.name}</dd><dt>${t('account.tier')}</dt><dd>${t(`tier.${account.tier}` as MessageKey)}</dd>
      <dt>${t('account.balance')}</dt><dd id="account-balance">${formatMoney(account.balanceMinor, account.currency)}</dd>
      <dt>${t('account.timeZone')}</dt><dd>${account.timeZone}</dd></dl></section>
    <form class="card" data-api="PUT /api/account/low-balance" data-done="low-balance-done" id="low-balance-form"><h2>${t('lowBalance.title')}</h2>
      <label>${t('lowBalance.threshold')} <input type="number" name="thresholdMinor" data-scale="100" step="0.01" min="0" required value="${(low.thresholdMinor / 100).toFixed(2)}"></label>
      <p class="form-error" hidden></p><p id="low-balance-done" class="status-ok" hidden></p><button type="submit">${t('common.save')}</button></form>
    <form class="card" data-api="PUT /api/account/meeting-records" data-done="meeting-records-done" id="meeting-records-form"><h2>${t('meetingRecords.title')}</h2>
      <label><input type="checkbox" name="summaryMail" ${records.summaryMailSince ? html`checked` : ''}> ${t('meetingRecords.summaryMail')}</label>
      <label>${t('meetingRecords.retentionDays')} <input type="number" name="retentionDays" step="1" min="0" max="${MAX_RETENTION_DAYS}" required value="${records.retentionDays}"></label>
      <p class="form-error" hidden></p><p id="meeting-records-done" class="status-ok" hidden></p><button type="submit">${t('common.save')}</button></form>
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
        <p class="form-error" hidden></p><button type="submit">${t('conv.add')}</button></form></section>
    ${brandingCard(ctx, branding, account.name)}
    ${dialOutPart(ctx, account, dialOut.policy, dialOut.refusals.map(refusalJson))}`;
}

/** The dial-out policy as the operator set it, and the latest refusals in words. */
function dialOutPart(ctx: PageContext, account: Account, p: DialOutPolicy, refusals: Array<ReturnType<typeof refusalJson>>): SafeHtml {
  const t = ctx.t;
  return html`<section class="card" id="dial-out"><h2>${t('dialOut.title')}</h2><dl class="facts">
      <dt>${t('dialOut.classes')}</dt><dd id="dial-out-classes">${p.classes.length === 0 ? t('dialOut.noClasses') : p.classes.map((c) => dialOutClassText(t, c)).join(', ')}</dd>
      <dt>${t('dialOut.maxCalls')}</dt><dd id="dial-out-calls">${p.maxOutboundCalls}</dd>
      <dt>${t('dialOut.dailyCap')}</dt><dd id="dial-out-cap">${p.dailyCapMinor === null ? t('dialOut.noCap') : formatMoney(p.dailyCapMinor, account.currency)}</dd>
      <dt>${t('dialOut.guestsMayInvite')}</dt><dd id="dial-out-guests">${p.guestsMayInvite ? t('dialOut.yes') : t('dialOut.no')}</dd></dl>
    <h3>${t('dialOut.refusals')}</h3>
    ${refusals.length === 0 ? html`<p class="muted" id="refusals-none">${t('dialOut.refusalsNone')}</p>` : html`<table id="refusals"><thead><tr><th>${t('common.time')}</th><th>${t('dialOut.room')}</th><th>${t('dialOut.number')}</th><th>${t('dialOut.reason')}</th></tr></thead>
      <tbody>${refusals.map((r) => html`<tr data-reason="${r.reason}"><td>${formatDateTime(new Date(r.at), account.timeZone, ctx.locale)}</td><td>${r.roomNumber}</td><td>${r.target}</td><td>${refusalReasonText(t, r.reason, r.detail, account.currency)}</td></tr>`)}</tbody></table>`}</section>`;
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
      ${auth.account && seesWholeAccount(u.role) ? await ownerPart(ctx, s, auth.account) : ''}`,
    });
  });
}
