// History pages: past conferences and one conference's log.
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatDuration, formatPhone } from '../views/format.ts';
import { lastDays, periodQuery, resolvePeriod } from '../billing/period.ts';
import { HttpError } from '../errors.ts';

export function registerHistoryPages(pages: PageRouter, s: WebServices): void {
  const region = s.config.defaultRegion;
  pages.get('/history', 'account', async (ctx) => {
    const t = ctx.t;
    const q = periodQuery.safeParse({ period: 'range', ...lastDays(90, ctx.timeZone, ctx.now), ...ctx.query });
    if (!q.success) throw new HttpError(400, 'invalid_input', 'invalid period');
    const p = resolvePeriod(q.data, ctx.timeZone, ctx.now);
    const list = await s.scope.filter(ctx, await s.history.list(ctx.accountId, p), (x) => x.conference.roomId);
    const tz = ctx.timeZone;
    return layout(ctx, {
      title: t('nav.history'), active: '/history',
      body: html`<form method="get" action="/history" class="card"><input type="hidden" name="period" value="range">
        <input type="date" name="from" value="${p.fromDay}"> – <input type="date" name="to" value="${p.toDay}"> <button type="submit">${t('billing.show')}</button></form>
      <table id="history-table"><thead><tr><th>${t('room.name')}</th><th>${t('room.number')}</th><th>${t('common.start')}</th><th>${t('common.end')}</th><th class="num">${t('billing.duration')}</th><th>${t('history.endReason')}</th></tr></thead>
      <tbody>${list.map(({ conference: c, roomName }) => html`<tr data-conference-id="${c.id}"><td><a href="/history/${c.id}">${roomName || t('history.deletedRoom')}</a></td><td>${c.roomNumber}</td>
        <td>${formatDateTime(c.startedAt, tz, ctx.locale)}</td><td>${c.endedAt ? formatDateTime(c.endedAt, tz, ctx.locale) : t('status.live')}</td>
        <td class="num">${c.endedAt ? formatDuration((c.endedAt.getTime() - c.startedAt.getTime()) / 1000) : ''}</td><td>${c.endReason ?? ''}</td></tr>`)}</tbody></table>`,
    });
  });

  pages.get('/history/:id', 'account', async (ctx) => {
    const t = ctx.t;
    await s.scope.conference(ctx, ctx.params.id!);
    const { conference: conf, room, events, participants: legs } = await s.history.detail(ctx.accountId, ctx.params.id!, ctx.now);
    const tz = ctx.timeZone;
    return layout(ctx, {
      title: `${room?.name ?? t('history.deletedRoom')} · ${formatDateTime(conf.startedAt, tz, ctx.locale)}`, active: '/history',
      body: html`<p class="error" id="page-error" hidden></p>
      <section class="card"><dl class="facts"><dt>${t('room.number')}</dt><dd>${conf.roomNumber}</dd>
        <dt>${t('common.start')}</dt><dd>${formatDateTime(conf.startedAt, tz, ctx.locale)}</dd><dt>${t('common.end')}</dt><dd>${conf.endedAt ? formatDateTime(conf.endedAt, tz, ctx.locale) : t('status.live')}</dd>
        <dt>${t('history.endReason')}</dt><dd>${conf.endReason ?? ''}</dd></dl>
      <div class="actions"><a class="button secondary" id="download-events" href="/api/history/${conf.id}/events.csv">${t('history.downloadLog')}</a>
        ${room ? html`<button type="button" id="restart" data-action="POST /api/history/${conf.id}/restart" data-redirect="/rooms/{id}">${t('history.restart')}</button>` : ''}</div></section>
      <h2>${t('history.participants')}</h2>
      <table id="participants-table"><thead><tr><th>${t('billing.number')}</th><th>${t('history.name')}</th><th>${t('history.role')}</th><th>${t('common.start')}</th><th>${t('common.end')}</th><th class="num">${t('billing.duration')}</th></tr></thead>
      <tbody>${legs.map((l) => {
        const n = l.direction === 'in' ? l.caller : l.callee;
        return html`<tr><td>${/^\+\d+/.test(n) ? formatPhone(n, region) : n}</td><td>${l.displayName}</td><td>${l.role ?? ''}</td><td>${formatDateTime(l.answeredAt ?? l.startedAt, tz, ctx.locale)}</td><td>${formatDateTime(l.endedAt, tz, ctx.locale)}</td><td class="num">${formatDuration(l.billableSeconds)}</td></tr>`;
      })}</tbody></table>
      <h2>${t('history.events')}</h2>
      <table id="events-table"><thead><tr><th>${t('common.time')}</th><th>${t('history.event')}</th><th>${t('history.actor')}</th><th>${t('history.details')}</th></tr></thead>
      <tbody>${events.map((e) => html`<tr><td>${formatDateTime(e.at, tz, ctx.locale)}</td><td>${e.kind}</td><td>${e.actor}</td><td>${Object.keys(e.data).length > 0 ? JSON.stringify(e.data) : ''}</td></tr>`)}</tbody></table>`,
    });
  });
}
