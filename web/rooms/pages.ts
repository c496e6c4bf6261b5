// Rooms and meetings: list (live / planned / past), detail with next
// occurrences, the create/edit form, templates.
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatPhone, formatShortDateTime, toLocalInput } from '../views/format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { Room, RoomOptions, TemplateSettings } from '../../core/rooms/store.ts';
import { DEFAULT_ROOM_OPTIONS } from '../../core/rooms/store.ts';
import { TIER_LIMITS } from '../../core/accounts/tiers.ts';
import { allocateRoomNumber } from '../../core/rooms/room-number.ts';
import { generatePins } from '../../core/rooms/pins.ts';
import { fromRRule, WEEKDAYS } from './recurrence.ts';
import { describeRecurrence } from './describe.ts';
import type { RoomStatus, RoomSummary } from './service.ts';
import type { User } from '../../core/users/store.ts';
import type { ContactGroup } from '../../core/contacts/store.ts';

const STATUS_KEY: Record<RoomStatus, MessageKey> = { live: 'status.live', open: 'status.open', planned: 'status.planned', past: 'status.past' };
const OPTION_KEYS: Array<[keyof RoomOptions, MessageKey]> = [
  ['chairAnnounce', 'opt.chairAnnounce'], ['chairRecord', 'opt.chairRecord'], ['guestAnnounce', 'opt.guestAnnounce'],
  ['guestListenOnly', 'opt.guestListenOnly'], ['guestWaitForChair', 'opt.guestWaitForChair'], ['muteOnEntry', 'opt.muteOnEntry'],
  ['autoRecord', 'opt.autoRecord'],
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

function checkbox(name: string, label: string, checked: boolean): SafeHtml {
  return html`<label class="inline"><input type="checkbox" name="${name}" ${checked ? html`checked` : ''}> ${label}</label>`;
}

interface FormData {
  room: Room | null;
  defaults: TemplateSettings;
  number: string;
  chairPin: string;
  guestPin: string;
  start: Date;
  users: User[];
  groups: ContactGroup[];
  autoInvites: string[];
  templateId?: string | undefined;
}

function roomForm(ctx: PageContext, d: FormData): SafeHtml {
  const t = ctx.t;
  const room = d.room;
  const opts: RoomOptions = { ...DEFAULT_ROOM_OPTIONS, ...(room?.options ?? d.defaults.options ?? {}) };
  const sched = room?.schedule;
  const rec = fromRRule(sched ? sched.rrule : (d.defaults.rrule ?? null), ctx.timeZone);
  const duration = (sched?.durationMinutes ?? d.defaults.durationMinutes ?? 60) / 60;
  const cap = TIER_LIMITS[ctx.account.tier].maxParticipants;
  const max = room?.maxParticipants ?? d.defaults.maxParticipants ?? TIER_LIMITS[ctx.account.tier].defaultMaxParticipants;
  const autoExtend = sched?.autoExtendMinutes ?? d.defaults.autoExtendMinutes ?? 0;
  const reminder = sched ? sched.reminderMinutes : (d.defaults.reminderMinutes ?? null);
  const api = room ? `PATCH /api/rooms/${room.id}` : 'POST /api/rooms';
  return html`<form class="card" id="room-form" data-api="${api}" data-redirect="${room ? `/rooms/${room.id}` : '/rooms/{id}'}">
  ${d.templateId ? html`<input type="hidden" name="templateId" value="${d.templateId}">` : ''}
  <fieldset><legend>${t('room.basics')}</legend>
    <label>${t('room.name')} <input type="text" name="name" required maxlength="200" value="${room?.name ?? ''}"></label>
    <label>${t('room.number')} <input type="text" name="number" inputmode="numeric" pattern="[0-9]{6,8}" value="${d.number}"> <span class="muted">${t('room.numberHint')}</span></label>
    <label>${t('room.chairPin')} <input type="text" name="chairPin" inputmode="numeric" pattern="[0-9]{4,8}" value="${d.chairPin}"></label>
    <label>${t('room.guestPin')} <input type="text" name="guestPin" inputmode="numeric" pattern="([0-9]{4,8})?" value="${d.guestPin}"> <span class="muted">${t('room.guestPinHint')}</span></label>
    <label>${t('room.organizer')} <select name="organizerUserId">${d.users.map((u) => html`<option value="${u.id}" ${(room?.organizerUserId ?? ctx.auth?.user.id) === u.id ? html`selected` : ''}>${u.displayName}</option>`)}</select></label>
    <label>${t('room.description')} <textarea name="description" maxlength="4000">${room?.description ?? d.defaults.description ?? ''}</textarea></label>
  </fieldset>
  <fieldset><legend>${t('room.time')}</legend>
    <label>${t('room.start')} <input type="datetime-local" name="start" required value="${toLocalInput(d.start, ctx.timeZone)}"> <span class="muted">${ctx.timeZone}</span></label>
    <label>${t('room.durationHours')} <input type="number" name="durationHours" min="0.25" step="0.25" required value="${duration}"></label>
    <label>${t('room.recurrence')} <select name="recurrence.freq" id="recurrence-freq">
      ${(['none', 'daily', 'weekly', 'monthly'] as const).map((f) => html`<option value="${f}" ${rec.freq === f ? html`selected` : ''}>${t(`recur.${f}` as MessageKey)}</option>`)}
    </select></label>
    <div data-show-when="recurrence.freq=daily|weekly|monthly">
      <label>${t('recur.interval')} <input type="number" name="recurrence.interval" min="1" max="99" value="${rec.interval}"></label>
      <div data-show-when="recurrence.freq=weekly" id="weekdays">${WEEKDAYS.map((day) => html`<label class="inline"><input type="checkbox" name="recurrence.byDay" data-type="list" value="${day}" ${rec.byDay.includes(day) ? html`checked` : ''}> ${t(`day.${day}` as MessageKey)}</label>`)}</div>
      <div>
        ${(['never', 'until', 'count'] as const).map((e) => html`<label class="inline"><input type="radio" name="recurrence.end" value="${e}" ${rec.end === e ? html`checked` : ''}> ${t(`recur.end.${e}` as MessageKey)}</label>`)}
      </div>
      <label data-show-when="recurrence.end=until">${t('recur.lastDate')} <input type="date" name="recurrence.until" value="${rec.until ?? ''}"></label>
      <label data-show-when="recurrence.end=count">${t('recur.countLabel')} <input type="number" name="recurrence.count" min="1" max="999" value="${rec.count ?? ''}"></label>
    </div>
    <label>${t('room.earlyEntry')} <input type="number" name="earlyEntryMinutes" min="0" max="1440" value="${sched?.earlyEntryMinutes ?? d.defaults.earlyEntryMinutes ?? 10}"></label>
    <label>${t('room.autoExtend')} <select name="autoExtendMinutes" data-type="number">${[0, 15, 30, 45, 60].map((m) => html`<option value="${m}" ${autoExtend === m ? html`selected` : ''}>${m === 0 ? t('common.off') : `${m} min`}</option>`)}</select></label>
    <label>${t('room.reminder')} <input type="number" name="reminderMinutes" min="0" max="10080" data-empty="null" value="${reminder ?? ''}"> <span class="muted">${t('room.reminderHint')}</span></label>
  </fieldset>
  <fieldset><legend>${t('room.participants')}</legend>
    <label>${t('room.maxParticipants')} <input type="number" name="maxParticipants" min="1" ${cap !== null ? html`max="${cap}"` : ''} value="${max}"> <span class="muted">${cap !== null ? t('room.tierCap', { tier: ctx.account.tier, n: cap }) : ''}</span></label>
    <p><strong>${t('room.chairOptions')}</strong> ${checkbox('options.chairAnnounce', t('opt.chairAnnounce'), opts.chairAnnounce)} ${checkbox('options.chairRecord', t('opt.chairRecord'), opts.chairRecord)}</p>
    <p><strong>${t('room.guestOptions')}</strong> ${checkbox('options.guestAnnounce', t('opt.guestAnnounce'), opts.guestAnnounce)} ${checkbox('options.guestListenOnly', t('opt.guestListenOnly'), opts.guestListenOnly)} ${checkbox('options.guestWaitForChair', t('opt.guestWaitForChair'), opts.guestWaitForChair)}</p>
    <p><strong>${t('room.everyone')}</strong> ${checkbox('options.muteOnEntry', t('opt.muteOnEntry'), opts.muteOnEntry)} ${checkbox('options.autoRecord', t('opt.autoRecord'), opts.autoRecord)}</p>
    <label>${t('room.autoInvites')} <textarea name="autoInvites" data-type="lines" placeholder="13900139001 张伟">${d.autoInvites.join('\n')}</textarea></label>
  </fieldset>
  <fieldset><legend>${t('room.sendInvitations')}</legend>
    <label>${t('room.inviteEmails')} <textarea name="invite.emails" data-type="lines" placeholder="someone@example.com"></textarea></label>
    ${d.groups.length > 0 ? html`<p>${t('room.inviteGroups')} ${d.groups.map((g) => html`<label class="inline"><input type="checkbox" name="invite.groupIds" data-type="list" value="${g.id}"> ${g.name}</label>`)}</p>` : ''}
  </fieldset>
  <p class="form-error" hidden></p>
  <button type="submit" id="room-save">${t('common.save')}</button> <a href="${room ? `/rooms/${room.id}` : '/rooms'}">${t('common.cancel')}</a>
</form>`;
}

export function registerRoomPages(pages: PageRouter, s: WebServices): void {
  pages.get('/rooms', 'owner', async (ctx) => {
    const list = await s.rooms.list(ctx.account, ctx.now);
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
  });

  pages.get('/rooms/new', 'owner', async (ctx) => {
    const templates = await s.repos.templates.list(ctx.accountId);
    const chosen = ctx.query.template ? templates.find((x) => x.id === ctx.query.template) : templates.find((x) => x.isDefault);
    const number = await allocateRoomNumber(async (n) => (await s.repos.rooms.findByNumber(n)) !== undefined);
    const pins = generatePins();
    const [users, groups] = await Promise.all([s.repos.users.listByAccount(ctx.accountId), s.repos.contacts.listGroups(ctx.accountId)]);
    return layout(ctx, {
      title: ctx.t('rooms.new'), active: '/rooms',
      body: html`${templates.length > 0 ? html`<p class="tabs">${ctx.t('templates.use')}: ${templates.map((x) => html`<a href="/rooms/new?template=${x.id}" class="${chosen?.id === x.id ? 'active' : ''}">${x.name}${x.isDefault ? ` (${ctx.t('templates.default')})` : ''}</a>`)}</p>` : ''}
        ${roomForm(ctx, { room: null, defaults: chosen?.settings ?? {}, number, chairPin: pins.chairPin, guestPin: pins.guestPin, start: ctx.now, users, groups, autoInvites: [], templateId: chosen?.id })}`,
    });
  });

  pages.get('/rooms/:id/edit', 'owner', async (ctx) => {
    const room = await s.repos.rooms.get(ctx.accountId, ctx.params.id!);
    const [users, groups, invites] = await Promise.all([
      s.repos.users.listByAccount(ctx.accountId), s.repos.contacts.listGroups(ctx.accountId), s.repos.rooms.listAutoInvites(ctx.accountId, room.id),
    ]);
    return layout(ctx, {
      title: ctx.t('rooms.edit', { name: room.name }), active: '/rooms',
      body: roomForm(ctx, {
        room, defaults: {}, number: room.number, chairPin: room.chairPin, guestPin: room.guestPin, start: room.schedule.startsAt, users, groups,
        autoInvites: invites.map((i) => `${i.target}${i.name ? ` ${i.name}` : ''}`),
      }),
    });
  });

  pages.get('/rooms/:id', 'owner', async (ctx) => {
    const t = ctx.t;
    const sum = await s.rooms.get(ctx.account, ctx.params.id!, ctx.now);
    const room = sum.room;
    const [invites, accessNumbers, groups] = await Promise.all([
      s.repos.rooms.listAutoInvites(ctx.accountId, room.id), s.repos.accessNumbers.list(), s.repos.contacts.listGroups(ctx.accountId),
    ]);
    const organizer = room.organizerUserId ? (await s.repos.users.listByAccount(ctx.accountId)).find((u) => u.id === room.organizerUserId) : undefined;
    const next = s.rooms.nextOccurrences(room, ctx.timeZone, ctx.now);
    const sc = room.schedule;
    const on = OPTION_KEYS.filter(([k]) => room.options[k]).map(([, key]) => t(key));
    return layout(ctx, {
      title: room.name, active: '/rooms',
      body: html`<p class="error" id="page-error" hidden></p>
      <div class="grid">
      <section class="card"><dl class="facts">
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
      </dl></section>
      <section class="card"><h2>${t('room.nextOccurrences')}</h2>
        <ol id="next-occurrences">${next.map((o) => html`<li>${formatShortDateTime(o.start, ctx.timeZone, ctx.locale)} – ${formatShortDateTime(o.end, ctx.timeZone, ctx.locale)}</li>`)}</ol>
        ${next.length === 0 ? html`<p class="muted">${t('common.none')}</p>` : ''}
        <h2>${t('room.accessNumbers')}</h2>
        <ul>${accessNumbers.filter((a) => a.enabled && a.kind === 'meeting').map((a) => html`<li>${a.number} <span class="muted">${a.description}</span></li>`)}</ul>
        <h2>${t('room.autoInvites')}</h2>
        <ul id="auto-invites">${invites.map((i) => html`<li>${i.target.startsWith('+') ? formatPhone(i.target, s.config.defaultRegion) : i.target} ${i.name}</li>`)}</ul>
      </section>
      </div>
      <div class="actions">
        <a class="button" href="/rooms/${room.id}/edit" id="edit-room">${t('common.edit')}</a>
        <a class="button secondary" href="/api/rooms/${room.id}/invitation.ics">${t('room.downloadIcs')}</a>
        <button type="button" class="danger" id="delete-room" data-action="DELETE /api/rooms/${room.id}" data-confirm="js.confirmDelete" data-redirect="/rooms">${t('common.delete')}</button>
      </div>
      <div class="grid">
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
      </div>`,
    });
  });

  pages.get('/templates', 'owner', async (ctx) => {
    const t = ctx.t;
    const list = await s.repos.templates.list(ctx.accountId);
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
  });
}
