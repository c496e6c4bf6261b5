// The import preview: every line of the file with its fate — imported,
// a duplicate within the file, already in the address book, or invalid.
import { parse } from 'csv-parse/sync';
import { parseContactsCsv, findExistingDuplicates } from '../../core/contacts/csv.ts';
import { ValidationError } from '../../core/errors.ts';

export type PreviewStatus = 'ok' | 'duplicateInFile' | 'existing' | 'invalid';

export interface PreviewRow {
  line: number;
  name: string;
  phoneInput: string;
  /** Stored form when valid. */
  phone: string | null;
  email: string | null;
  groups: string[];
  status: PreviewStatus;
  message: string;
}

const NAME = ['name', '姓名', '名字'];
const PHONE = ['phone', 'number', 'mobile', 'tel', '电话', '手机', '号码', '电话号码'];

export interface ContactsPreview {
  rows: PreviewRow[];
  counts: Record<PreviewStatus, number>;
}

export function previewContactsCsv(text: string, existingPhones: Iterable<string>, defaultRegion: string): ContactsPreview {
  const parsed = parseContactsCsv(text, { defaultRegion }); // throws ValidationError for an unreadable file
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }) as string[][];
  } catch (err) {
    throw new ValidationError(`CSV cannot be read: ${(err as Error).message}`, 'file');
  }
  const header = (records[0] ?? []).map((h) => h.trim().toLowerCase());
  const nameIdx = header.findIndex((h) => NAME.includes(h));
  const phoneIdx = header.findIndex((h) => PHONE.includes(h));
  const raw = (line: number) => records[line - 1] ?? [];
  const existing = new Set(findExistingDuplicates(parsed.rows, existingPhones).map((r) => r.line));
  const rows: PreviewRow[] = [];
  for (const r of parsed.rows) {
    rows.push({
      line: r.line, name: r.contact.name, phoneInput: raw(r.line)[phoneIdx] ?? '', phone: r.contact.phone, email: r.contact.email,
      groups: r.contact.groups, status: existing.has(r.line) ? 'existing' : 'ok', message: '',
    });
  }
  for (const d of parsed.duplicatesInFile) {
    rows.push({ line: d.line, name: raw(d.line)[nameIdx] ?? '', phoneInput: raw(d.line)[phoneIdx] ?? '', phone: d.phone, email: null, groups: [], status: 'duplicateInFile', message: `= line ${d.firstLine}` });
  }
  for (const e of parsed.errors) {
    rows.push({ line: e.line, name: raw(e.line)[nameIdx] ?? '', phoneInput: raw(e.line)[phoneIdx] ?? '', phone: null, email: null, groups: [], status: 'invalid', message: e.message });
  }
  rows.sort((a, b) => a.line - b.line);
  const counts: Record<PreviewStatus, number> = { ok: 0, duplicateInFile: 0, existing: 0, invalid: 0 };
  for (const r of rows) counts[r.status]++;
  return { rows, counts };
}
