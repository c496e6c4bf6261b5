// Character classes of the SIP grammar and %-escaping (RFC 3261 §25.1, §19.1).
//
// The lowest floor of the SIP grammar: lookup tables for the ABNF character
// sets and %HEX HEX decoding and encoding. Nothing here throws; the readers
// above turn a `null`/`false` into a SipParseError with the context they know.
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

/** The value of a hex digit's code unit, or -1. */
export function hexValue(c: number): number {
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
