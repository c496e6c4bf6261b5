// The live console page /live/:conferenceId: the frame (header, controls,
// alerts, the participants table's head) is rendered here; the participants
// and every change come from the event stream, drawn by
// web/public/js/live.js (the invite panel: invite-panel.ts). An ended meeting links to its history; without a
// bridge the page says so instead of opening a stream that would 503.
import type { PageContext, PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, jsonScript, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { EXTEND_MINUTES, VOLUME_DB } from '../../core/live/messages.ts';
import { TIER_LIMITS } from '../../core/accounts/tiers.ts';
import type { Conference } from '../../core/conferences/store.ts';
import { invitePanel } from './invite-panel.ts';

const COLUMNS: MessageKey[] = [
  'live.col.name', 'live.col.number', 'live.col.role', 'live.col.access', 'live.col.joined', 'live.col.talking',
  'live.col.muted', 'live.col.held', 'live.col.volume', 'live.col.quality', 'live.col.actions',
];

export function registerLivePages(pages: PageRouter, s: WebServices): void {
  pages.get('/live/:id', 'account', async (ctx) => {
    await s.scope.conference(ctx, ctx.params.id!);
    const { conference, roomName } = await s.live.describe(ctx.accountId, ctx.params.id!);
    const title = ctx.t('live.title', { name: roomName ?? conference.roomNumber });
    let body: SafeHtml;
    if (conference.endedAt) body = html`<p id="live-ended">${ctx.t('live.ended')} <a href="/history/${conference.id}">${ctx.t('live.seeHistory')}</a></p>`;
    else if (!s.live.available) body = html`<p class="error" id="live-unavailable">${ctx.t('live.unavailable')}</p>`;
    else body = livePanel(ctx, conference, roomName, await invitePanel(ctx, s));
    return layout(ctx, { title, active: '/', body });
  });
}

function livePanel(ctx: PageContext, conf: Conference, roomName: string | null, invites: SafeHtml): SafeHtml {
  const t = ctx.t;
  const cap = TIER_LIMITS[ctx.account.tier].maxParticipants;
  return html`<div id="live-page">
  ${jsonScript('live-config', { conferenceId: conf.id, timeZone: ctx.timeZone, locale: ctx.locale, currency: ctx.account.currency, historyUrl: `/history/${conf.id}`, volume: { ...VOLUME_DB, step: 3 } })}
  <p class="error" id="page-error" hidden></p>
  <p class="banner warn" id="live-banner" hidden></p>
  <p class="notice" id="live-dial-out" hidden></p>
  <div class="grid">
    <section class="card"><dl class="facts">
      <dt>${t('room.name')}</dt><dd id="live-room-name">${roomName ?? ''}</dd>
      <dt>${t('live.roomNumber')}</dt><dd class="pin" id="live-room-number">${conf.roomNumber}</dd>
      <dt>${t('live.timeLeft')}</dt><dd id="live-time-left"></dd>
      <dt>${t('live.state')}</dt><dd><span id="live-locked"></span> · <span id="live-recording"></span> <span id="live-all-muted" class="muted"></span></dd>
      <dt>${t('live.count')}</dt><dd><span id="live-count">–</span> / <span id="live-max">–</span></dd>
      <dt>${t('live.listeners')}</dt><dd id="live-listeners">0</dd>
    </dl></section>
    <section class="card" id="live-alerts-card"><h2>${t('live.alerts')}</h2>
      <ul id="live-alerts" class="alerts"></ul><p class="muted" id="live-no-alerts">${t('live.noAlerts')}</p></section>
  </div>
  <section class="card live-controls" id="live-controls">
    <button type="button" data-live="mute-all" data-body="${JSON.stringify({ muted: true })}" id="ctl-mute-all">${t('live.muteAll')}</button>
    <button type="button" class="secondary" data-live="mute-all" data-body="${JSON.stringify({ muted: false })}" id="ctl-unmute-all">${t('live.unmuteAll')}</button>
    <button type="button" data-live="lock" data-body="${JSON.stringify({ locked: true })}" id="ctl-lock">${t('live.lock')}</button>
    <button type="button" data-live="lock" data-body="${JSON.stringify({ locked: false })}" id="ctl-unlock" hidden>${t('live.unlock')}</button>
    <button type="button" data-live="record" data-body="${JSON.stringify({ on: true })}" id="ctl-record-start">${t('live.recordStart')}</button>
    <button type="button" data-live="record" data-body="${JSON.stringify({ on: false })}" id="ctl-record-stop" hidden>${t('live.recordStop')}</button>
    <span class="group">${t('live.extend')}: ${EXTEND_MINUTES.map((m) => html`<button type="button" class="secondary" data-live="extend" data-body="${JSON.stringify({ minutes: m })}" id="ctl-extend-${m}">+${m} min</button>`)}</span>
    <form id="ctl-limit" class="group"><label class="inline">${t('live.limit')} <input type="number" id="limit-input" name="max" min="1" ${cap !== null ? html`max="${cap}"` : ''} required></label><button type="submit" class="secondary">${t('live.setLimit')}</button></form>
    <button type="button" class="danger" data-live="end" data-confirm="js.live.confirmEnd" id="ctl-end">${t('live.end')}</button>
  </section>
  ${invites}
  <div class="live-tools">
    <input type="search" id="live-search" placeholder="${t('live.search')}" autocomplete="off">
    <label class="inline">${t('live.sortBy')} <select id="live-sort">
      ${(['talking', 'joined', 'name'] as const).map((k) => html`<option value="${k}">${t(`live.sort.${k}`)}</option>`)}
    </select></label>
    <span class="muted" id="live-shown"></span>
  </div>
  <table id="live-participants"><thead><tr>${COLUMNS.map((k) => html`<th>${t(k)}</th>`)}</tr></thead><tbody></tbody></table>
</div>`;
}
