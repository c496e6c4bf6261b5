// Fuzz target: the contacts CSV import (core/contacts/csv.ts
// parseContactsCsv, over csv-parse and libphonenumber). Seeds: English and
// Chinese headers, a BOM, quoted fields with commas and newlines, extensions,
// duplicates, bad rows; an export of the bridge itself. Structure: a header
// row of known and unknown column names and rows of generated names, numbers,
// e-mails and groups, with random quoting.
// Property: it returns rows, errors and duplicates, or throws
// ValidationError (an unreadable or oversized file), nothing else; every row
// has a name, a stored number (E.164, optional *ext) seen once, a valid
// e-mail or none, a line after the header and after the row before it; and
// rows the export does not alter (no leading = + - @) export and import back
// as the same contacts.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { exportContactsCsv, parseContactsCsv, type CsvContact } from '../../../core/contacts/csv.ts';
import { ValidationError } from '../../../core/errors.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const SEEDS = [
  'name,phone,email,company,groups,note\r\nAlice,+86 138 0013 8000,alice@example.com,ACME,sales;vip,first\r\nBob,010-6552 9988*123,,,,\r\n',
  '\uFEFF姓名,电话,邮箱,公司,分组,备注\n张三,13800138000,zhang@example.cn,某公司,销售|客户,"备注, 带逗号"\n李四,+8613900139000,,,,\n张三,13800138000,,,,重复\n',
  'Name,Mobile,Notes\n"Carol ""C"" Smith","+1 (415) 555-0100",Note\nDan,12,too short\n,13800138001,no name\nEve,+44 20 7946 0958,"multi\nline"\n',
  'phone,name,unknown\n+33 1 23 45 67 89,Frank,x\n+49 30 123456,Grace,y,extra,cells\n',
];

const name = fc.oneof(fc.constantFrom('Alice', '张三', 'Bob Smith', ' padded ', '=cmd()', '+x', '"q"'), fc.string({ maxLength: 12 }));
const phone = fc.oneof(fc.constantFrom('+86 138 0013 8000', '13800138000', '010-65529988*12', '+1 415 555 0100', '+44 20 7946 0958', '12', '', '+', '*', '13800138000,,9'),
  fc.stringMatching(/^\+?[0-9 ()-]{0,16}$/));
const email = fc.oneof(fc.constantFrom('', 'a@b.cn', 'bad@', 'x y@z.com'), fc.emailAddress());
const cell = (s: string, quote: boolean): string => (quote || /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const structured: fc.Arbitrary<Buffer> = fc.record({
  header: fc.shuffledSubarray(['name', 'phone', 'email', 'company', 'groups', 'note', '姓名', '电话', 'other'], { minLength: 1 }),
  rows: fc.array(fc.tuple(name, phone, email, fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }).map((g) => g.join(';'))), { maxLength: 8 }),
  quote: fc.boolean(), eol: fc.constantFrom('\n', '\r\n'), bom: fc.boolean(),
}).map((r) => {
  const field = (k: string, row: [string, string, string, string, string]): string =>
    ({ name: row[0], 姓名: row[0], phone: row[1], 电话: row[1], email: row[2], company: row[3], groups: row[4], note: row[3], other: 'x' } as Record<string, string>)[k] ?? '';
  const lines = [r.header.join(','), ...r.rows.map((row) => r.header.map((k) => cell(field(k, row), r.quote)).join(','))];
  return Buffer.from((r.bom ? '\uFEFF' : '') + lines.join(r.eol) + r.eol, 'utf8');
});

const STORED = /^\+[1-9]\d{1,14}(\*[0-9*#]+)?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** What csvSafe would change (so the export differs from the import). */
function exportAlters(c: CsvContact): boolean {
  return [c.name, c.phone, c.email ?? '', c.company, c.note, ...c.groups].some((v) => /^[=@\t\r]|^[+-](?![0-9])/.test(v));
}

function run(input: Buffer): void {
  const parsed = parseContactsCsv(input.toString('utf8'));
  const phones = new Set<string>();
  let lastLine = 1;
  for (const { line, contact: c } of parsed.rows) {
    if (line <= lastLine) throw new InvariantError(`row line ${line} after ${lastLine}`);
    lastLine = line;
    if (c.name.length === 0 || c.name !== c.name.trim()) throw new InvariantError(`name ${JSON.stringify(c.name)}`);
    if (!STORED.test(c.phone)) throw new InvariantError(`stored number ${JSON.stringify(c.phone)}`);
    if (phones.has(c.phone)) throw new InvariantError(`number ${c.phone} imported twice`);
    phones.add(c.phone);
    if (c.email !== null && !EMAIL.test(c.email)) throw new InvariantError(`e-mail ${JSON.stringify(c.email)}`);
  }
  for (const e of [...parsed.errors, ...parsed.duplicatesInFile]) if (e.line < 2) throw new InvariantError(`a row on line ${e.line}`);
  const plain = parsed.rows.map((r) => r.contact).filter((c) => !exportAlters(c));
  if (plain.length === 0) return;
  const back = parseContactsCsv(exportContactsCsv(plain));
  if (back.errors.length > 0 || !isDeepStrictEqual(back.rows.map((r) => r.contact), plain)) {
    throw new InvariantError(`export → import changed the contacts: ${JSON.stringify(back.errors.slice(0, 2))}`);
  }
}

export const contactsCsvTarget: FuzzTarget = {
  name: 'contacts-csv',
  seeds: SEEDS.map((s) => Buffer.from(s, 'utf8')),
  structured,
  dictionary: [',', '"', '""', '\r\n', '\n', '\r', ';', '|', '*', '+', '\uFEFF', '\x00', '\xff', 'phone', 'name', '电话', '姓名', '=1+1'],
  expected: (err) => err instanceof ValidationError,
  run,
  // Each row costs tens of µs (csv-parse, a libphonenumber parse or a ValidationError
  // with its stack): 100 µs a byte (a row can be 2 bytes, and the machine is shared) is linear work, not a hang.
  allowanceMs: (input) => input.length / 10,
  // Size is not where a CSV parser breaks (the 5 MB and 10,000-row limits have their own tests); 8 kB keeps 1M inputs affordable.
  maxInput: 8192,
};
