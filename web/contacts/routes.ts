// Contacts and groups: CRUD, search, CSV import (preview first) and export.
import { z } from 'zod';
import { Download, type ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import type { Contact } from '../../core/contacts/store.ts';
import { parseContactsCsv } from '../../core/contacts/csv.ts';
import { formatPhone } from '../views/format.ts';
import { previewContactsCsv } from './preview.ts';
import { NotFoundError } from '../../core/errors.ts';

const TAG = 'contacts';
const MAX_CSV = 5 * 1024 * 1024;

const contactFields = {
  name: z.string().trim().min(1).max(200),
  phone: z.string().trim().min(1).max(64),
  email: z.union([z.email().max(254), z.literal('')]).nullable(),
  company: z.string().max(200),
  note: z.string().max(2000),
  groupIds: z.array(z.uuid()).max(200),
};

export function registerContactRoutes(api: ApiRouter, s: WebServices): void {
  const region = s.config.defaultRegion;
  const phoneOpts = { defaultRegion: region };

  const withGroups = async (accountId: string, list: Contact[]) => {
    const groups = await s.repos.contacts.groupsOf(accountId, list.map((c) => c.id));
    return list.map((c) => ({
      id: c.id, name: c.name, phone: c.phone, phoneDisplay: formatPhone(c.phone, region), email: c.email, company: c.company, note: c.note,
      groups: groups.get(c.id) ?? [], createdAt: c.createdAt.toISOString(),
    }));
  };

  /** Puts the contact in exactly these groups (ids of another account: 404). */
  const setGroups = async (accountId: string, contactId: string, groupIds: string[]) => {
    const groups = await s.repos.contacts.listGroups(accountId);
    const byId = new Map(groups.map((g) => [g.id, g]));
    for (const id of groupIds) if (!byId.has(id)) throw new NotFoundError('group', id);
    const current = new Set((await s.repos.contacts.groupsOf(accountId, [contactId])).get(contactId) ?? []);
    for (const g of groups) {
      const want = groupIds.includes(g.id);
      if (want && !current.has(g.name)) await s.repos.contacts.addToGroup(accountId, g.id, [contactId]);
      if (!want && current.has(g.name)) await s.repos.contacts.removeFromGroup(accountId, g.id, [contactId]);
    }
  };

  api.add({
    method: 'get', path: '/api/contacts', tag: TAG, access: 'owner', summary: 'Contacts, optionally searched (name, number, company) or by group',
    query: z.object({ search: z.string().max(100).optional(), groupId: z.uuid().optional() }),
    handler: async (c) => withGroups(c.accountId, await s.repos.contacts.list(c.accountId, {
      ...(c.query.search ? { search: c.query.search } : {}), ...(c.query.groupId ? { groupId: c.query.groupId } : {}),
    })),
  });

  api.add({
    method: 'post', path: '/api/contacts', tag: TAG, access: 'owner', status: 201,
    summary: 'Add a contact (number normalised to E.164); `duplicates` lists contacts with the same number',
    body: z.object({ ...contactFields, email: contactFields.email.optional(), company: contactFields.company.optional(), note: contactFields.note.optional(), groupIds: contactFields.groupIds.optional() }).strict(),
    handler: async (c) => {
      const { contact, duplicates } = await s.repos.contacts.create(c.accountId, {
        name: c.body.name, phone: c.body.phone, email: c.body.email || null, company: c.body.company ?? '', note: c.body.note ?? '',
      }, phoneOpts);
      if (c.body.groupIds?.length) await setGroups(c.accountId, contact.id, c.body.groupIds);
      const [view] = await withGroups(c.accountId, [contact]);
      return { ...view, id: contact.id, duplicates: await withGroups(c.accountId, duplicates) };
    },
  });

  api.add({
    method: 'get', path: '/api/contacts/export.csv', tag: TAG, access: 'owner', produces: 'text/csv', summary: 'All contacts as CSV (UTF-8 with BOM)',
    handler: async (c) => new Download('contacts.csv', 'text/csv; charset=utf-8', await s.repos.contacts.exportCsv(c.accountId)),
  });

  api.add({
    method: 'post', path: '/api/contacts/import/preview', tag: TAG, access: 'owner',
    summary: 'Check a CSV before importing: every line with ok / duplicate in file / already in the address book / invalid',
    body: z.object({ csv: z.string().min(1).max(MAX_CSV) }),
    handler: async (c) => {
      const existing = (await s.repos.contacts.list(c.accountId)).map((x) => x.phone);
      const p = previewContactsCsv(c.body.csv, existing, region);
      return { counts: p.counts, rows: p.rows.map((r) => ({ ...r, phoneDisplay: r.phone ? formatPhone(r.phone, region) : null })) };
    },
  });

  api.add({
    method: 'post', path: '/api/contacts/import', tag: TAG, access: 'owner',
    summary: 'Import a CSV (name, phone, email, company, groups, note; English or Chinese headers); numbers already present are skipped or imported',
    body: z.object({ csv: z.string().min(1).max(MAX_CSV), onDuplicate: z.enum(['skip', 'import']).default('skip') }),
    handler: async (c) => {
      const parsed = parseContactsCsv(c.body.csv, phoneOpts);
      const report = await s.repos.contacts.importCsv(c.accountId, parsed, { onDuplicate: c.body.onDuplicate });
      await s.repos.audit.append({ accountId: c.accountId, userId: c.userId, actor: `user:${c.userId}`, action: 'contacts.import', data: { created: report.created } });
      return report;
    },
  });

  api.add({
    method: 'get', path: '/api/contacts/:id', tag: TAG, access: 'owner', summary: 'One contact', params: idParams,
    handler: async (c) => (await withGroups(c.accountId, [await s.repos.contacts.get(c.accountId, c.params.id)]))[0],
  });

  api.add({
    method: 'patch', path: '/api/contacts/:id', tag: TAG, access: 'owner', summary: 'Change a contact (and its groups)', params: idParams,
    body: z.object(Object.fromEntries(Object.entries(contactFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof contactFields]: z.ZodOptional<typeof contactFields[K]> }).strict(),
    handler: async (c) => {
      await s.repos.contacts.get(c.accountId, c.params.id);
      const { groupIds, ...fields } = c.body;
      const patch = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
      const contact = Object.keys(patch).length > 0
        ? await s.repos.contacts.update(c.accountId, c.params.id, { ...patch, ...(fields.email !== undefined ? { email: fields.email || null } : {}) }, phoneOpts)
        : await s.repos.contacts.get(c.accountId, c.params.id);
      if (groupIds) await setGroups(c.accountId, contact.id, groupIds);
      return (await withGroups(c.accountId, [contact]))[0];
    },
  });

  api.add({
    method: 'delete', path: '/api/contacts/:id', tag: TAG, access: 'owner', summary: 'Delete a contact', params: idParams,
    handler: async (c) => { await s.repos.contacts.delete(c.accountId, c.params.id); },
  });

  api.add({
    method: 'get', path: '/api/contact-groups', tag: TAG, access: 'owner', summary: 'Contact groups with member counts',
    handler: async (c) => s.repos.contacts.listGroups(c.accountId),
  });

  api.add({
    method: 'post', path: '/api/contact-groups', tag: TAG, access: 'owner', status: 201, summary: 'Create a group',
    body: z.object({ name: z.string().trim().min(1).max(100) }),
    handler: async (c) => s.repos.contacts.createGroup(c.accountId, c.body.name),
  });

  api.add({
    method: 'patch', path: '/api/contact-groups/:id', tag: TAG, access: 'owner', summary: 'Rename a group', params: idParams,
    body: z.object({ name: z.string().trim().min(1).max(100) }),
    handler: async (c) => s.repos.contacts.renameGroup(c.accountId, c.params.id, c.body.name),
  });

  api.add({
    method: 'delete', path: '/api/contact-groups/:id', tag: TAG, access: 'owner', summary: 'Delete a group (its contacts stay)', params: idParams,
    handler: async (c) => { await s.repos.contacts.deleteGroup(c.accountId, c.params.id); },
  });

  api.add({
    method: 'post', path: '/api/contact-groups/:id/members', tag: TAG, access: 'owner', summary: 'Add contacts to a group (other accounts\' ids are ignored)',
    params: idParams, body: z.object({ contactIds: z.array(z.uuid()).min(1).max(10_000) }),
    handler: async (c) => ({ added: await s.repos.contacts.addToGroup(c.accountId, c.params.id, c.body.contactIds) }),
  });
}
