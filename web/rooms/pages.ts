// Rooms and meetings: list (live / planned / past), detail with next
// occurrences, the create/edit form, templates.
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatPhone, formatShortDateTime } from '../views/format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { AutoInvite, RoomOptions } from '../../core/rooms/store.ts';
import type { AccessNumber } from '../../core/telephony/store.ts';
import type { ContactGroup } from '../../core/contacts/store.ts';
import type { User } from '../../core/users/store.ts';
import { describeRecurrence } from './describe.ts';
import { checkbox, roomForm } from './room-form.ts';
import { autoInviteLine } from './room-input.ts';
import type { RoomStatus, RoomSummary } from './service.ts';
import { listenLinksSection } from '../join/listen-pages.ts';

const STATUS_KEY: Record<RoomStatus, MessageKey> = { live: 'status.live', open: 'status.open', planned: 'status.planned', past: 'status.past' };
const OPTION_KEYS: Array<[keyof RoomOptions, MessageKey]> = [
  ['chairAnnounce', 'opt.chairAnnounce'], ['chairRecord', 'opt.chairRecord'], ['guestAnnounce', 'opt.guestAnnounce'],
  ['guestListenOnly', 'opt.guestListenOnly'], ['guestWaitForChair', 'opt.guestWaitForChair'], ['muteOnEntry', 'opt.muteOnEntry'],
  ['autoRecord', 'opt.autoRecord'], ['endWhenLastChairLeaves', 'opt.endWhenLastChairLeaves'], ['inviteConfirm', 'opt.inviteConfirm'],
  ['guestsMayInvite', 'opt.guestsMayInvite'],
];

export function statusLabel(ctx: PageContext, s: RoomStatus): SafeHtml {
  return html`<span class="status-${s}" data-status="${s}">${ctx.t(STATUS_KEY[s])}</span>`;
}

function roomRows(ctx: PageContext, list: RoomSummary[]): SafeHtml {
  if (list.length === 0) return html`<p class="muted">${ctx.t('common.none')}</p>`;
  return html`<table id="rooms-table"><thead><tr><th>${ctx.t('room.name')}</th><th>${ctx.t('room.number')}</th><th>${ctx.t('room.status')}</th>
    <th>${ctx.t('room.when')}</th><th>${ctx.t('room.recurrence')}</th></tr></thead><tbody>
    ${list.map((r) => html`<tr data-room-id="${r.room.id}"><td><a href="/rooms/${r.room.id}">${r.room.name}</a></td><td>${r.room.number}</td>
      <td>${statusLabel(ctx, r.status)}</td><td>${r.occurrence ? formatShortDateTime(r.occurrence.start, ctx.timeZone, ctx.locale) : ''}</td>
      <td>${describeRecurrence(r.room.schedule.rrule, ctx.timeZone, ctx.locale)}</td></tr>`)}
  </tbody></table>`;
}

export function registerRoomPages(pages: PageRouter, s: WebServices): void {
  pages.get('/rooms', 'account', (ctx) => roomsPage(ctx, s));
  pages.get('/rooms/new', 'account', (ctx) => newRoomPage(ctx, s));
  pages.get('/rooms/:id/edit', 'account', (ctx) => editRoomPage(ctx, s));
  pages.get('/rooms/:id', 'account', (ctx) => roomPage(ctx, s));
  pages.get('/templates', 'account', (ctx) => templatesPage(ctx, s));
}

async function roomsPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const list = await s.scope.filter(ctx, await s.rooms.list(ctx.account, ctx.now), (r) => r.room.id);
  const tab = (['live', 'planned', 'past'] as const).find((x) => x === ctx.query.tab);
  const groups: Array<[string, MessageKey, RoomSummary[]]> = [
    ['live', 'rooms.live', list.filter((r) => r.status === 'live')],
    ['planned', 'rooms.planned', list.filter((r) => r.status === 'open' || r.status === 'planned')],
    ['past', 'rooms.past', list.filter((r) => r.status === 'past')],
  ];
  const shown = tab ? groups.filter(([k]) => k === tab) : groups;
  return layout(ctx, {
    title: ctx.t('nav.rooms'), active: '/rooms',
    body: html`<div class="actions"><a class="button" href="/rooms/new" id="new-room">${ctx.t('rooms.new')}</a></div>
      <p class="tabs"><a href="/rooms" class="${tab ? '' : 'active'}">${ctx.t('common.all')}</a>${groups.map(([k, key, l]) => html`<a href="/rooms?tab=${k}" class="${tab === k ? 'active' : ''}">${ctx.t(key)} (${l.length})</a>`)}</p>
      ${shown.map(([k, key, l]) => html`<section id="rooms-${k}"><h2>${ctx.t(key)}</h2>${roomRows(ctx, l)}</section>`)}`,
  });
}

/** Whom the room form offers as organizer: an organizer's rooms are their own. */
async function organizersFor(ctx: PageContext, s: WebServices): Promise<User[]> {
  const me = s.scope.organizerOf(ctx);
  return (await s.rooms.organizers(ctx.accountId)).filter((u) => me === null || u.id === me);
}

async function newRoomPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const { templates, chosen } = await s.templates.chosen(ctx.accountId, ctx.query.template);
  const fresh = await s.rooms.freshNumberAndPins();
  const [users, groups] = await Promise.all([organizersFor(ctx, s), s.rooms.contactGroups(ctx.accountId)]);
  return layout(ctx, {
    title: ctx.t('rooms.new'), active: '/rooms',
    body: html`${templates.length > 0 ? html`<p class="tabs">${ctx.t('templates.use')}: ${templates.map((x) => html`<a href="/rooms/new?template=${x.id}" class="${chosen?.id === x.id ? 'active' : ''}">${x.name}${x.isDefault ? ` (${ctx.t('templates.default')})` : ''}</a>`)}</p>` : ''}
      ${roomForm(ctx, { room: null, defaults: chosen?.settings ?? {}, number: fresh.number, chairPin: fresh.chairPin, guestPin: fresh.guestPin, start: ctx.now, users, groups, autoInvites: [], templateId: chosen?.id })}`,
  });
}

async function editRoomPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  await s.scope.room(ctx, ctx.params.id!);
  const room = await s.rooms.room(ctx.accountId, ctx.params.id!);
  const [users, groups, invites] = await Promise.all([
    organizersFor(ctx, s), s.rooms.contactGroups(ctx.accountId), s.rooms.autoInvites(ctx.accountId, room.id),
  ]);
  return layout(ctx, {
    title: ctx.t('rooms.edit', { name: room.name }), active: '/rooms',
    body: roomForm(ctx, {
      room, defaults: {}, number: room.number, chairPin: room.chairPin, guestPin: room.guestPin, start: room.schedule.startsAt, users, groups,
      autoInvites: invites.map(autoInviteLine),
    }),
  });
}

async function roomPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  await s.scope.room(ctx, ctx.params.id!);
  const sum = await s.rooms.get(ctx.account, ctx.params.id!, ctx.now);
  const room = sum.room;
  const [invites, accessNumbers, groups, listenLinks] = await Promise.all([
    s.rooms.autoInvites(ctx.accountId, room.id), s.rooms.meetingAccessNumbers(), s.rooms.contactGroups(ctx.accountId), s.listen.list(ctx.accountId, room.id),
  ]);
  const organizer = room.organizerUserId ? (await s.rooms.organizers(ctx.accountId)).find((u) => u.id === room.organizerUserId) : undefined;
  return layout(ctx, {
    title: room.name, active: '/rooms',
    body: html`<p class="error" id="page-error" hidden></p>
    <div class="grid">
    ${roomFacts(ctx, sum, organizer)}
    ${roomSchedule(ctx, s, sum, accessNumbers, invites)}
    </div>
    <div class="actions">
      ${sum.liveConferenceId ? html`<a class="button" href="/live/${sum.liveConferenceId}" id="open-live">${ctx.t('live.open')}</a>` : ''}
      <a class="button secondary" href="/join?room=${room.number}" id="join-from-browser">${ctx.t('join.title')}</a>
      <a class="button" href="/rooms/${room.id}/edit" id="edit-room">${ctx.t('common.edit')}</a>
      <a class="button secondary" href="/api/rooms/${room.id}/invitation.ics">${ctx.t('room.downloadIcs')}</a>
      <button type="button" class="danger" id="delete-room" data-action="DELETE /api/rooms/${room.id}" data-confirm="js.confirmDelete" data-redirect="/rooms">${ctx.t('common.delete')}</button>
    </div>
    ${roomForms(ctx, sum, groups)}
    ${listenLinksSection(ctx, room.id, listenLinks)}`,
  });
}

function roomFacts(ctx: PageContext, sum: RoomSummary, organizer: User | undefined): SafeHtml {
  const t = ctx.t;
  const room = sum.room;
  const sc = room.schedule;
  const on = OPTION_KEYS.filter(([k]) => room.options[k]).map(([, key]) => t(key));
  return html`<section class="card"><dl class="facts">
      <dt>${t('room.number')}</dt><dd class="pin" id="room-number">${room.number}</dd>
      <dt>${t('room.chairPin')}</dt><dd class="pin" id="chair-pin">${room.chairPin}</dd>
      <dt>${t('room.guestPin')}</dt><dd class="pin" id="guest-pin">${room.guestPin || t('room.noGuestPin')}</dd>
      <dt>${t('room.status')}</dt><dd>${statusLabel(ctx, sum.status)}</dd>
      <dt>${t('room.start')}</dt><dd>${formatShortDateTime(sc.startsAt, ctx.timeZone, ctx.locale)}</dd>
      <dt>${t('room.durationHours')}</dt><dd>${sc.durationMinutes / 60}</dd>
      <dt>${t('room.recurrence')}</dt><dd id="recurrence-text">${describeRecurrence(sc.rrule, ctx.timeZone, ctx.locale)}</dd>
      <dt>${t('room.earlyEntry')}</dt><dd>${sc.earlyEntryMinutes} min</dd>
      <dt>${t('room.autoExtend')}</dt><dd>${sc.autoExtendMinutes ? `${sc.autoExtendMinutes} min` : t('common.off')}</dd>
      <dt>${t('room.reminder')}</dt><dd>${sc.reminderMinutes !== null ? `${sc.reminderMinutes} min` : t('common.off')}</dd>
      <dt>${t('room.maxParticipants')}</dt><dd>${room.maxParticipants}</dd>
      <dt>${t('room.options')}</dt><dd>${on.length > 0 ? on.join(' · ') : t('common.none')}</dd>
      <dt>${t('room.organizer')}</dt><dd>${organizer?.displayName ?? ''}</dd>
      ${room.description ? html`<dt>${t('room.description')}</dt><dd>${room.description}</dd>` : ''}
    </dl></section>`;
}

function roomSchedule(ctx: PageContext, s: WebServices, sum: RoomSummary, accessNumbers: AccessNumber[], invites: AutoInvite[]): SafeHtml {
  const t = ctx.t;
  const next = s.rooms.nextOccurrences(sum.room, ctx.timeZone, ctx.now);
  return html`<section class="card"><h2>${t('room.nextOccurrences')}</h2>
      <ol id="next-occurrences">${next.map((o) => html`<li>${formatShortDateTime(o.start, ctx.timeZone, ctx.locale)} – ${formatShortDateTime(o.end, ctx.timeZone, ctx.locale)}</li>`)}</ol>
      ${next.length === 0 ? html`<p class="muted">${t('common.none')}</p>` : ''}
      <h2>${t('room.accessNumbers')}</h2>
      <ul>${accessNumbers.map((a) => html`<li>${a.number} <span class="muted">${a.description}</span></li>`)}</ul>
      <h2>${t('room.autoInvites')}</h2>
      <ul id="auto-invites">${invites.map((i) => html`<li>${i.target.startsWith('+') ? formatPhone(i.target, s.config.defaultRegion) : i.target} ${i.name}</li>`)}</ul>
    </section>`;
}

/** Save as a template; send the invitation. */
function roomForms(ctx: PageContext, sum: RoomSummary, groups: ContactGroup[]): SafeHtml {
  const t = ctx.t;
  const room = sum.room;
  return html`<div class="grid">
    <form class="card" data-api="POST /api/templates" data-redirect="/templates" id="save-template">
      <h2>${t('templates.saveAs')}</h2>
      <input type="hidden" name="roomId" value="${room.id}">
      <label>${t('templates.name')} <input type="text" name="name" required maxlength="100"></label>
      ${checkbox('isDefault', t('templates.makeDefault'), false)}
      <p class="form-error" hidden></p><button type="submit">${t('common.save')}</button>
    </form>
    <form class="card" data-api="POST /api/rooms/${room.id}/invitations" data-done="invite-done" data-reset id="invite-form">
      <h2>${t('room.sendInvitations')}</h2>
      <label>${t('room.inviteEmails')} <textarea name="emails" data-type="lines"></textarea></label>
      ${groups.length > 0 ? html`<p>${groups.map((g) => html`<label class="inline"><input type="checkbox" name="groupIds" data-type="list" value="${g.id}"> ${g.name}</label>`)}</p>` : ''}
      <p class="form-error" hidden></p><p id="invite-done" class="status-ok" hidden></p><button type="submit">${t('room.send')}</button>
    </form>
    </div>`;
}

async function templatesPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const list = await s.templates.list(ctx.accountId);
  return layout(ctx, {
    title: t('nav.templates'), active: '/templates',
    body: html`<p class="error" id="page-error" hidden></p><p class="muted">${t('templates.hint')}</p>
    <table id="templates-table"><thead><tr><th>${t('templates.name')}</th><th>${t('room.durationHours')}</th><th>${t('room.recurrence')}</th><th>${t('room.maxParticipants')}</th><th></th></tr></thead><tbody>
    ${list.map((x) => html`<tr><td>${x.name} ${x.isDefault ? html`<strong>(${t('templates.default')})</strong>` : ''}</td>
      <td>${x.settings.durationMinutes !== undefined ? x.settings.durationMinutes / 60 : ''}</td>
      <td>${describeRecurrence(x.settings.rrule ?? null, ctx.timeZone, ctx.locale)}</td><td>${x.settings.maxParticipants ?? ''}</td>
      <td class="actions"><a href="/rooms/new?template=${x.id}">${t('templates.use')}</a>
        ${x.isDefault ? '' : html`<button type="button" class="secondary" data-action="PATCH /api/templates/${x.id}" data-body="${JSON.stringify({ isDefault: true })}">${t('templates.makeDefault')}</button>`}
        <button type="button" class="danger" data-action="DELETE /api/templates/${x.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button></td></tr>`)}
    </tbody></table>`,
  });
}
