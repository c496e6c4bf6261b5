import type { Knex } from 'knex';
import { ConflictError, NotFoundError, ValidationError } from '../errors.ts';
import { date, deleteCount, isUniqueViolation, num } from '../sql.ts';
import { toStoredNumber, type PhoneOptions } from '../phone/normalise.ts';
import { exportContactsCsv, type ParsedContacts } from './csv.ts';
import type { Contact, ContactGroup, ContactStore, ImportReport, NewContact } from './store.ts';

type Row = Record<string, unknown>;

function toContact(r: Row): Contact {
  return {
    id: String(r.id), accountId: String(r.account_id), name: String(r.name), phone: String(r.phone),
    email: r.email === null ? null : String(r.email), company: String(r.company), note: String(r.note), createdAt: date(r.created_at),
  };
}

function contactColumns(p: Partial<NewContact>, opts: PhoneOptions): Row {
  const row: Row = {};
  if (p.name !== undefined) {
    const name = p.name.trim();
    if (name.length === 0 || name.length > 200) throw new ValidationError('name must be 1–200 characters', 'name');
    row.name = name;
  }
  if (p.phone !== undefined) row.phone = toStoredNumber(p.phone, opts);
  if (p.email !== undefined) {
    if (p.email !== null && p.email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(p.email)) throw new ValidationError('invalid e-mail', 'email');
    row.email = p.email || null;
  }
  if (p.company !== undefined) row.company = p.company;
  if (p.note !== undefined) row.note = p.note;
  return row;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export class KnexContactStore implements ContactStore {
  constructor(private readonly db: Knex, private readonly phoneDefaults: PhoneOptions = {}) {}

  async create(accountId: string, input: NewContact, opts: PhoneOptions = this.phoneDefaults): Promise<{ contact: Contact; duplicates: Contact[] }> {
    const cols = contactColumns({ company: '', note: '', email: null, ...input }, opts);
    const duplicates = await this.findByPhone(accountId, String(cols.phone));
    const [row] = await this.db('contacts').insert({ account_id: accountId, ...cols }).returning('*');
    return { contact: toContact(row as Row), duplicates };
  }

  async get(accountId: string, id: string): Promise<Contact> {
    const row = await this.db('contacts').where({ id, account_id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('contact', id);
    return toContact(row);
  }

  async list(accountId: string, filter: { groupId?: string; search?: string } = {}): Promise<Contact[]> {
    const q = this.db('contacts').where('contacts.account_id', accountId).select('contacts.*').orderBy('contacts.name');
    if (filter.groupId) {
      q.join('group_memberships', 'group_memberships.contact_id', 'contacts.id')
        .where({ 'group_memberships.group_id': filter.groupId, 'group_memberships.account_id': accountId });
    }
    if (filter.search) {
      const like = `%${escapeLike(filter.search)}%`;
      q.where((w) => { w.whereILike('contacts.name', like).orWhereILike('contacts.phone', like).orWhereILike('contacts.company', like); });
    }
    return (await q as Row[]).map(toContact);
  }

  async update(accountId: string, id: string, patch: Partial<NewContact>, opts: PhoneOptions = this.phoneDefaults): Promise<Contact> {
    const [row] = await this.db('contacts').where({ id, account_id: accountId })
      .update({ ...contactColumns(patch, opts), updated_at: this.db.fn.now() }).returning('*');
    if (!row) throw new NotFoundError('contact', id);
    return toContact(row as Row);
  }

  async delete(accountId: string, id: string): Promise<void> {
    if ((await deleteCount(this.db('contacts').where({ id, account_id: accountId }))) === 0) throw new NotFoundError('contact', id);
  }

  async findByPhone(accountId: string, phone: string): Promise<Contact[]> {
    return (await this.db('contacts').where({ account_id: accountId, phone }).orderBy('created_at') as Row[]).map(toContact);
  }

  async createGroup(accountId: string, name: string): Promise<ContactGroup> {
    const n = name.trim();
    if (n.length === 0 || n.length > 100) throw new ValidationError('group name must be 1–100 characters', 'name');
    try {
      const [row] = await this.db('contact_groups').insert({ account_id: accountId, name: n }).returning('*');
      return { id: String((row as Row).id), accountId, name: n, memberCount: 0 };
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`group ${n} exists`, 'name');
      throw err;
    }
  }

  async listGroups(accountId: string): Promise<ContactGroup[]> {
    const rows = await this.db('contact_groups as g').where('g.account_id', accountId)
      .leftJoin('group_memberships as m', 'm.group_id', 'g.id')
      .groupBy('g.id', 'g.name').select('g.id', 'g.name').count('m.contact_id as n').orderBy('g.name') as Row[];
    return rows.map((r) => ({ id: String(r.id), accountId, name: String(r.name), memberCount: num(r.n) }));
  }

  async renameGroup(accountId: string, groupId: string, name: string): Promise<ContactGroup> {
    const n = name.trim();
    if (n.length === 0 || n.length > 100) throw new ValidationError('group name must be 1–100 characters', 'name');
    try {
      const rows = await this.db('contact_groups').where({ id: groupId, account_id: accountId }).update({ name: n, updated_at: this.db.fn.now() }).returning('id');
      if (rows.length === 0) throw new NotFoundError('group', groupId);
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`group ${n} exists`, 'name');
      throw err;
    }
    const g = (await this.listGroups(accountId)).find((x) => x.id === groupId);
    if (!g) throw new NotFoundError('group', groupId);
    return g;
  }

  async deleteGroup(accountId: string, groupId: string): Promise<void> {
    if ((await deleteCount(this.db('contact_groups').where({ id: groupId, account_id: accountId }))) === 0) throw new NotFoundError('group', groupId);
  }

  async addToGroup(accountId: string, groupId: string, contactIds: string[]): Promise<number> {
    return this.db.transaction(async (trx) => {
      const g = await trx('contact_groups').where({ id: groupId, account_id: accountId }).first('id');
      if (!g) throw new NotFoundError('group', groupId);
      if (contactIds.length === 0) return 0;
      // Only this account's contacts: ids of other accounts simply do not match.
      const own = await trx('contacts').where({ account_id: accountId }).whereIn('id', contactIds).pluck('id') as string[];
      if (own.length === 0) return 0;
      const rows = await trx('group_memberships')
        .insert(own.map((id) => ({ account_id: accountId, group_id: groupId, contact_id: id })))
        .onConflict(['group_id', 'contact_id']).ignore().returning('contact_id');
      return rows.length;
    });
  }

  async removeFromGroup(accountId: string, groupId: string, contactIds: string[]): Promise<number> {
    if (contactIds.length === 0) return 0;
    return deleteCount(this.db('group_memberships').where({ account_id: accountId, group_id: groupId }).whereIn('contact_id', contactIds), 'contact_id');
  }

  async groupsOf(accountId: string, contactIds: string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (contactIds.length === 0) return out;
    const rows = await this.db('group_memberships as m').join('contact_groups as g', 'g.id', 'm.group_id')
      .where('m.account_id', accountId).whereIn('m.contact_id', contactIds).select('m.contact_id', 'g.name').orderBy('g.name') as Row[];
    for (const r of rows) {
      const id = String(r.contact_id);
      out.set(id, [...(out.get(id) ?? []), String(r.name)]);
    }
    return out;
  }

  async importCsv(accountId: string, parsed: ParsedContacts, opts: { onDuplicate: 'skip' | 'import' }): Promise<ImportReport> {
    const report: ImportReport = {
      created: 0, skippedExisting: [], importedDuplicates: [], duplicatesInFile: parsed.duplicatesInFile, errors: parsed.errors, groupsCreated: [],
    };
    await this.db.transaction(async (trx) => {
      const existing = new Set(await trx('contacts').where({ account_id: accountId }).pluck('phone') as string[]);
      const groups = new Map<string, string>();
      for (const r of await trx('contact_groups').where({ account_id: accountId }).select('id', 'name') as Row[]) groups.set(String(r.name), String(r.id));
      for (const { line, contact } of parsed.rows) {
        if (existing.has(contact.phone)) {
          if (opts.onDuplicate === 'skip') { report.skippedExisting.push({ line, phone: contact.phone }); continue; }
          report.importedDuplicates.push({ line, phone: contact.phone });
        }
        const [row] = await trx('contacts').insert({
          account_id: accountId, name: contact.name, phone: contact.phone, email: contact.email, company: contact.company, note: contact.note,
        }).returning('id');
        const contactId = String((row as Row).id);
        report.created++;
        for (const gname of contact.groups) {
          let gid = groups.get(gname);
          if (!gid) {
            const [g] = await trx('contact_groups').insert({ account_id: accountId, name: gname.slice(0, 100) }).returning('id');
            gid = String((g as Row).id);
            groups.set(gname, gid);
            report.groupsCreated.push(gname);
          }
          await trx('group_memberships').insert({ account_id: accountId, group_id: gid, contact_id: contactId }).onConflict(['group_id', 'contact_id']).ignore();
        }
      }
    });
    return report;
  }

  async exportCsv(accountId: string): Promise<string> {
    const contacts = await this.list(accountId);
    const groups = await this.groupsOf(accountId, contacts.map((c) => c.id));
    return exportContactsCsv(contacts.map((c) => ({ ...c, groups: groups.get(c.id) ?? [] })));
  }
}
