// Character classes of the SIP grammar and %-escaping (RFC 3261 §25.1, §19.1).
//
// The lowest layer of the SIP parser and serialiser: lookup tables for the
// ABNF character sets, %HEX HEX decoding and encoding, and host validation.
// Nothing here throws; the parser turns a `null`/`false` into a SipParseError
// with the context it knows.
//
//   token          = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
//   unreserved     = alphanum / mark;  mark = "-" / "_" / "." / "!" / "~" / "*" / "'" / "(" / ")"
//   user           = 1*( unreserved / escaped / user-unreserved )
//   user-unreserved= "&" / "=" / "+" / "$" / "," / ";" / "?" / "/"
//   password       = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," )
//   paramchar      = param-unreserved / unreserved / escaped
//   param-unreserved = "[" / "]" / "/" / ":" / "&" / "+" / "$"
//   hname / hvalue = *( hnv-unreserved / unreserved / escaped )
//   hnv-unreserved = "[" / "]" / "/" / "?" / ":" / "+" / "$"
//   word (Call-ID) = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
//                      / "(" / ")" / "<" / ">" / ":" / "\" / DQUOTE / "/" / "[" / "]" / "?" / "{" / "}")
import { isIPv6 } from 'node:net';

/** A set of ASCII characters as a 128-entry lookup table. */
export type CharClass = Uint8Array;

function charClass(...parts: string[]): CharClass {
  const table = new Uint8Array(128);
  for (const part of parts) for (let i = 0; i < part.length; i++) table[part.charCodeAt(i)] = 1;
  return table;
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MARK = "-_.!~*'()";

export const TOKEN = charClass(ALPHANUM, "-.!%*_+`'~");
export const UNRESERVED = charClass(ALPHANUM, MARK);
export const USER = charClass(ALPHANUM, MARK, '&=+$,;?/');
export const PASSWORD = charClass(ALPHANUM, MARK, '&=+$,');
export const PARAM = charClass(ALPHANUM, MARK, '[]/:&+$');
export const HNV = charClass(ALPHANUM, MARK, '[]/?:+$');
export const WORD = charClass(ALPHANUM, "-.!%*_+`'~()<>:\\\"/[]?{}");
/** RFC 3966 §3 phonedigit-hex plus the global-number prefix. */
export const TEL_NUMBER = charClass('0123456789ABCDEFabcdef*#-.()+');

/** True when the code unit `c` is in `cls` (always false for non-ASCII). */
export function inClass(cls: CharClass, c: number): boolean {
  return c < 128 && cls[c] === 1;
}

/** True when every character of `s` is in `cls` and `s` is not empty. */
export function allInClass(cls: CharClass, s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!inClass(cls, s.charCodeAt(i))) return false;
  return true;
}

export function isToken(s: string): boolean {
  return allInClass(TOKEN, s);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Checks that `s` is made of `cls` characters and well-formed %HEX HEX
 * escapes, and returns it with the escapes decoded (RFC 3261 §19.1.2: the
 * escaped form and the character are equivalent). Escapes are decoded as
 * UTF-8 octets. Returns null when a character is outside `cls`, an escape is
 * truncated or not hex, or the decoded octets are not UTF-8.
 */
export function unescapeComponent(s: string, cls: CharClass): string | null {
  let hasEscape = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      if (i + 2 >= s.length) return null;
      if (hexValue(s.charCodeAt(i + 1)) < 0 || hexValue(s.charCodeAt(i + 2)) < 0) return null;
      hasEscape = true;
      i += 2;
    } else if (!inClass(cls, c)) {
      return null;
    }
  }
  if (!hasEscape) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      bytes.push(hexValue(s.charCodeAt(i + 1)) * 16 + hexValue(s.charCodeAt(i + 2)));
      i += 2;
    } else {
      bytes.push(c);
    }
  }
  try {
    return utf8.decode(Uint8Array.from(bytes));
  } catch {
    return null;
  }
}

const HEX = '0123456789ABCDEF';

/** %-escapes every character of `s` outside `cls` (as UTF-8 octets), RFC 3261 §19.1.2. */
export function escapeComponent(s: string, cls: CharClass): string {
  let i = 0;
  while (i < s.length && inClass(cls, s.charCodeAt(i)) && s.charCodeAt(i) !== 0x25) i++;
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (const byte of Buffer.from(s.slice(i), 'utf8')) {
    out += byte !== 0x25 && inClass(cls, byte) ? String.fromCharCode(byte) : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/**
 * RFC 3261 §25.1 host = hostname / IPv4address / IPv6reference, where
 * hostname = *( domainlabel "." ) toplabel [ "." ] and toplabel starts with a letter.
 */
export function isValidHost(host: string): boolean {
  if (host.length === 0 || host.length > 255) return false;
  if (host.charCodeAt(0) === 0x5b) {
    if (host.charCodeAt(host.length - 1) !== 0x5d) return false;
    return isIPv6Address(host.slice(1, -1));
  }
  if (isIPv4Address(host)) return true;
  const labels = host.endsWith('.') ? host.slice(0, -1).split('.') : host.split('.');
  for (const label of labels) {
    if (label.length === 0 || label.length > 63 || label.startsWith('-') || label.endsWith('-')) return false;
    for (let i = 0; i < label.length; i++) {
      const c = label.charCodeAt(i);
      if (!isAlpha(c) && !(c >= 0x30 && c <= 0x39) && c !== 0x2d) return false;
    }
  }
  const top = labels[labels.length - 1];
  return top !== undefined && isAlpha(top.charCodeAt(0));
}

/** IPv6address (RFC 3261 §25.1), without brackets. */
export function isIPv6Address(s: string): boolean {
  // isIPv6 also accepts zone ids ("%eth0"), which the SIP grammar does not.
  for (let i = 0; i < s.length; i++) if (hexValue(s.charCodeAt(i)) < 0 && s[i] !== ':' && s[i] !== '.') return false;
  return s.includes(':') && isIPv6(s);
}

/** IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each 0–255. */
export function isIPv4Address(s: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      digits = 0;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39 && digits < 3) {
      value = value * 10 + (c - 0x30);
      digits++;
    } else {
      return false;
    }
  }
  return parts === 4;
}

function isAlpha(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** port = 1*DIGIT, 0–65535. Returns the number, or null when malformed. */
export function parsePort(s: string): number | null {
  if (s.length === 0 || s.length > 5) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  const n = Number(s);
  return n <= 65535 ? n : null;
}
