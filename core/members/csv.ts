// The directory CSV of members (issue 19): name, e-mail, phone, department,
// headers in English or Chinese as in the contacts import. Every member needs
// an e-mail (their set-password link goes there; it is also their login
// name); the phone is stored in E.164. Duplicates are reported row by row:
// within the file (a later row repeating an e-mail or phone of an earlier
// one) and against the account's members (username, e-mail or phone taken).
import { parse } from 'csv-parse/sync';
import { ValidationError } from '../errors.ts';
import { toStoredNumber, type PhoneOptions } from '../phone/normalise.ts';
import type { ExistingKeys } from './store.ts';

export interface DirectoryMember {
  name: string;
  /** Lower-cased; also the username. */
  email: string;
  phone: string | null;
  department: string;
}

export interface DirectoryRow { line: number; member: DirectoryMember }
export interface DirectoryError { line: number; message: string }
export type DuplicateField = 'username' | 'email' | 'phone';
/** A row left out: its `field` repeats `value` of line `firstLine` of the file, or (firstLine null) of an existing member. */
export interface DirectoryDuplicate { line: number; field: DuplicateField; value: string; firstLine: number | null }

export interface ParsedDirectory {
  rows: DirectoryRow[];
  errors: DirectoryError[];
  duplicates: DirectoryDuplicate[];
}

export const MAX_DIRECTORY_ROWS = 5000;
const MAX_BYTES = 2 * 1024 * 1024;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const USERNAME = /^[a-z0-9._@-]{3,64}$/;

type Column = keyof DirectoryMember;
const HEADER_ALIASES: Record<Column, readonly string[]> = {
  name: ['name', 'full name', '姓名', '名字'],
  email: ['email', 'e-mail', 'mail', '邮箱', '电子邮件', '电子邮箱'],
  phone: ['phone', 'mobile', 'tel', 'number', '电话', '手机', '手机号', '号码', '电话号码'],
  department: ['department', 'dept', 'team', '部门'],
};

function columnOf(header: string): Column | undefined {
  const h = header.trim().toLowerCase();
  for (const [key, aliases] of Object.entries(HEADER_ALIASES)) if (aliases.includes(h)) return key as Column;
  return undefined;
}

/** Reads the file; rows with errors and in-file duplicates are reported, not kept. */
export function parseDirectoryCsv(text: string, opts: PhoneOptions = {}): ParsedDirectory {
  if (text.length > MAX_BYTES) throw new ValidationError('CSV file is too large (2 MB at most)', 'file');
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (err) {
    throw new ValidationError(`CSV cannot be read: ${(err as Error).message}`, 'file');
  }
  const header = records[0];
  if (!header) throw new ValidationError('CSV file is empty', 'file');
  if (records.length - 1 > MAX_DIRECTORY_ROWS) throw new ValidationError(`at most ${MAX_DIRECTORY_ROWS} members per import`, 'file');
  const cols = header.map(columnOf);
  if (!cols.includes('name') || !cols.includes('email')) throw new ValidationError('CSV needs "name" and "email" columns', 'file');

  const out: ParsedDirectory = { rows: [], errors: [], duplicates: [] };
  const seen: Record<'email' | 'phone', Map<string, number>> = { email: new Map(), phone: new Map() };
  for (let i = 1; i < records.length; i++) {
    const rec = records[i]!;
    const line = i + 1;
    const get = (k: Column): string => { const idx = cols.indexOf(k); return idx < 0 ? '' : (rec[idx] ?? '').trim(); };
    const name = get('name');
    if (!name) { out.errors.push({ line, message: 'name is empty' }); continue; }
    if (name.length > 100) { out.errors.push({ line, message: 'name is longer than 100 characters' }); continue; }
    const email = get('email').toLowerCase();
    if (!EMAIL.test(email)) { out.errors.push({ line, message: `invalid e-mail ${email || '(empty)'}` }); continue; }
    if (!USERNAME.test(email)) { out.errors.push({ line, message: `e-mail ${email} cannot be a login name (letters, digits and . _ @ -, at most 64)` }); continue; }
    let phone: string | null = null;
    const rawPhone = get('phone');
    if (rawPhone) {
      try { phone = toStoredNumber(rawPhone, opts); } catch (err) { out.errors.push({ line, message: (err as Error).message }); continue; }
    }
    const department = get('department').slice(0, 100);
    const dup = firstDuplicate(seen, line, email, phone);
    if (dup) { out.duplicates.push(dup); continue; }
    seen.email.set(email, line);
    if (phone) seen.phone.set(phone, line);
    out.rows.push({ line, member: { name, email, phone, department } });
  }
  return out;
}

function firstDuplicate(seen: Record<'email' | 'phone', Map<string, number>>, line: number, email: string, phone: string | null): DirectoryDuplicate | undefined {
  const e = seen.email.get(email);
  if (e !== undefined) return { line, field: 'email', value: email, firstLine: e };
  const p = phone ? seen.phone.get(phone) : undefined;
  if (p !== undefined) return { line, field: 'phone', value: phone!, firstLine: p };
  return undefined;
}

/** Splits rows into new ones and duplicates of existing members (username = e-mail, e-mail, phone). */
export function splitExisting(rows: readonly DirectoryRow[], existing: ExistingKeys): { fresh: DirectoryRow[]; duplicates: DirectoryDuplicate[] } {
  const fresh: DirectoryRow[] = [];
  const duplicates: DirectoryDuplicate[] = [];
  for (const r of rows) {
    const m = r.member;
    if (existing.usernames.has(m.email)) duplicates.push({ line: r.line, field: 'username', value: m.email, firstLine: null });
    else if (existing.emails.has(m.email)) duplicates.push({ line: r.line, field: 'email', value: m.email, firstLine: null });
    else if (m.phone && existing.phones.has(m.phone)) duplicates.push({ line: r.line, field: 'phone', value: m.phone, firstLine: null });
    else fresh.push(r);
  }
  return { fresh, duplicates };
}
