// The members page (owner and admins: add, import a directory CSV with a
// preview, change roles, freeze/unfreeze, remove, send a link again), the
// account's audit log filterable by member, and the set-password page an
// invitee's link opens. Buttons and forms call web/members/routes.ts through
// the page script (web/public/js/forms.js, js/members-import.js).
import type { PageContext, PageRouter } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatDateTime, formatPhone } from '../views/format.ts';
import type { MessageKey } from '../i18n/messages.ts';
import type { User } from '../../core/users/store.ts';
import { preSessionToken } from '../auth/routes.ts';
import { HttpError } from '../errors.ts';

export function registerMemberPages(pages: PageRouter, s: WebServices): void {
  pages.get('/members', 'admin', (ctx) => membersPage(ctx, s));
  pages.get('/audit', 'admin', (ctx) => auditPage(ctx, s));
  pages.get('/invite/:token', 'public', (ctx) => invitePage(ctx, s));
}

function stateOf(ctx: PageContext, u: User): SafeHtml {
  if (u.frozenAt) return html`<span class="status-error" data-state="frozen">${ctx.t('members.frozen')}</span>`;
  if (!u.hasPassword) return html`<span class="muted" data-state="invited">${ctx.t('members.invited')}</span>`;
  return html`<span class="status-ok" data-state="active">${ctx.t('members.active')}</span>`;
}

/** The buttons the viewer may use on a member: none on the owner; admins are the owner's. */
function actionsFor(ctx: PageContext, u: User): SafeHtml {
  const me = ctx.auth!.user;
  if (u.role === 'owner' || u.id === me.id || (u.role === 'admin' && me.role !== 'owner')) return html``;
  const t = ctx.t;
  const patch = (body: object, label: MessageKey, cls = 'secondary') => html`<button type="button" class="${cls}" data-action="PATCH /api/members/${u.id}" data-body="${JSON.stringify(body)}">${t(label)}</button>`;
  return html`${me.role === 'owner' ? (u.role === 'admin' ? patch({ role: 'organizer' }, 'members.makeOrganizer') : patch({ role: 'admin' }, 'members.makeAdmin')) : ''}
    ${u.frozenAt ? patch({ frozen: false }, 'members.unfreeze') : patch({ frozen: true }, 'members.freeze')}
    ${u.hasPassword ? '' : html`<button type="button" class="secondary" data-action="POST /api/members/${u.id}/invitation">${t('members.resend')}</button>`}
    <button type="button" class="danger" data-action="DELETE /api/members/${u.id}" data-confirm="js.confirmDelete">${t('members.remove')}</button>`;
}

async function membersPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const members = await s.members.list(ctx.accountId);
  const region = s.config.defaultRegion;
  const isOwner = ctx.auth!.user.role === 'owner';
  return layout(ctx, {
    title: t('nav.members'), active: '/members',
    body: html`<p class="error" id="page-error" hidden></p><p class="muted">${t('members.roleHint')} <a href="/audit">${t('members.auditLink')}</a></p>
    <table id="members-table"><thead><tr><th>${t('members.name')}</th><th>${t('members.username')}</th><th>${t('members.email')}</th><th>${t('members.phone')}</th>
      <th>${t('members.department')}</th><th>${t('members.role')}</th><th>${t('members.state')}</th><th></th></tr></thead>
    <tbody>${members.map((u) => html`<tr data-member-id="${u.id}" data-username="${u.username}"><td class="member-name">${u.displayName}</td><td>${u.username}</td><td>${u.email ?? ''}</td>
      <td>${u.phone ? formatPhone(u.phone, region) : ''}</td><td>${u.department}</td><td data-role="${u.role}">${t(`role.${u.role}` as MessageKey)}</td><td>${stateOf(ctx, u)}</td>
      <td class="actions">${actionsFor(ctx, u)}</td></tr>`)}</tbody></table>
    <div class="grid">
      <form class="card" data-api="POST /api/members" id="member-form"><h2>${t('members.add')}</h2>
        <label>${t('members.name')} <input type="text" name="name" required maxlength="100"></label>
        <label>${t('members.email')} <input type="email" name="email" required maxlength="64"></label>
        <label>${t('members.username')} <input type="text" name="username" maxlength="64" data-empty="omit" placeholder="${t('members.usernameHint')}"></label>
        <label>${t('members.phone')} <input type="tel" name="phone" maxlength="64" data-empty="omit"></label>
        <label>${t('members.department')} <input type="text" name="department" maxlength="100" data-empty="omit"></label>
        <label>${t('members.role')} <select name="role"><option value="organizer">${t('role.organizer')}</option>${isOwner ? html`<option value="admin">${t('role.admin')}</option>` : ''}</select></label>
        <p class="form-error" hidden></p><button type="submit" id="member-add">${t('members.add')}</button></form>
      <section class="card" id="members-import"><h2>${t('members.import')}</h2><p class="muted">${t('members.importHint')}</p>
        <label>CSV <input type="file" id="members-csv" accept=".csv,text/csv"></label>
        <label>${t('members.importRole')} <select id="members-import-role"><option value="organizer">${t('role.organizer')}</option>${isOwner ? html`<option value="admin">${t('role.admin')}</option>` : ''}</select></label>
        <div id="members-preview" hidden><p id="members-summary"></p>
          <table id="members-problems"><thead><tr><th>${t('members.line')}</th><th>${t('members.why')}</th></tr></thead><tbody></tbody></table>
          <button type="button" id="members-import-confirm">${t('members.importNow')}</button></div>
        <p id="members-report" class="status-ok" hidden></p></section>
    </div>`,
  });
}

async function auditPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const members = await s.members.list(ctx.accountId);
  const member = members.find((m) => m.id === ctx.query.member);
  const entries = await s.members.audit(ctx.accountId, { userId: member?.id, limit: 500 });
  const names = new Map(members.map((m) => [m.id, m.displayName]));
  const who = (actor: string, userId: string | null): string => {
    const id = userId ?? (actor.startsWith('user:') ? actor.slice(5) : null);
    return (id && names.get(id)) ?? actor;
  };
  return layout(ctx, {
    title: t('audit.title'), active: '/audit',
    body: html`<form method="get" action="/audit" class="card" id="audit-filter"><label>${t('audit.member')} <select name="member"><option value="">${t('audit.allMembers')}</option>
      ${members.map((m) => html`<option value="${m.id}" ${m.id === member?.id ? html`selected` : ''}>${m.displayName} (${m.username})</option>`)}</select></label>
      <button type="submit" class="secondary">${t('audit.filter')}</button></form>
    <table id="audit-table"><thead><tr><th>${t('audit.when')}</th><th>${t('audit.who')}</th><th>${t('audit.what')}</th><th>${t('audit.target')}</th><th>${t('audit.from')}</th></tr></thead>
    <tbody>${entries.map((e) => html`<tr data-action="${e.action}"><td>${formatDateTime(e.at, ctx.timeZone, ctx.locale)}</td><td>${who(e.actor, e.userId)}</td><td>${e.action}</td>
      <td>${e.targetType ? `${e.targetType} ${String(e.data.username ?? e.data.name ?? e.targetId ?? '')}` : ''}</td><td>${e.ip ?? ''}</td></tr>`)}</tbody></table>`,
  });
}

async function invitePage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const token = ctx.params.token ?? '';
  let user: User;
  try {
    user = await s.members.invitation(token);
  } catch (err) {
    if (!(err instanceof HttpError) || err.status !== 404) throw err;
    ctx.res.status(404);
    return layout(ctx, { title: t('invite.title'), body: html`<p class="error" id="invite-invalid">${t('invite.invalid')}</p>` });
  }
  const account = user.accountId ? await s.account.get(user.accountId) : null;
  const csrf = preSessionToken(ctx.req, ctx.res, s.config.secureCookies);
  return layout(ctx, {
    title: t('invite.title'), csrfToken: csrf,
    body: html`<form class="card" id="invite-form" data-api="POST /api/invitations/accept" data-redirect="/login?next=/">
      <p id="invite-welcome">${t('invite.welcome', { name: user.displayName, account: account?.name ?? '', username: user.username })}</p>
      <input type="hidden" name="token" value="${token}">
      <label>${t('invite.password')} <input type="password" name="password" id="invite-password" autocomplete="new-password" minlength="8" required autofocus></label>
      <p class="muted">${t('account.passwordPolicy')}</p>
      <p class="form-error" id="invite-error" hidden></p>
      <button type="submit" id="invite-submit">${t('invite.submit')}</button></form>`,
  });
}
