// The address book for the web: contacts with their groups, group
// membership set from a form, CSV preview, import and export.
import type { Repositories } from '../../core/repositories.ts';
import type { Contact, ContactGroup, ImportReport, NewContact } from '../../core/contacts/store.ts';
import { parseContactsCsv } from '../../core/contacts/csv.ts';
import { NotFoundError } from '../../core/errors.ts';
import { previewContactsCsv, type ContactsPreview } from './preview.ts';

/** A contact with the names of its groups. */
export interface ContactEntry {
  contact: Contact;
  groups: string[];
}

/** A contact's fields as a form sends them: an empty e-mail clears it. */
export type ContactFieldsInput = Partial<Omit<NewContact, 'email'>> & { email?: string | null };

export interface AddressBook {
  groups: ContactGroup[];
  /** The group shown, when the asked one exists. */
  groupId: string | undefined;
  entries: ContactEntry[];
  /** How many contacts of the whole book have each number (the duplicate mark). */
  sameNumber: Map<string, number>;
}

export class ContactService {
  private readonly phoneOpts: { defaultRegion: string };

  constructor(private readonly repos: Pick<Repositories, 'contacts'>, defaultRegion: string) {
    this.phoneOpts = { defaultRegion };
  }

  async list(accountId: string, filter: { search?: string; groupId?: string } = {}): Promise<ContactEntry[]> {
    return this.withGroups(accountId, await this.repos.contacts.list(accountId, filter));
  }

  async get(accountId: string, id: string): Promise<ContactEntry> {
    const [entry] = await this.withGroups(accountId, [await this.repos.contacts.get(accountId, id)]);
    return entry!;
  }

  /** Adds a contact (number normalised); `duplicates` are the contacts already there with the same number. */
  async create(accountId: string, input: NewContact, groupIds: string[] = []): Promise<{ entry: ContactEntry; duplicates: ContactEntry[] }> {
    const { contact, duplicates } = await this.repos.contacts.create(accountId, input, this.phoneOpts);
    if (groupIds.length > 0) await this.setGroups(accountId, contact.id, groupIds);
    const [entry] = await this.withGroups(accountId, [contact]);
    return { entry: entry!, duplicates: await this.withGroups(accountId, duplicates) };
  }

  /** Changes the given fields, and puts the contact in exactly `groupIds` when given. */
  async update(accountId: string, id: string, fields: ContactFieldsInput, groupIds?: string[]): Promise<ContactEntry> {
    await this.repos.contacts.get(accountId, id);
    const patch = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
    const contact = Object.keys(patch).length > 0
      ? await this.repos.contacts.update(accountId, id, { ...patch, ...(fields.email !== undefined ? { email: fields.email || null } : {}) }, this.phoneOpts)
      : await this.repos.contacts.get(accountId, id);
    if (groupIds) await this.setGroups(accountId, contact.id, groupIds);
    const [entry] = await this.withGroups(accountId, [contact]);
    return entry!;
  }

  async delete(accountId: string, id: string): Promise<void> {
    await this.repos.contacts.delete(accountId, id);
  }

  /** The page's view: the (filtered) list, every group, and the numbers that appear more than once. */
  async addressBook(accountId: string, q: { search: string; groupId: string | undefined }): Promise<AddressBook> {
    const groups = await this.repos.contacts.listGroups(accountId);
    const groupId = groups.find((g) => g.id === q.groupId)?.id;
    const list = await this.repos.contacts.list(accountId, { ...(q.search ? { search: q.search } : {}), ...(groupId ? { groupId } : {}) });
    const all = q.search || groupId ? await this.repos.contacts.list(accountId) : list;
    const sameNumber = new Map<string, number>();
    for (const c of all) sameNumber.set(c.phone, (sameNumber.get(c.phone) ?? 0) + 1);
    return { groups, groupId, entries: await this.withGroups(accountId, list), sameNumber };
  }

  async groups(accountId: string): Promise<ContactGroup[]> {
    return this.repos.contacts.listGroups(accountId);
  }

  async createGroup(accountId: string, name: string): Promise<ContactGroup> {
    return this.repos.contacts.createGroup(accountId, name);
  }

  async renameGroup(accountId: string, groupId: string, name: string): Promise<ContactGroup> {
    return this.repos.contacts.renameGroup(accountId, groupId, name);
  }

  async deleteGroup(accountId: string, groupId: string): Promise<void> {
    await this.repos.contacts.deleteGroup(accountId, groupId);
  }

  /** Returns how many were added (other accounts' ids are ignored). */
  async addToGroup(accountId: string, groupId: string, contactIds: string[]): Promise<number> {
    return this.repos.contacts.addToGroup(accountId, groupId, contactIds);
  }

  async exportCsv(accountId: string): Promise<string> {
    return this.repos.contacts.exportCsv(accountId);
  }

  /** Every line of the file with its fate, against the numbers already in the book. */
  async previewImport(accountId: string, csv: string): Promise<ContactsPreview> {
    const existing = (await this.repos.contacts.list(accountId)).map((x) => x.phone);
    return previewContactsCsv(csv, existing, this.phoneOpts.defaultRegion);
  }

  async importCsv(accountId: string, csv: string, onDuplicate: 'skip' | 'import'): Promise<ImportReport> {
    return this.repos.contacts.importCsv(accountId, parseContactsCsv(csv, this.phoneOpts), { onDuplicate });
  }

  private async withGroups(accountId: string, list: Contact[]): Promise<ContactEntry[]> {
    const groups = await this.repos.contacts.groupsOf(accountId, list.map((c) => c.id));
    return list.map((contact) => ({ contact, groups: groups.get(contact.id) ?? [] }));
  }

  /** Puts the contact in exactly these groups (ids of another account: 404). */
  private async setGroups(accountId: string, contactId: string, groupIds: string[]): Promise<void> {
    const groups = await this.repos.contacts.listGroups(accountId);
    const byId = new Map(groups.map((g) => [g.id, g]));
    for (const id of groupIds) if (!byId.has(id)) throw new NotFoundError('group', id);
    const current = new Set((await this.repos.contacts.groupsOf(accountId, [contactId])).get(contactId) ?? []);
    for (const g of groups) {
      const want = groupIds.includes(g.id);
      if (want && !current.has(g.name)) await this.repos.contacts.addToGroup(accountId, g.id, [contactId]);
      if (!want && current.has(g.name)) await this.repos.contacts.removeFromGroup(accountId, g.id, [contactId]);
    }
  }
}
