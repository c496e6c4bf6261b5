// Contacts and groups: CRUD, search, CSV import (preview first) and export.
import { z } from 'zod';
import { Download, type ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import { contactJson, previewJson } from './views.ts';

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
  // Order matters: Express tries /api/contacts/export.csv before /api/contacts/:id.
  registerContactList(api, s);
  registerCsvRoutes(api, s);
  registerContactItem(api, s);
  registerGroupRoutes(api, s);
}

function registerContactList(api: ApiRouter, s: WebServices): void {
  const region = s.config.defaultRegion;
  api.add({
    method: 'get', path: '/api/contacts', tag: TAG, access: 'account', summary: 'Contacts, optionally searched (name, number, company) or by group',
    query: z.object({ search: z.string().max(100).optional(), groupId: z.uuid().optional() }),
    handler: async (c) => (await s.contacts.list(c.accountId, {
      ...(c.query.search ? { search: c.query.search } : {}), ...(c.query.groupId ? { groupId: c.query.groupId } : {}),
    })).map((e) => contactJson(e, region)),
  });

  api.add({
    method: 'post', path: '/api/contacts', tag: TAG, access: 'account', status: 201,
    summary: 'Add a contact (number normalised to E.164); `duplicates` lists contacts with the same number',
    body: z.object({ ...contactFields, email: contactFields.email.optional(), company: contactFields.company.optional(), note: contactFields.note.optional(), groupIds: contactFields.groupIds.optional() }).strict(),
    handler: async (c) => {
      const { entry, duplicates } = await s.contacts.create(c.accountId, {
        name: c.body.name, phone: c.body.phone, email: c.body.email || null, company: c.body.company ?? '', note: c.body.note ?? '',
      }, c.body.groupIds);
      return { ...contactJson(entry, region), duplicates: duplicates.map((d) => contactJson(d, region)) };
    },
  });

}

function registerCsvRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/contacts/export.csv', tag: TAG, access: 'account', produces: 'text/csv', summary: 'All contacts as CSV (UTF-8 with BOM)',
    handler: async (c) => new Download('contacts.csv', 'text/csv; charset=utf-8', await s.contacts.exportCsv(c.accountId)),
  });

  api.add({
    method: 'post', path: '/api/contacts/import/preview', tag: TAG, access: 'account',
    summary: 'Check a CSV before importing: every line with ok / duplicate in file / already in the address book / invalid',
    body: z.object({ csv: z.string().min(1).max(MAX_CSV) }),
    handler: async (c) => previewJson(await s.contacts.previewImport(c.accountId, c.body.csv), s.config.defaultRegion),
  });

  api.add({
    method: 'post', path: '/api/contacts/import', tag: TAG, access: 'account',
    summary: 'Import a CSV (name, phone, email, company, groups, note; English or Chinese headers); numbers already present are skipped or imported',
    body: z.object({ csv: z.string().min(1).max(MAX_CSV), onDuplicate: z.enum(['skip', 'import']).default('skip') }),
    handler: async (c) => {
      const report = await s.contacts.importCsv(c.accountId, c.body.csv, c.body.onDuplicate);
      await c.audit('contacts.import', { data: { created: report.created } });
      return report;
    },
  });
}

function registerContactItem(api: ApiRouter, s: WebServices): void {
  const region = s.config.defaultRegion;
  api.add({
    method: 'get', path: '/api/contacts/:id', tag: TAG, access: 'account', summary: 'One contact', params: idParams,
    handler: async (c) => contactJson(await s.contacts.get(c.accountId, c.params.id), region),
  });

  api.add({
    method: 'patch', path: '/api/contacts/:id', tag: TAG, access: 'account', summary: 'Change a contact (and its groups)', params: idParams,
    body: z.object(Object.fromEntries(Object.entries(contactFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof contactFields]: z.ZodOptional<typeof contactFields[K]> }).strict(),
    handler: async (c) => {
      const { groupIds, ...fields } = c.body;
      return contactJson(await s.contacts.update(c.accountId, c.params.id, fields, groupIds), region);
    },
  });

  api.add({
    method: 'delete', path: '/api/contacts/:id', tag: TAG, access: 'account', summary: 'Delete a contact', params: idParams,
    handler: async (c) => { await s.contacts.delete(c.accountId, c.params.id); },
  });
}

function registerGroupRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/contact-groups', tag: TAG, access: 'account', summary: 'Contact groups with member counts',
    handler: async (c) => s.contacts.groups(c.accountId),
  });

  api.add({
    method: 'post', path: '/api/contact-groups', tag: TAG, access: 'account', status: 201, summary: 'Create a group',
    body: z.object({ name: z.string().trim().min(1).max(100) }),
    handler: async (c) => s.contacts.createGroup(c.accountId, c.body.name),
  });

  api.add({
    method: 'patch', path: '/api/contact-groups/:id', tag: TAG, access: 'account', summary: 'Rename a group', params: idParams,
    body: z.object({ name: z.string().trim().min(1).max(100) }),
    handler: async (c) => s.contacts.renameGroup(c.accountId, c.params.id, c.body.name),
  });

  api.add({
    method: 'delete', path: '/api/contact-groups/:id', tag: TAG, access: 'account', summary: 'Delete a group (its contacts stay)', params: idParams,
    handler: async (c) => { await s.contacts.deleteGroup(c.accountId, c.params.id); },
  });

  api.add({
    method: 'post', path: '/api/contact-groups/:id/members', tag: TAG, access: 'account', summary: 'Add contacts to a group (other accounts\' ids are ignored)',
    params: idParams, body: z.object({ contactIds: z.array(z.uuid()).min(1).max(10_000) }),
    handler: async (c) => ({ added: await s.contacts.addToGroup(c.accountId, c.params.id, c.body.contactIds) }),
  });
}
