// The billing page: choose a period; totals, meetings, calls; CSV export;
// balance and recharge records.
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatDuration, formatMinutes, formatMoney, formatPhone } from '../views/format.ts';
import { periodQuery, resolvePeriod } from './period.ts';
import { HttpError } from '../errors.ts';
import type { LegDirection } from '../../core/cdr/leg.ts';

export function registerBillingPages(pages: PageRouter, s: WebServices): void {
  const region = s.config.defaultRegion;
  pages.get('/billing', 'admin', async (ctx) => {
    const t = ctx.t;
    const q = periodQuery.safeParse(ctx.query);
    if (!q.success) throw new HttpError(400, 'invalid_input', q.error.issues.map((i) => i.message).join('; '));
    const p = resolvePeriod(q.data, ctx.timeZone, ctx.now);
    const offset = Math.max(0, Math.min(1_000_000, Number(ctx.query.offset) || 0));
    const meetingOffset = Math.max(0, Math.min(1_000_000, Number(ctx.query.meetingOffset) || 0));
    const r = await s.billing.report(ctx.accountId, p, { offset, meetingOffset });
    const cur = ctx.account.currency;
    const tz = ctx.timeZone;
    const qs = new URLSearchParams(p.kind === 'month' ? { period: 'month', month: p.month } : p.kind === 'lastweek' ? { period: 'lastweek' } : { period: 'range', from: p.fromDay, to: p.toDay }).toString();
    const recharges = (await s.account.recharges(ctx.accountId)).slice(0, 10);
    // Relay legs never reach this page (core/cdr/store.ts leaves them out); 'relay' is here for the type only.
    const dirKey = (d: LegDirection) => (d === 'out' ? t('billing.dialOut') : d === 'webrtc' ? t('billing.webrtc') : t('billing.dialIn'));
    return layout(ctx, {
      title: t('nav.billing'), active: '/billing',
      body: html`<form method="get" action="/billing" class="card" id="period-form">
        <label class="inline"><input type="radio" name="period" value="month" ${p.kind === 'month' ? html`checked` : ''}> ${t('billing.month')}</label>
        <input type="month" name="month" value="${p.month}" id="period-month">
        <label class="inline"><input type="radio" name="period" value="lastweek" id="period-lastweek" ${p.kind === 'lastweek' ? html`checked` : ''}> ${t('billing.lastWeek')}</label>
        <label class="inline"><input type="radio" name="period" value="range" ${p.kind === 'range' ? html`checked` : ''}> ${t('billing.range')}</label>
        <input type="date" name="from" value="${p.fromDay}"> – <input type="date" name="to" value="${p.toDay}">
        <button type="submit" id="period-show">${t('billing.show')}</button>
      </form>
      <section class="card" id="billing-totals"><dl class="facts">
        <dt>${t('billing.period')}</dt><dd>${formatDateTime(p.from, tz, ctx.locale)} – ${formatDateTime(new Date(p.to.getTime() - 1000), tz, ctx.locale)} (${tz})</dd>
        <dt>${t('billing.calls')}</dt><dd id="total-calls">${r.totals.calls}</dd>
        <dt>${t('billing.billableTime')}</dt><dd id="total-duration">${formatDuration(r.totals.billableSeconds)}</dd>
        <dt>${t('billing.cost')}</dt><dd id="total-cost">${formatMoney(r.totals.costMinor, cur)}</dd>
        <dt>${t('account.balance')}</dt><dd id="billing-balance">${formatMoney(ctx.account.balanceMinor, cur)}</dd>
      </dl>
      <div class="actions"><a class="button secondary" id="export-calls" href="/api/billing/calls.csv?${qs}">${t('billing.exportCalls')}</a>
        <a class="button secondary" id="export-meetings" href="/api/billing/conferences.csv?${qs}">${t('billing.exportMeetings')}</a></div></section>
      <h2>${t('billing.perMeeting')}</h2>
      <table id="meetings-table"><thead><tr><th>${t('room.number')}</th><th>${t('common.start')}</th><th>${t('common.end')}</th><th class="num">${t('billing.duration')}</th><th class="num">${t('billing.participants')}</th><th class="num">${t('billing.cost')}</th></tr></thead>
      <tbody>${r.conferences.map((b) => html`<tr data-conference-id="${b.conferenceId}"><td><a href="/history/${b.conferenceId}">${b.roomNumber}</a></td><td>${formatDateTime(b.startedAt, tz, ctx.locale)}</td><td>${formatDateTime(b.endedAt, tz, ctx.locale)}</td>
        <td class="num">${b.endedAt ? formatDuration((b.endedAt.getTime() - b.startedAt.getTime()) / 1000) : t('status.live')}</td><td class="num">${b.participants}</td><td class="num">${formatMoney(b.costMinor, cur)}</td></tr>`)}</tbody></table>
      <p class="actions">${meetingOffset > 0 ? html`<a href="/billing?${qs}&meetingOffset=${Math.max(0, meetingOffset - 100)}">${t('common.previous')}</a>` : ''} ${r.moreConferences ? html`<a href="/billing?${qs}&meetingOffset=${meetingOffset + 100}">${t('common.next')}</a>` : ''}</p>
      <h2>${t('billing.perCall')}</h2>
      <table id="calls-table"><thead><tr><th>${t('billing.number')}</th><th>${t('billing.direction')}</th><th>${t('billing.accessNumber')}</th><th>${t('room.number')}</th><th>${t('common.start')}</th><th>${t('billing.answered')}</th><th>${t('common.end')}</th>
        <th class="num">${t('billing.duration')}</th><th class="num">${t('billing.billableMinutes')}</th><th class="num">${t('billing.rate')}</th><th class="num">${t('billing.cost')}</th></tr></thead>
      <tbody>${r.calls.map((c) => {
        const number = c.direction === 'in' ? c.caller : c.callee;
        return html`<tr data-leg-id="${c.id}"><td>${/^\+\d+(\*.*)?$/.test(number) ? formatPhone(number, region) : number}</td><td>${dirKey(c.direction)}</td><td>${c.accessNumber ?? ''}</td><td>${c.roomNumber ?? ''}</td>
          <td>${formatDateTime(c.startedAt, tz, ctx.locale)}</td><td>${formatDateTime(c.answeredAt, tz, ctx.locale)}</td><td>${c.state === 'open' ? t('status.live') : formatDateTime(c.endedAt, tz, ctx.locale)}</td>
          <td class="num call-duration">${formatDuration(c.billableSeconds)}</td><td class="num call-minutes">${formatMinutes(c.billedSeconds)}</td>
          <td class="num">${c.ratePerMinuteMinor !== null ? `${formatMoney(c.ratePerMinuteMinor, cur)}/min` : ''}</td><td class="num call-cost">${c.costMinor !== null ? formatMoney(c.costMinor, cur) : ''}</td></tr>`;
      })}</tbody></table>
      <p class="actions">${offset > 0 ? html`<a href="/billing?${qs}&offset=${Math.max(0, offset - 100)}">${t('common.previous')}</a>` : ''} ${r.moreCalls ? html`<a href="/billing?${qs}&offset=${offset + 100}">${t('common.next')}</a>` : ''}</p>
      <h2>${t('account.recharges')}</h2>
      <table id="recharges"><thead><tr><th>${t('common.time')}</th><th class="num">${t('account.amount')}</th><th class="num">${t('account.balanceAfter')}</th><th>${t('common.note')}</th></tr></thead>
      <tbody>${recharges.map((x) => html`<tr><td>${formatDateTime(x.createdAt, tz, ctx.locale)}</td><td class="num">${formatMoney(x.amountMinor, cur)}</td><td class="num">${formatMoney(x.balanceAfterMinor, cur)}</td><td>${x.note}</td></tr>`)}</tbody></table>`,
    });
  });
}
