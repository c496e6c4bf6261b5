// The room form: create and edit (basics, time and recurrence,
// participants and options, invitations to send on saving).
import type { PageContext } from '../http/page-router.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { toLocalInput } from '../views/format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { Room, RoomOptions, TemplateSettings } from '../../core/rooms/store.ts';
import { DEFAULT_ROOM_OPTIONS } from '../../core/rooms/store.ts';
import { TIER_LIMITS } from '../../core/accounts/tiers.ts';
import type { User } from '../../core/users/store.ts';
import type { ContactGroup } from '../../core/contacts/store.ts';
import { fromRRule, WEEKDAYS } from './recurrence.ts';

export function checkbox(name: string, label: string, checked: boolean): SafeHtml {
  return html`<label class="inline"><input type="checkbox" name="${name}" ${checked ? html`checked` : ''}> ${label}</label>`;
}

export interface RoomFormData {
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

export function roomForm(ctx: PageContext, d: RoomFormData): SafeHtml {
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
    <p><strong>${t('room.chairOptions')}</strong> ${checkbox('options.chairAnnounce', t('opt.chairAnnounce'), opts.chairAnnounce)} ${checkbox('options.chairRecord', t('opt.chairRecord'), opts.chairRecord)} ${checkbox('options.endWhenLastChairLeaves', t('opt.endWhenLastChairLeaves'), opts.endWhenLastChairLeaves)} ${checkbox('options.inviteConfirm', t('opt.inviteConfirm'), opts.inviteConfirm)}</p>
    <p><strong>${t('room.guestOptions')}</strong> ${checkbox('options.guestAnnounce', t('opt.guestAnnounce'), opts.guestAnnounce)} ${checkbox('options.guestListenOnly', t('opt.guestListenOnly'), opts.guestListenOnly)} ${checkbox('options.guestWaitForChair', t('opt.guestWaitForChair'), opts.guestWaitForChair)} ${checkbox('options.guestsMayInvite', t('opt.guestsMayInvite'), opts.guestsMayInvite)}</p>
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
