// The owner's dashboard: live meetings (to their live consoles), alerts of
// the live console (help requested, PIN lockout, dial-out cap reached) until dismissed, planned
// meetings, balance. With a bridge attached the page follows the account's
// live events (web/public/js/live/dashboard.js) and redraws both lists.
import { seesWholeAccount } from '../http/access.ts';
import type { PageContext, PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatMoney, formatShortDateTime } from '../views/format.ts';
import { statusLabel } from '../rooms/pages.ts';
import type { RoomSummary } from '../rooms/service.ts';
import type { LiveAlert } from '../../core/alerts/store.ts';
import { dialOutAlertText } from '../views/dial-out.ts';
import { LowBalanceService } from '../account/low-balance.ts';

/** An alert as one line: who asked for help, or which room's PIN checks are slowed until when. */
export function alertText(ctx: PageContext, a: LiveAlert): string {
  if (a.kind === 'dial_out') return dialOutAlertText(ctx.t, a, ctx.account.currency);
  if (a.kind === 'lockout') {
    const until = typeof a.data.until === 'string' ? formatShortDateTime(new Date(a.data.until), ctx.timeZone, ctx.locale) : '';
    return ctx.t('js.live.lockout', { number: a.roomNumber, until });
  }
  const who = [a.data.name, a.data.number].filter((x) => typeof x === 'string' && x !== '').join(' ') || (a.participantId ?? '');
  return ctx.t(a.resolvedAt ? 'js.live.helpResolved' : 'js.live.help', { who });
}

function alertsCard(ctx: PageContext, alerts: LiveAlert[]): SafeHtml {
  const t = ctx.t;
  return html`<section class="card" id="dashboard-alerts-card"><h2>${t('live.alerts')}</h2>
    <ul id="dashboard-alerts" class="alerts">${alerts.map((a) => html`<li data-alert-id="${a.id}" class="alert-${a.kind}${a.resolvedAt ? ' resolved' : ''}">
      <span class="alert-text">${alertText(ctx, a)}</span> <span class="muted">${formatShortDateTime(a.raisedAt, ctx.timeZone, ctx.locale)}</span>
      ${a.conferenceId ? html`<a href="/live/${a.conferenceId}">${t('live.console')}</a>` : ''}
      <button type="button" class="secondary" data-dismiss="${a.id}">${t('live.dismiss')}</button></li>`)}</ul>
    <p class="muted" id="dashboard-no-alerts" ${alerts.length > 0 ? html`hidden` : ''}>${t('live.noAlerts')}</p></section>`;
}

function liveCard(ctx: PageContext, live: RoomSummary[], counts: Map<string, number | null>): SafeHtml {
  const t = ctx.t;
  return html`<section class="card"><h2>${t('rooms.live')}</h2>
    <ul id="live-meetings">${live.map((r) => {
      const n = r.liveConferenceId ? counts.get(r.liveConferenceId) : undefined;
      return html`<li data-conference-id="${r.liveConferenceId ?? ''}"><a href="${r.liveConferenceId ? `/live/${r.liveConferenceId}` : `/rooms/${r.room.id}`}">${r.room.name}</a> ${r.room.number} ${statusLabel(ctx, r.status)}${typeof n === 'number' ? html` · ${t('js.live.participants', { n })}` : ''}</li>`;
    })}</ul>
    <p class="muted" id="live-meetings-none" ${live.length > 0 ? html`hidden` : ''}>${t('common.none')}</p></section>`;
}

export function registerDashboardPages(pages: PageRouter, s: WebServices): void {
  pages.get('/', 'account', async (ctx) => {
    const t = ctx.t;
    const [allRooms, allAlerts, allLive, low] = await Promise.all([
      s.rooms.list(ctx.account, ctx.now), s.live.alerts(ctx.accountId), s.live.available ? s.live.list(ctx.accountId) : Promise.resolve([]),
      s.lowBalance.get(ctx.accountId),
    ]);
    // An organizer's dashboard shows their own rooms only.
    const [list, alerts, listing] = await Promise.all([
      s.scope.filter(ctx, allRooms, (r) => r.room.id), s.scope.filter(ctx, allAlerts, (a) => a.roomId), s.scope.filter(ctx, allLive, (l) => l.conference.roomId),
    ]);
    const counts = new Map(listing.map((l) => [l.conference.id, l.participantCount]));
    const live = list.filter((r) => r.status === 'live');
    const planned = list.filter((r) => r.status === 'open' || r.status === 'planned')
      .sort((a, b) => (a.occurrence?.start.getTime() ?? 0) - (b.occurrence?.start.getTime() ?? 0)).slice(0, 10);
    const a = ctx.account;
    const money = seesWholeAccount(ctx.auth!.user.role); // the balance and billing are the owner's and admins'
    return layout(ctx, {
      title: t('nav.dashboard'), active: '/',
      body: html`${money && LowBalanceService.showsBanner(low) ? html`<p class="banner warn" id="low-balance-warning">${t('lowBalance.banner', {
        balance: formatMoney(low.balanceMinor, a.currency), threshold: formatMoney(low.thresholdMinor, a.currency) })} <a href="/account">${t('nav.account')}</a></p>` : ''}
      <div class="grid" id="dashboard" data-live-stream="${s.live.available ? 'on' : 'off'}" data-time-zone="${ctx.timeZone}" data-currency="${ctx.account.currency}">
        ${money ? html`<section class="card"><h2>${t('account.balance')}</h2><p class="pin" id="dashboard-balance">${formatMoney(a.balanceMinor, a.currency)}</p>
          <p class="muted">${a.name} · ${t(`tier.${a.tier}`)} · ${a.timeZone}</p><p><a href="/billing">${t('nav.billing')}</a></p></section>` : ''}
        ${liveCard(ctx, live, counts)}
        ${alertsCard(ctx, alerts)}
        <section class="card"><h2>${t('rooms.planned')}</h2>
          ${planned.length === 0 ? html`<p class="muted">${t('common.none')}</p>` : html`<ul id="planned-meetings">${planned.map((r) => html`<li><a href="/rooms/${r.room.id}">${r.room.name}</a> ${r.room.number} · ${r.occurrence ? formatShortDateTime(r.occurrence.start, ctx.timeZone, ctx.locale) : ''} ${statusLabel(ctx, r.status)}</li>`)}</ul>`}
          <p><a class="button" href="/rooms/new">${t('rooms.new')}</a></p></section>
      </div>`,
    });
  });
}
