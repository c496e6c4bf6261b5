// The operators' pages.
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatMoney, formatShortDateTime } from '../views/format.ts';
import { TIERS } from '../../core/accounts/tiers.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { policyForm } from './dial-out-pages.ts';
import { brandingSummary } from '../branding/views.ts';

export function registerOperatorPages(pages: PageRouter, s: WebServices): void {
  pages.get('/operator/accounts', 'operator', (ctx) => accountsPage(ctx, s));
  pages.get('/operator/access-numbers', 'operator', (ctx) => accessNumbersPage(ctx, s));
  pages.get('/operator/rates', 'operator', (ctx) => ratesPage(ctx, s));
  pages.get('/operator/capacity', 'operator', (ctx) => capacityPage(ctx, s));
  pages.get('/operator/outbox', 'operator', (ctx) => outboxPage(ctx, s));
}

async function accountsPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const list = await s.operator.accounts();
  const [policies, brandings] = await Promise.all([Promise.all(list.map(({ account }) => s.dialOut.policy(account.id))), s.branding.byAccount()]);
  return layout(ctx, {
    title: t('nav.accounts'), active: '/operator/accounts',
    body: html`<p class="error" id="page-error" hidden></p>
    <table id="accounts-table"><thead><tr><th>${t('account.name')}</th><th>${t('op.owners')}</th><th>${t('account.tier')}</th><th class="num">${t('account.balance')}</th><th>${t('op.state')}</th><th>${t('op.topUp')}</th><th>${t('dialOut.title')}</th><th>${t('branding.title')}</th></tr></thead>
    <tbody>${list.map(({ account: a, owners }, i) => html`<tr data-account-id="${a.id}"><td>${a.name}</td><td>${owners.map((u) => u.username).join(', ')}</td>
      <td><form data-api="PATCH /api/operator/accounts/${a.id}" class="inline-form"><select name="tier">${TIERS.map((x) => html`<option value="${x}" ${a.tier === x ? html`selected` : ''}>${t(`tier.${x}` as MessageKey)}</option>`)}</select> <button type="submit" class="secondary">${t('common.save')}</button><span class="form-error" hidden></span></form></td>
      <td class="num">${formatMoney(a.balanceMinor, a.currency)}</td>
      <td>${a.frozen ? html`<strong class="error">${t('op.frozen')}</strong> <button type="button" class="secondary" data-action="PATCH /api/operator/accounts/${a.id}" data-body="${JSON.stringify({ frozen: false })}">${t('op.unfreeze')}</button>`
        : html`${t('op.active')} <button type="button" class="danger" data-action="PATCH /api/operator/accounts/${a.id}" data-body="${JSON.stringify({ frozen: true })}" data-confirm="js.confirmFreeze">${t('op.freeze')}</button>`}</td>
      <td><form data-api="POST /api/operator/accounts/${a.id}/recharges" class="inline-form"><input type="number" name="amountMinor" data-scale="100" step="0.01" required placeholder="¥"> <input type="text" name="note" placeholder="${t('common.note')}"> <button type="submit" class="secondary">${t('op.topUp')}</button><span class="form-error" hidden></span></form></td>
      <td>${policyForm(ctx, a.id, policies[i]!)}</td><td>${brandingSummary(ctx, brandings.get(a.id), a.name)}</td></tr>`)}</tbody></table>
    <form class="card" data-api="POST /api/operator/accounts" id="account-form"><h2>${t('op.newAccount')}</h2>
      <label>${t('account.name')} <input type="text" name="name" required></label>
      <label>${t('account.tier')} <select name="tier">${TIERS.map((x) => html`<option value="${x}">${t(`tier.${x}` as MessageKey)}</option>`)}</select></label>
      <label>${t('account.timeZone')} <input type="text" name="timeZone" value="Asia/Shanghai"></label>
      <label>${t('op.ownerUsername')} <input type="text" name="owner.username" required></label>
      <label>${t('op.ownerPassword')} <input type="password" name="owner.password" required autocomplete="new-password"> <span class="muted">${t('account.passwordPolicy')}</span></label>
      <label>${t('account.email')} <input type="email" name="owner.email"></label>
      <label>${t('op.openingBalance')} <input type="number" name="initialBalanceMinor" data-scale="100" step="0.01" min="0"></label>
      <p class="form-error" hidden></p><button type="submit">${t('common.add')}</button></form>`,
  });
}

async function accessNumbersPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const list = await s.operator.accessNumbers();
  return layout(ctx, {
    title: t('nav.accessNumbers'), active: '/operator/access-numbers',
    body: html`<p class="error" id="page-error" hidden></p>
    <table id="access-numbers-table"><thead><tr><th>${t('op.number')}</th><th>${t('op.kind')}</th><th>${t('op.language')}</th><th>${t('common.description')}</th><th>${t('op.state')}</th><th></th></tr></thead>
    <tbody>${list.map((a) => html`<tr><td>${a.number}</td><td>${a.kind === 'meeting' ? t('op.kindMeeting') : t('op.kindMultiParty')}</td><td>${a.language}</td><td>${a.description}</td>
      <td>${a.enabled ? t('op.enabled') : t('op.disabled')} <button type="button" class="secondary" data-action="PATCH /api/operator/access-numbers/${a.id}" data-body="${JSON.stringify({ enabled: !a.enabled })}">${a.enabled ? t('op.disable') : t('op.enable')}</button></td>
      <td><button type="button" class="danger" data-action="DELETE /api/operator/access-numbers/${a.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button></td></tr>`)}</tbody></table>
    <form class="card" data-api="POST /api/operator/access-numbers"><h2>${t('op.newAccessNumber')}</h2>
      <label>${t('op.number')} <input type="text" name="number" required pattern="\\+?[0-9]{3,20}"></label>
      <label>${t('op.kind')} <select name="kind"><option value="meeting">${t('op.kindMeeting')}</option><option value="multi_party">${t('op.kindMultiParty')}</option></select></label>
      <label>${t('op.language')} <select name="language"><option value="zh-CN">中文</option><option value="en">English</option></select></label>
      <label>${t('common.description')} <input type="text" name="description"></label>
      <p class="form-error" hidden></p><button type="submit">${t('common.add')}</button></form>`,
  });
}

async function ratesPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const [rates, numbers] = await Promise.all([s.operator.rates(), s.operator.accessNumbers()]);
  const numberOf = new Map(numbers.map((n) => [n.id, n.number]));
  const cls = (c: string) => t(`rate.${c}` as MessageKey);
  return layout(ctx, {
    title: t('nav.rates'), active: '/operator/rates',
    body: html`<p class="error" id="page-error" hidden></p>
    <table id="rates-table"><thead><tr><th>${t('billing.direction')}</th><th>${t('op.destination')}</th><th class="num">${t('billing.rate')}</th><th class="num">${t('op.increment')}</th><th>${t('common.description')}</th><th></th></tr></thead>
    <tbody>${rates.map((r) => html`<tr><td>${r.direction === 'in' ? t('billing.dialIn') : r.direction === 'webrtc' ? t('billing.webrtc') : t('billing.dialOut')}</td>
      <td>${cls(r.destinationClass)} ${r.accessNumberId ? numberOf.get(r.accessNumberId) ?? '' : ''}${r.prefix ? ` +${r.prefix}` : ''}</td>
      <td class="num"><form data-api="PATCH /api/operator/rates/${r.id}" class="inline-form"><input type="number" name="perMinuteMinor" data-scale="100" step="0.01" min="0" value="${(r.perMinuteMinor / 100).toFixed(2)}"> /min <button type="submit" class="secondary">${t('common.save')}</button><span class="form-error" hidden></span></form></td>
      <td class="num">${r.incrementS} s</td><td>${'description' in r ? String((r as { description?: unknown }).description ?? '') : ''}</td>
      <td><button type="button" class="danger" data-action="DELETE /api/operator/rates/${r.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button></td></tr>`)}</tbody></table>
    <form class="card" data-api="POST /api/operator/rates"><h2>${t('op.newRate')}</h2>
      <label>${t('billing.direction')} <select name="direction"><option value="in">${t('billing.dialIn')}</option><option value="out">${t('billing.dialOut')}</option><option value="webrtc">${t('billing.webrtc')}</option></select></label>
      <label>${t('op.destination')} <select name="destinationClass">${['access_number', 'domestic_fixed', 'domestic_mobile', 'international', 'webrtc'].map((c) => html`<option value="${c}">${cls(c)}</option>`)}</select></label>
      <label data-show-when="destinationClass=access_number">${t('op.accessNumber')} <select name="accessNumberId">${numbers.map((n) => html`<option value="${n.id}">${n.number}</option>`)}</select></label>
      <label data-show-when="destinationClass=international">${t('op.prefix')} <input type="text" name="prefix" pattern="[0-9]{1,6}" data-empty="omit"></label>
      <label>${t('billing.rate')} (¥/min) <input type="number" name="perMinuteMinor" data-scale="100" step="0.01" min="0" required></label>
      <label>${t('op.increment')} <input type="number" name="incrementS" min="1" max="3600" value="60"></label>
      <label>${t('common.description')} <input type="text" name="description"></label>
      <p class="form-error" hidden></p><button type="submit">${t('common.add')}</button></form>`,
  });
}

async function capacityPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const r = await s.capacity.report(ctx.now);
  const tz = ctx.timeZone;
  return layout(ctx, {
    title: t('nav.capacity'), active: '/operator/capacity',
    body: html`<section class="card"><dl class="facts">
      <dt>${t('cap.licensed')}</dt><dd id="cap-licensed">${r.licensedPorts}</dd>
      <dt>${t('cap.callsNow')}</dt><dd id="cap-now">${r.live.openCalls}</dd>
      <dt>${t('cap.liveConferences')}</dt><dd>${r.live.liveConferences}</dd>
      <dt>${t('cap.peak', { days: r.horizonDays })}</dt><dd>${r.peak.ports} ${r.peak.at ? `(${formatShortDateTime(r.peak.at, tz, ctx.locale)})` : ''}</dd></dl></section>
    <h2>${t('cap.overbooked')}</h2>
    ${r.overbooked.length === 0 ? html`<p class="status-ok" id="cap-ok">${t('cap.none')}</p>` : html`<table id="overbooked-table"><thead><tr><th>${t('account.name')}</th><th>${t('room.name')}</th><th>${t('room.number')}</th><th>${t('common.start')}</th><th>${t('common.end')}</th><th class="num">${t('room.maxParticipants')}</th><th class="num">${t('cap.sum')}</th></tr></thead>
      <tbody>${r.overbooked.map((o) => html`<tr><td>${o.accountName}</td><td>${o.roomName}</td><td>${o.roomNumber}</td><td>${formatShortDateTime(o.start, tz, ctx.locale)}</td><td>${formatShortDateTime(o.end, tz, ctx.locale)}</td><td class="num">${o.maxParticipants}</td><td class="num">${o.peak}</td></tr>`)}</tbody></table>`}`,
  });
}

async function outboxPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const mails = await s.mail.list();
  return layout(ctx, {
    title: t('nav.outbox'), active: '/operator/outbox',
    body: html`<p class="muted">${s.config.smtp ? t('outbox.smtp') : t('outbox.noSmtp')}</p>
    <table id="outbox-table"><thead><tr><th>${t('common.time')}</th><th>${t('outbox.to')}</th><th>${t('outbox.subject')}</th><th>${t('op.state')}</th><th class="num">${t('outbox.attempts')}</th><th>${t('outbox.nextAttempt')}</th><th>${t('outbox.error')}</th></tr></thead>
    <tbody>${mails.map((m) => html`<tr data-status="${m.status}"><td>${formatDateTime(m.createdAt, ctx.timeZone, ctx.locale)}</td><td>${m.to}</td><td><details><summary>${m.subject}</summary><pre>${m.text}</pre></details></td>
      <td class="mail-status">${t(`outbox.${m.status}` as MessageKey)}</td><td class="num">${m.attempts}</td>
      <td>${m.status === 'queued' && m.nextAttemptAt ? formatDateTime(m.nextAttemptAt, ctx.timeZone, ctx.locale) : ''}</td><td class="mail-error">${m.error ?? ''}</td></tr>`)}</tbody></table>`,
  });
}
