// The address book: contacts and groups of one account.
import type { ContactFields, ParsedContacts, DuplicateInFile, RowError } from './csv.ts';
import type { PhoneOptions } from '../phone/normalise.ts';

export interface Contact extends ContactFields {
  id: string;
  accountId: string;
  createdAt: Date;
}

export interface NewContact {
  name: string;
  /** As typed; normalised to E.164 (with *ext) on the way in. */
  phone: string;
  email?: string | null;
  company?: string;
  note?: string;
}

export interface ContactGroup {
  id: string;
  accountId: string;
  name: string;
  memberCount: number;
}

export interface ImportReport {
  created: number;
  /** Rows not imported because the number is already in the address book (onDuplicate 'skip'). */
  skippedExisting: Array<{ line: number; phone: string }>;
  /** Rows imported although the number was already there (onDuplicate 'import'). */
  importedDuplicates: Array<{ line: number; phone: string }>;
  duplicatesInFile: DuplicateInFile[];
  errors: RowError[];
  groupsCreated: string[];
}

export interface ContactStore {
  /** Returns the contact and any existing contacts with the same number (the duplicate warning). */
  create(accountId: string, input: NewContact, opts?: PhoneOptions): Promise<{ contact: Contact; duplicates: Contact[] }>;
  get(accountId: string, id: string): Promise<Contact>;
  list(accountId: string, filter?: { groupId?: string; search?: string }): Promise<Contact[]>;
  update(accountId: string, id: string, patch: Partial<NewContact>, opts?: PhoneOptions): Promise<Contact>;
  delete(accountId: string, id: string): Promise<void>;
  findByPhone(accountId: string, phone: string): Promise<Contact[]>;

  createGroup(accountId: string, name: string): Promise<ContactGroup>;
  listGroups(accountId: string): Promise<ContactGroup[]>;
  renameGroup(accountId: string, groupId: string, name: string): Promise<ContactGroup>;
  deleteGroup(accountId: string, groupId: string): Promise<void>;
  /** Contacts of another account are ignored (counted out of the result). Returns how many were added. */
  addToGroup(accountId: string, groupId: string, contactIds: string[]): Promise<number>;
  removeFromGroup(accountId: string, groupId: string, contactIds: string[]): Promise<number>;
  /** Group names per contact id. */
  groupsOf(accountId: string, contactIds: string[]): Promise<Map<string, string[]>>;

  importCsv(accountId: string, parsed: ParsedContacts, opts: { onDuplicate: 'skip' | 'import' }): Promise<ImportReport>;
  exportCsv(accountId: string): Promise<string>;
}
