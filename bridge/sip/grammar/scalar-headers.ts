// The single-valued headers the parser checks strictly (RFC 3261 §20): CSeq,
// Max-Forwards, Content-Length, Call-ID, Content-Type and Date.
import { WORD, allInClass } from './char-classes.ts';
import { SipParseError } from './parse-error.ts';
import { readParams } from './params.ts';
import { Scanner } from './scanner.ts';
import type { CSeq } from './types.ts';

/** Largest message accepted, in bytes (the UDP limit; larger ones go over TCP within this too). */
export const MAX_MESSAGE_SIZE = 65535;

/** 1*DIGIT of at most `maxLength` digits as a number, or null. */
export function digits(s: string, maxLength: number): number | null {
  if (s.length === 0 || s.length > maxLength) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return Number(s);
}

const DIGITS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  return t;
})();

/** CSeq = 1*DIGIT LWS Method; RFC 3261 §8.1.1.5: the number is below 2**31. */
export function parseCSeq(value: string): CSeq {
  const sc: Scanner = new Scanner(value, 'CSeq');
  const seq = digits(sc.take(DIGITS), 10);
  if (seq === null || seq >= 2 ** 31) sc.fail('bad sequence number');
  if (!sc.skipWs()) sc.fail('expected whitespace before the method');
  const method = sc.takeToken('method');
  sc.expectEnd();
  return { seq, method };
}

/** Max-Forwards = 1*DIGIT, 0–255 (RFC 3261 §20.22). */
export function parseMaxForwards(value: string): number {
  const n = digits(value, 10);
  if (n === null || n > 255) throw new SipParseError('Max-Forwards: not a number from 0 to 255');
  return n;
}

/** Content-Length = 1*DIGIT (RFC 3261 §20.14); never more than a message can hold. */
export function parseContentLength(value: string): number {
  const n = digits(value, 10);
  if (n === null) throw new SipParseError('Content-Length: not a number');
  if (n > MAX_MESSAGE_SIZE) throw new SipParseError('Content-Length: too large');
  return n;
}

/** callid = word [ "@" word ] (RFC 3261 §20.8). */
export function parseCallId(value: string): string {
  const at = value.indexOf('@');
  const ok = at < 0 ? allInClass(WORD, value) : allInClass(WORD, value.slice(0, at)) && allInClass(WORD, value.slice(at + 1));
  if (!ok) throw new SipParseError('Call-ID: not word [ "@" word ]');
  return value;
}

/** media-type = m-type SLASH m-subtype *( SEMI m-parameter ); returns "type/subtype" lower-cased. */
export function parseContentType(value: string): string {
  const sc = new Scanner(value, 'Content-Type');
  const type = sc.takeToken('media type');
  sc.expect(0x2f, '/');
  const subtype = sc.takeToken('media subtype');
  readParams(sc);
  sc.expectEnd();
  return `${type}/${subtype}`.toLowerCase();
}

// rfc1123-date = wkday "," SP date1 SP time SP "GMT" (RFC 3261 §20.17; RFC 4475 §3.1.2.12).
const RFC1123_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

export function checkDate(value: string): void {
  if (!RFC1123_DATE.test(value)) throw new SipParseError('Date: not an RFC 1123 date in GMT');
}
