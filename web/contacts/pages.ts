// Contacts: list with search and groups, add/edit, CSV import with preview.
import type { PageRouter, PageContext } from '../http/page-router.ts';
import type { WebServices } from '../services.ts';
import { html, type SafeHtml } from '../views/html.ts';
import { layout } from '../views/layout.ts';
import { formatPhone } from '../views/format.ts';
import { parseStoredNumber } from '../../core/phone/normalise.ts';
import type { Contact, ContactGroup } from '../../core/contacts/store.ts';

/** National format for editing; "*ext" kept in the form the input accepts. */
function phoneForInput(stored: string, region: string): string {
  const { e164, extension } = parseStoredNumber(stored);
  const shown = formatPhone(e164, region);
  return extension ? `${shown}*${extension}` : shown;
}

function contactForm(ctx: PageContext, groups: ContactGroup[], c: Contact | null, member: string[], region: string): SafeHtml {
  const t = ctx.t;
  return html`<form class="card" id="contact-form" data-api="${c ? `PATCH /api/contacts/${c.id}` : 'POST /api/contacts'}" data-redirect="/contacts">
    <h2>${c ? t('contacts.edit') : t('contacts.add')}</h2>
    <label>${t('contacts.name')} <input type="text" name="name" required maxlength="200" value="${c?.name ?? ''}"></label>
    <label>${t('contacts.phone')} <input type="text" name="phone" required maxlength="64" value="${c ? phoneForInput(c.phone, region) : ''}"> <span class="muted">${t('contacts.phoneHint')}</span></label>
    <label>${t('contacts.email')} <input type="email" name="email" value="${c?.email ?? ''}"></label>
    <label>${t('contacts.company')} <input type="text" name="company" maxlength="200" value="${c?.company ?? ''}"></label>
    <label>${t('common.note')} <input type="text" name="note" maxlength="2000" value="${c?.note ?? ''}"></label>
    ${groups.length > 0 ? html`<p>${t('contacts.groups')}: ${groups.map((g) => html`<label class="inline"><input type="checkbox" name="groupIds" data-type="list" value="${g.id}" ${member.includes(g.name) ? html`checked` : ''}> ${g.name}</label>`)}</p>` : ''}
    <p class="form-error" hidden></p><button type="submit" id="contact-save">${t('common.save')}</button>
  </form>`;
}

export function registerContactPages(pages: PageRouter, s: WebServices): void {
  pages.get('/contacts', 'account', (ctx) => contactsPage(ctx, s));
  pages.get('/contacts/import', 'account', async (ctx) => importPage(ctx));
  pages.get('/contacts/:id', 'account', async (ctx) => {
    const [{ contact, groups: member }, groups] = await Promise.all([s.contacts.get(ctx.accountId, ctx.params.id!), s.contacts.groups(ctx.accountId)]);
    return layout(ctx, { title: contact.name, active: '/contacts', body: contactForm(ctx, groups, contact, member, s.config.defaultRegion) });
  });
}

async function contactsPage(ctx: PageContext, s: WebServices): Promise<SafeHtml> {
  const t = ctx.t;
  const region = s.config.defaultRegion;
  const search = (ctx.query.search ?? '').slice(0, 100);
  const { groups, groupId, entries, sameNumber } = await s.contacts.addressBook(ctx.accountId, { search, groupId: ctx.query.group });
  return layout(ctx, {
    title: t('nav.contacts'), active: '/contacts',
    body: html`<p class="error" id="page-error" hidden></p>
    <div class="actions">
      <form method="get" action="/contacts"><input type="search" name="search" id="contact-search" value="${search}" placeholder="${t('contacts.searchHint')}">
        <select name="group"><option value="">${t('contacts.allGroups')}</option>${groups.map((g) => html`<option value="${g.id}" ${g.id === groupId ? html`selected` : ''}>${g.name}</option>`)}</select>
        <button type="submit" class="secondary">${t('common.search')}</button></form>
      <a class="button secondary" href="/contacts/import" id="import-link">${t('contacts.import')}</a>
      <a class="button secondary" href="/api/contacts/export.csv" id="export-contacts">${t('contacts.export')}</a>
    </div>
    <table id="contacts-table"><thead><tr><th>${t('contacts.name')}</th><th>${t('contacts.phone')}</th><th>${t('contacts.email')}</th><th>${t('contacts.company')}</th><th>${t('contacts.groups')}</th><th></th></tr></thead>
    <tbody>${entries.map(({ contact: c, groups: memberOf }) => html`<tr data-contact-id="${c.id}"><td class="contact-name">${c.name}</td><td>${formatPhone(c.phone, region)}${(sameNumber.get(c.phone) ?? 0) > 1 ? html` <span class="status-existing" title="${t('contacts.duplicateHint')}">${t('contacts.duplicate')}</span>` : ''}</td>
      <td>${c.email ?? ''}</td><td>${c.company}</td><td>${memberOf.join(', ')}</td>
      <td class="actions"><a href="/contacts/${c.id}">${t('common.edit')}</a> <button type="button" class="danger" data-action="DELETE /api/contacts/${c.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button></td></tr>`)}</tbody></table>
    <p class="muted">${t('contacts.count', { n: entries.length })}</p>
    <div class="grid">
      ${contactForm(ctx, groups, null, [], region)}
      <section class="card"><h2>${t('contacts.groups')}</h2>
        <table id="groups-table"><tbody>${groups.map((g) => html`<tr><td><a href="/contacts?group=${g.id}">${g.name}</a></td><td class="num">${g.memberCount}</td>
          <td><button type="button" class="danger" data-action="DELETE /api/contact-groups/${g.id}" data-confirm="js.confirmDelete">${t('common.delete')}</button></td></tr>`)}</tbody></table>
        <form data-api="POST /api/contact-groups" id="group-form"><label>${t('contacts.newGroup')} <input type="text" name="name" required maxlength="100"></label>
          <p class="form-error" hidden></p><button type="submit">${t('common.add')}</button></form>
      </section>
    </div>`,
  });
}

function importPage(ctx: PageContext): SafeHtml {
  const t = ctx.t;
  return layout(ctx, {
    title: t('contacts.import'), active: '/contacts',
    body: html`<section class="card"><p>${t('contacts.importHint')}</p>
      <label>${t('contacts.csvFile')} <input type="file" id="csv-file" accept=".csv,text/csv"></label></section>
    <section class="card" id="import-preview" hidden>
      <p id="import-summary"></p>
      <table id="import-rows"><thead><tr><th>${t('contacts.line')}</th><th>${t('contacts.name')}</th><th>${t('contacts.phone')}</th><th>${t('contacts.email')}</th><th>${t('contacts.groups')}</th><th>${t('room.status')}</th></tr></thead><tbody></tbody></table>
      <p><label class="inline"><input type="radio" name="onDuplicate" value="skip" checked> ${t('contacts.skipExisting')}</label>
         <label class="inline"><input type="radio" name="onDuplicate" value="import"> ${t('contacts.importExisting')}</label></p>
      <button type="button" id="import-confirm">${t('contacts.importNow')}</button>
      <p id="import-report" class="status-ok" hidden></p>
      <p><a href="/contacts">${t('nav.contacts')}</a></p>
    </section>`,
  });
}
