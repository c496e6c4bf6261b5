// The header section of a SIP message (RFC 3261 §7.3): header lines unfolded
// into fields with canonical names, and an index of their values by name.
//
//   message-header = field-name ":" [ field-value ] CRLF
//                    a line starting with SP/HTAB continues the previous one
import { isToken } from '../grammar/char-classes.ts';
import { canonicalHeaderName } from '../grammar/header-names.ts';
import { SipParseError } from '../grammar/parse-error.ts';
import { HTAB, isWsp, trimWsp } from '../grammar/scanner.ts';
import type { HeaderField } from './message.ts';

/** Headers whose raw value may hold control characters inside quoted-pairs; their own parse checks them. */
const QUOTED_PAIR_HEADERS = new Set(['From', 'To', 'Contact']);

/**
 * Most header lines a message may have (continuation lines not counted). The
 * 64 KiB size bound alone would let through some 13,000 four-byte lines, each
 * a field to index; real requests carry a few dozen (RFC 4475's longest, 44).
 */
export const MAX_HEADER_FIELDS = 256;

/**
 * Header lines (after the start line) → fields in wire order, unfolded and
 * trimmed, names canonical. `strict` rejects malformed lines and more than
 * MAX_HEADER_FIELDS; otherwise they are skipped, and reading stops at the
 * bound (used only to salvage the context of a bad request).
 */
export function readHeaderFields(lines: string[], strict: boolean): HeaderField[] {
  const raw: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (raw.length === MAX_HEADER_FIELDS && lines[i] !== '' && !isWsp(lines[i]!.charCodeAt(0))) {
      if (strict) throw new SipParseError(`more than ${MAX_HEADER_FIELDS} header fields`);
      break;
    }
    const line = lines[i] ?? '';
    if (line.includes('\r') || line.includes('\n')) {
      if (strict) throw new SipParseError('bare CR or LF in header section');
      continue;
    }
    if (line.length > 0 && isWsp(line.charCodeAt(0))) {
      // RFC 3261 §7.3.1: header folding
      const last = raw.length - 1;
      if (last < 0) {
        if (strict) throw new SipParseError('continuation line before any header');
        continue;
      }
      let i = 1;
      while (i < line.length && isWsp(line.charCodeAt(i))) i++;
      raw[last] += ` ${line.slice(i)}`;
    } else {
      raw.push(line);
    }
  }
  const fields: HeaderField[] = [];
  for (const line of raw) {
    const field = splitField(line);
    if (field) fields.push(field);
    else if (strict) throw new SipParseError(`malformed header line "${line.slice(0, 30)}"`);
  }
  return fields;
}

/** field-name HCOLON field-value, HCOLON = *( SP / HTAB ) ":" SWS. */
function splitField(line: string): HeaderField | undefined {
  const colon = line.indexOf(':');
  if (colon <= 0) return undefined;
  let nameEnd = colon;
  while (nameEnd > 0 && isWsp(line.charCodeAt(nameEnd - 1))) nameEnd--;
  const name = line.slice(0, nameEnd);
  if (!isToken(name)) return undefined;
  const canonical = canonicalHeaderName(name);
  const value = trimWsp(line.slice(colon + 1));
  if (!QUOTED_PAIR_HEADERS.has(canonical)) {
    // TEXT-UTF8char excludes the control characters (RFC 3261 §25.1).
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if ((c < 0x20 && c !== HTAB) || c === 0x7f) return undefined;
    }
  }
  return { name: canonical, value };
}

/** Header values by canonical name, in wire order. */
export type FieldIndex = Map<string, string[]>;

/** Fields → their values by canonical name. */
export function indexFields(fields: HeaderField[]): FieldIndex {
  const index: FieldIndex = new Map();
  for (const f of fields) {
    const list = index.get(f.name);
    if (list) list.push(f.value);
    else index.set(f.name, [f.value]);
  }
  return index;
}

/** The value of a header that may appear once (RFC 4475 §3.3.8, §3.3.9: more is an error). */
export function single(index: FieldIndex, name: string): string | undefined {
  const values = index.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw new SipParseError(`more than one ${name}`);
  return values[0];
}

/** The value of a header that must appear exactly once. */
export function required(index: FieldIndex, name: string): string {
  const v = single(index, name);
  if (v === undefined) throw new SipParseError(`missing ${name}`);
  return v;
}
