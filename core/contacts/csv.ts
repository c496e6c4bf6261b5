// Contact import/export as CSV, with duplicate detection by phone number.
// Import accepts English or Chinese headers; export writes a UTF-8 BOM so
// spreadsheet programs read Chinese names correctly.
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { ValidationError } from '../errors.ts';
import { toStoredNumber, type PhoneOptions } from '../phone/normalise.ts';

export interface ContactFields {
  name: string;
  /** Stored form: E.164, optionally "*ext". */
  phone: string;
  email: string | null;
  company: string;
  note: string;
}

export interface CsvContact extends ContactFields {
  /** Group names (the "groups" column, separated by ; or |). */
  groups: string[];
}

export interface ImportedRow {
  /** 1-based line in the file (header is line 1). */
  line: number;
  contact: CsvContact;
}

export interface RowError { line: number; message: string }

export interface DuplicateInFile { line: number; firstLine: number; phone: string }

export interface ParsedContacts {
  rows: ImportedRow[];
  errors: RowError[];
  /** Later rows repeating a phone number of an earlier row (kept out of `rows`). */
  duplicatesInFile: DuplicateInFile[];
}

export const MAX_IMPORT_ROWS = 10_000;
const MAX_BYTES = 5 * 1024 * 1024;

const HEADER_ALIASES: Record<keyof CsvContact, readonly string[]> = {
  name: ['name', '姓名', '名字'],
  phone: ['phone', 'number', 'mobile', 'tel', '电话', '手机', '号码', '电话号码'],
  email: ['email', 'e-mail', '邮箱', '电子邮件'],
  company: ['company', 'organization', '公司', '单位'],
  note: ['note', 'notes', '备注'],
  groups: ['groups', 'group', '分组', '群组'],
};

function columnOf(header: string): keyof CsvContact | undefined {
  const h = header.trim().toLowerCase();
  for (const [key, aliases] of Object.entries(HEADER_ALIASES)) if (aliases.includes(h)) return key as keyof CsvContact;
  return undefined;
}

export function parseContactsCsv(text: string, opts: PhoneOptions = {}): ParsedContacts {
  if (text.length > MAX_BYTES) throw new ValidationError('CSV file is too large (5 MB at most)', 'file');
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (err) {
    throw new ValidationError(`CSV cannot be read: ${(err as Error).message}`, 'file');
  }
  const header = records[0];
  if (!header) throw new ValidationError('CSV file is empty', 'file');
  if (records.length - 1 > MAX_IMPORT_ROWS) throw new ValidationError(`at most ${MAX_IMPORT_ROWS} contacts per import`, 'file');
  const cols = header.map(columnOf);
  if (!cols.includes('name') || !cols.includes('phone')) throw new ValidationError('CSV needs "name" and "phone" columns', 'file');

  const out: ParsedContacts = { rows: [], errors: [], duplicatesInFile: [] };
  const seen = new Map<string, number>();
  for (let i = 1; i < records.length; i++) {
    const rec = records[i]!;
    const line = i + 1;
    const get = (k: keyof CsvContact): string => {
      const idx = cols.indexOf(k);
      return idx < 0 ? '' : (rec[idx] ?? '').trim();
    };
    const name = get('name');
    if (!name) { out.errors.push({ line, message: 'name is empty' }); continue; }
    let phone: string;
    try {
      phone = toStoredNumber(get('phone'), opts);
    } catch (err) {
      out.errors.push({ line, message: (err as Error).message });
      continue;
    }
    const email = get('email');
    if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) { out.errors.push({ line, message: `invalid e-mail ${email}` }); continue; }
    const first = seen.get(phone);
    if (first !== undefined) { out.duplicatesInFile.push({ line, firstLine: first, phone }); continue; }
    seen.set(phone, line);
    const groups = [...new Set(get('groups').split(/[;|]/).map((g) => g.trim()).filter((g) => g.length > 0))];
    out.rows.push({ line, contact: { name, phone, email: email || null, company: get('company'), note: get('note'), groups } });
  }
  return out;
}

/** Rows whose phone number is already in the address book. */
export function findExistingDuplicates(rows: readonly ImportedRow[], existingPhones: Iterable<string>): ImportedRow[] {
  const existing = new Set(existingPhones);
  return rows.filter((r) => existing.has(r.contact.phone));
}

/**
 * Spreadsheet formula injection: a cell starting with = @ or a sign not
 * followed by a digit is prefixed with ' so it is shown, not evaluated.
 */
export function csvSafe(v: string | number): string | number {
  if (typeof v !== 'string') return v;
  return /^[=@\t\r]|^[+-](?![0-9])/.test(v) ? `'${v}` : v;
}

export function exportContactsCsv(contacts: readonly CsvContact[], opts: { bom?: boolean } = {}): string {
  const body = stringify(contacts.map((c) => [c.name, c.phone, c.email ?? '', c.company, c.groups.join(';'), c.note].map(csvSafe)), {
    header: true,
    columns: ['name', 'phone', 'email', 'company', 'groups', 'note'],
  });
  return (opts.bom ?? true ? '\uFEFF' : '') + body;
}
