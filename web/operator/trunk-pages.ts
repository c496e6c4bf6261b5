// The operators' trunk and dial-plan pages. The trunk password is never
// written into the page (only whether one is set); the dial-plan forms are
// driven by js/dial-plan.js (rules edited in place, "try" without saving).
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import type { DialPlan, DialPlanRule } from '../../core/telephony/store.ts';
import type { TrunkJson } from './trunks.ts';

export function registerTrunkPages(pages: PageRouter, s: WebServices): void {
  pages.get('/operator/trunks', 'operator', (ctx) => trunksPage(ctx, s));
  pages.get('/operator/dial-plans', 'operator', (ctx) => dialPlansPage(ctx, s));
}

function trunkForm(ctx: PageContext, tr: TrunkJson | undefined, trunks: TrunkJson[], plans: DialPlan[]): SafeHtml {
  const t = ctx.t;
  const v = (x: string | number | null | undefined) => (x === null || x === undefined ? '' : String(x));
  const api = tr ? `PATCH /api/operator/trunks/${tr.id}` : 'POST /api/operator/trunks';
  return html`<form class="card trunk-form" data-api="${api}" ${tr ? html`data-trunk-id="${tr.id}"` : ''}><h2>${tr ? tr.name : t('trunk.new')}</h2>
    <label>${t('trunk.name')} <input type="text" name="name" required value="${v(tr?.name)}"></label>
    <label>${t('trunk.host')} <input type="text" name="host" required value="${v(tr?.host)}"></label>
    <label>${t('trunk.port')} <input type="number" name="port" min="1" max="65535" value="${v(tr?.port ?? 5060)}"></label>
    <label>${t('trunk.transport')} <select name="transport">${['udp', 'tcp'].map((x) => html`<option value="${x}" ${tr?.transport === x ? html`selected` : ''}>${x.toUpperCase()}</option>`)}</select></label>
    <label>${t('trunk.authUsername')} <input type="text" name="authUsername" value="${v(tr?.authUsername)}" data-empty="null"></label>
    <label>${t('trunk.authPassword')} <input type="password" name="authPassword" autocomplete="new-password" data-empty="omit">${tr?.hasPassword ? html` <span class="muted">${t('trunk.passwordSet')}</span>` : ''}</label>
    ${tr?.hasPassword ? html`<label><input type="checkbox" name="clearPassword"> ${t('trunk.clearPassword')}</label>` : ''}
    <label>${t('trunk.callerId')} <input type="text" name="callerId" value="${v(tr?.callerId)}" data-empty="null"></label>
    <label>${t('trunk.maxConcurrent')} <input type="number" name="maxConcurrent" min="1" value="${v(tr?.maxConcurrent ?? 30)}"></label>
    <label>${t('trunk.maxCps')} <input type="number" name="maxCallsPerSecond" min="1" value="${v(tr?.maxCallsPerSecond ?? 5)}"></label>
    <label>${t('trunk.dialPlan')} <select name="dialPlanId" data-empty="null"><option value="">${t('trunk.none')}</option>${plans.map((p) => html`<option value="${p.id}" ${tr?.dialPlanId === p.id ? html`selected` : ''}>${p.name}</option>`)}</select></label>
    <label>${t('trunk.failover')} <select name="failoverTrunkId" data-empty="null"><option value="">${t('trunk.none')}</option>${trunks.filter((o) => o.id !== tr?.id).map((o) => html`<option value="${o.id}" ${tr?.failoverTrunkId === o.id ? html`selected` : ''}>${o.name}</option>`)}</select></label>
    <p class="form-error" hidden></p><button type="submit">${tr ? t('common.save') : t('common.add')}</button>
    ${tr ? html` <button type="button" class="secondary" data-action="PATCH /api/operator/trunks/${tr.id}" data-body="${JSON.stringify({ enabled: !tr.enabled })}">${tr.enabled ? t('op.disable') : t('op.enable')}</button>
    <button type="button" class="danger" data-action="DELETE /api/operator/trunks/${tr.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button>` : ''}</form>`;
}

async function trunksPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const [trunks, plans] = await Promise.all([s.trunks.list(), s.trunks.dialPlans()]);
  return layout(ctx, {
    title: ctx.t('nav.trunks'), active: '/operator/trunks',
    body: html`<p class="error" id="page-error" hidden></p>
    <table id="trunks-table"><thead><tr><th>${ctx.t('trunk.name')}</th><th>${ctx.t('trunk.host')}</th><th>${ctx.t('op.state')}</th></tr></thead>
    <tbody>${trunks.map((x) => html`<tr><td>${x.name}</td><td>${x.host}:${x.port}/${x.transport}</td><td>${x.enabled ? ctx.t('op.enabled') : ctx.t('op.disabled')}</td></tr>`)}</tbody></table>
    ${trunks.map((x) => trunkForm(ctx, x, trunks, plans))}${trunkForm(ctx, undefined, trunks, plans)}`,
  });
}

function ruleRow(ctx: PageContext, r: DialPlanRule | undefined): SafeHtml {
  return html`<tr class="rule"><td><input type="text" name="pattern" value="${r?.pattern ?? ''}" aria-label="${ctx.t('plan.pattern')}"></td>
    <td><input type="text" name="replacement" value="${r?.replacement ?? ''}" aria-label="${ctx.t('plan.replacement')}"></td>
    <td><input type="text" name="description" value="${r?.description ?? ''}" aria-label="${ctx.t('common.description')}"></td>
    <td><button type="button" class="secondary remove-rule">${ctx.t('plan.removeRule')}</button></td></tr>`;
}

function planForm(ctx: PageContext, p: DialPlan | undefined): SafeHtml {
  const t = ctx.t;
  return html`<form class="card dial-plan" data-plan-id="${p?.id ?? ''}"><h2>${p ? p.name : t('plan.new')}</h2>
    <label>${t('plan.name')} <input type="text" name="name" required value="${p?.name ?? ''}"></label>
    <table class="rules"><thead><tr><th>${t('plan.pattern')}</th><th>${t('plan.replacement')}</th><th>${t('common.description')}</th><th></th></tr></thead>
    <tbody>${(p?.rules ?? []).map((r) => ruleRow(ctx, r))}</tbody></table>
    <template class="rule-template">${ruleRow(ctx, undefined)}</template>
    <button type="button" class="secondary add-rule">${t('plan.addRule')}</button>
    <label>${t('plan.samples')} <textarea name="samples" rows="3"></textarea></label>
    <button type="button" class="secondary try-plan">${t('plan.try')}</button>
    <table class="try-results" hidden><thead><tr><th>${t('conv.number')}</th><th>E.164</th><th>${t('plan.result')}</th><th></th></tr></thead><tbody></tbody></table>
    <p class="form-error" hidden></p><button type="submit">${p ? t('common.save') : t('common.add')}</button>
    ${p ? html` <button type="button" class="danger" data-action="DELETE /api/operator/dial-plans/${p.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button>` : ''}</form>`;
}

async function dialPlansPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const plans = await s.trunks.dialPlans();
  return layout(ctx, {
    title: ctx.t('nav.dialPlans'), active: '/operator/dial-plans',
    body: html`<p class="error" id="page-error" hidden></p>${plans.map((p) => planForm(ctx, p))}${planForm(ctx, undefined)}`,
  });
}
