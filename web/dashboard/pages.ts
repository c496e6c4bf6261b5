// The owner's dashboard: live and planned meetings, balance.
import type { PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatMoney, formatShortDateTime } from '../views/format.ts';
import { statusLabel } from '../rooms/pages.ts';

export function registerDashboardPages(pages: PageRouter, s: WebServices): void {
  pages.get('/', 'owner', async (ctx) => {
    const t = ctx.t;
    const list = await s.rooms.list(ctx.account, ctx.now);
    const live = list.filter((r) => r.status === 'live');
    const planned = list.filter((r) => r.status === 'open' || r.status === 'planned')
      .sort((a, b) => (a.occurrence?.start.getTime() ?? 0) - (b.occurrence?.start.getTime() ?? 0)).slice(0, 10);
    const a = ctx.account;
    return layout(ctx, {
      title: t('nav.dashboard'), active: '/',
      body: html`<div class="grid">
        <section class="card"><h2>${t('account.balance')}</h2><p class="pin" id="dashboard-balance">${formatMoney(a.balanceMinor, a.currency)}</p>
          <p class="muted">${a.name} · ${t(`tier.${a.tier}`)} · ${a.timeZone}</p><p><a href="/billing">${t('nav.billing')}</a></p></section>
        <section class="card"><h2>${t('rooms.live')}</h2>
          ${live.length === 0 ? html`<p class="muted">${t('common.none')}</p>` : html`<ul id="live-meetings">${live.map((r) => html`<li><a href="/rooms/${r.room.id}">${r.room.name}</a> ${r.room.number} ${statusLabel(ctx, r.status)}</li>`)}</ul>`}</section>
        <section class="card"><h2>${t('rooms.planned')}</h2>
          ${planned.length === 0 ? html`<p class="muted">${t('common.none')}</p>` : html`<ul id="planned-meetings">${planned.map((r) => html`<li><a href="/rooms/${r.room.id}">${r.room.name}</a> ${r.room.number} · ${r.occurrence ? formatShortDateTime(r.occurrence.start, ctx.timeZone, ctx.locale) : ''} ${statusLabel(ctx, r.status)}</li>`)}</ul>`}
          <p><a class="button" href="/rooms/new">${t('rooms.new')}</a></p></section>
      </div>`,
    });
  });
}
