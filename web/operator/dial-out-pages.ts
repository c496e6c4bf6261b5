// The operators' pages against toll fraud (issue 21): the blocked prefixes
// (add, remove) and the outbound-spend watch list (accounts by spend today
// and in the last 7 days, their daily cap and refusals; those over half
// their cap today are marked). An account's policy is edited on the
// accounts page (web/operator/pages.ts, `policyForm` here).
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatMoney } from '../views/format.ts';
import { dialOutClassText } from '../views/dial-out.ts';
import { DIAL_OUT_CLASSES } from '../../core/dial-out/knex-store.ts';
import type { DialOutPolicy } from '../../core/dial-out/store.ts';

export function registerDialOutPages(pages: PageRouter, s: WebServices): void {
  pages.get('/operator/blocked-prefixes', 'operator', (ctx) => blockedPage(ctx, s));
  pages.get('/operator/outbound-spend', 'operator', (ctx) => spendPage(ctx, s));
}

/** The inline form of an account's dial-out policy (the accounts page's column). */
export function policyForm(ctx: PageContext, accountId: string, p: DialOutPolicy): SafeHtml {
  const t = ctx.t;
  return html`<form data-api="PATCH /api/operator/accounts/${accountId}/dial-out" class="inline-form dial-out-policy">
    ${DIAL_OUT_CLASSES.map((c) => html`<label class="inline"><input type="checkbox" name="classes" data-type="list" value="${c}" ${p.classes.includes(c) ? html`checked` : ''}> ${dialOutClassText(t, c)}</label> `)}
    <label class="inline">${t('dialOut.maxCalls')} <input type="number" name="maxOutboundCalls" min="0" max="100000" required value="${p.maxOutboundCalls}"></label>
    <label class="inline">${t('dialOut.dailyCap')} (¥) <input type="number" name="dailyCapMinor" data-scale="100" step="0.01" min="0" data-empty="null" placeholder="${t('dialOut.noCap')}" title="${t('dialOut.capHint')}" value="${p.dailyCapMinor === null ? '' : (p.dailyCapMinor / 100).toFixed(2)}"></label>
    <label class="inline"><input type="checkbox" name="guestsMayInvite" ${p.guestsMayInvite ? html`checked` : ''}> ${t('dialOut.guestsMayInvite')}</label>
    <button type="submit" class="secondary">${t('common.save')}</button><span class="form-error" hidden></span></form>`;
}

async function blockedPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const list = await s.dialOut.blocked();
  return layout(ctx, {
    title: t('nav.blockedPrefixes'), active: '/operator/blocked-prefixes',
    body: html`<p class="error" id="page-error" hidden></p>
    <table id="blocked-table"><thead><tr><th>${t('dialOut.prefix')}</th><th>${t('common.description')}</th><th>${t('dialOut.blockedSince')}</th><th></th></tr></thead>
    <tbody>${list.map((b) => html`<tr data-prefix="${b.prefix}"><td>+${b.prefix}</td><td>${b.description}</td><td>${formatDateTime(b.createdAt, ctx.timeZone, ctx.locale)}</td>
      <td><button type="button" class="danger" data-action="DELETE /api/operator/blocked-prefixes/${b.prefix}" data-confirm="js.confirmDelete">${t('dialOut.unblock')}</button></td></tr>`)}</tbody></table>
    <p class="muted" id="blocked-none" ${list.length > 0 ? html`hidden` : ''}>${t('dialOut.blockedNone')}</p>
    <form class="card" data-api="POST /api/operator/blocked-prefixes" id="block-form"><h2>${t('dialOut.block')}</h2>
      <label>${t('dialOut.prefix')} <input type="text" name="prefix" required pattern="\\+?[0-9]{1,15}" inputmode="numeric"> <span class="muted">${t('dialOut.prefixHint')}</span></label>
      <label>${t('common.description')} <input type="text" name="description" maxlength="200"></label>
      <p class="form-error" hidden></p><button type="submit">${t('dialOut.block')}</button></form>`,
  });
}

async function spendPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const rows = await s.dialOut.outboundSpend(ctx.now, 7);
  return layout(ctx, {
    title: t('nav.outboundSpend'), active: '/operator/outbound-spend',
    body: html`<p class="muted">${t('dialOut.spendHint')}</p>
    ${rows.length === 0 ? html`<p class="status-ok" id="spend-none">${t('dialOut.spendNone')}</p>` : html`<table id="spend-table"><thead><tr><th>${t('account.name')}</th><th class="num">${t('dialOut.today')}</th><th class="num">${t('dialOut.last7')}</th><th class="num">${t('dialOut.calls')}</th><th class="num">${t('dialOut.dailyCap')}</th><th class="num">${t('dialOut.refusals7')}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr data-account-id="${r.accountId}" class="${r.overHalfCap ? 'over-half-cap' : ''}"><td>${r.accountName}${r.overHalfCap ? html` <strong class="error">${t('dialOut.overHalf')}</strong>` : ''}</td>
      <td class="num">${formatMoney(r.spentTodayMinor, r.currency)}</td><td class="num">${formatMoney(r.spentMinor, r.currency)}</td><td class="num">${r.calls}</td>
      <td class="num">${r.dailyCapMinor === null ? t('dialOut.noCap') : formatMoney(r.dailyCapMinor, r.currency)}</td><td class="num">${r.refusals}</td></tr>`)}</tbody></table>`}`,
  });
}
