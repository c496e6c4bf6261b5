// Strict RFC 3261 parser: one complete SIP message (a UDP datagram, or a
// message cut from a stream by StreamFramer) → SipMessage.
//
//   generic-message = start-line *message-header CRLF [ message-body ]    (RFC 3261 §7)
//   start-line      = Request-Line / Status-Line
//   Request-Line    = Method SP Request-URI SP SIP-Version CRLF          (§7.1, §25.1)
//   Status-Line     = SIP-Version SP Status-Code SP Reason-Phrase CRLF
//   message-header  = field-name ":" [ field-value ] CRLF                (§7.3.1)
//                     a line starting with SP/HTAB continues the previous one
//
// The header section is decoded as UTF-8 (the grammar allows only well-formed
// UTF8-NONASCII sequences) and parsed as a string; the body stays bytes.
// Every header line is kept raw in `headers`; Via, From, To, Call-ID, CSeq,
// Max-Forwards, Contact, Content-Length, Content-Type and Date are checked
// strictly, so a message that reaches a transaction is well formed.
import { isUtf8 } from 'node:buffer';
import { ParseError } from '../../common/errors.ts';
import type { CSeq, HeaderField, NameAddr, Params, SipMessage, SipUri, Via } from './message.ts';
import {
  HNV, PARAM, PASSWORD, TEL_NUMBER, TOKEN, USER, WORD,
  allInClass, isIPv4Address, isIPv6Address, isToken, isValidHost, parsePort, unescapeComponent,
} from './uri.ts';

/** Largest message accepted, in bytes (the UDP limit; larger ones go over TCP within this too). */
export const MAX_MESSAGE_SIZE = 65535;

/** What a transport needs to answer a malformed request with 400 (RFC 3261 §8.2, RFC 4475 §3.1.2). */
export interface SipParseContext {
  method: string;
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
}

/**
 * A malformed SIP message. `context` is set when the message was a request
 * whose method, Via, From, To, Call-ID and CSeq were themselves well formed,
 * so that it can be answered with 400; without it the message is dropped.
 */
export class SipParseError extends ParseError {
  /**
   * The status to answer with when there is a context: 400, or 416 for a
   * Request-URI scheme we do not serve (RFC 3261 §8.2.2.1), 505 for another
   * SIP version (§21.5.20).
   */
  constructor(message: string, readonly context?: SipParseContext, offset?: number, readonly status: 400 | 416 | 505 = 400) {
    super(message, offset);
  }
}

// ---------------------------------------------------------------------------
// Header names (RFC 3261 §7.3.3 compact forms, §20 canonical spelling)

const COMPACT_FORMS: ReadonlyMap<string, string> = new Map([
  ['a', 'Accept-Contact'], ['b', 'Referred-By'], ['c', 'Content-Type'], ['d', 'Request-Disposition'],
  ['e', 'Content-Encoding'], ['f', 'From'], ['i', 'Call-ID'], ['j', 'Reject-Contact'], ['k', 'Supported'],
  ['l', 'Content-Length'], ['m', 'Contact'], ['o', 'Event'], ['r', 'Refer-To'], ['s', 'Subject'],
  ['t', 'To'], ['u', 'Allow-Events'], ['v', 'Via'], ['x', 'Session-Expires'], ['y', 'Identity'],
]);

const KNOWN_NAMES: ReadonlyMap<string, string> = new Map([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Transfer-Encoding', 'Content-Type', 'CSeq',
  'Date', 'Diversion', 'Error-Info', 'Event', 'Expires', 'From', 'History-Info', 'Identity', 'Identity-Info',
  'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'Min-SE', 'MIME-Version', 'Organization', 'P-Asserted-Identity',
  'P-Preferred-Identity', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization',
  'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact',
  'Replaces', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After', 'Route', 'RSeq', 'Security-Client',
  'Security-Server', 'Security-Verify', 'Server', 'Service-Route', 'Session-Expires', 'SIP-ETag', 'SIP-If-Match',
  'Subject', 'Subscription-State', 'Supported', 'Target-Dialog', 'Timestamp', 'To', 'Unsupported', 'User-Agent',
  'Via', 'Warning', 'WWW-Authenticate',
].map((name) => [name.toLowerCase(), name]));

/**
 * The canonical long form of a header name: compact forms expanded, known
 * names in their RFC spelling ("cseq" → "CSeq"), unknown names as given.
 */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  return (lower.length === 1 ? COMPACT_FORMS.get(lower) : KNOWN_NAMES.get(lower)) ?? name;
}

// ---------------------------------------------------------------------------
// Lexical helpers

const SP = 0x20;
const HTAB = 0x09;

function isWsp(c: number): boolean {
  return c === SP || c === HTAB;
}

/** RFC 3261 §7.3.1: a CRLF followed by whitespace is folding and is read as one SP. */
export function unfold(value: string): string {
  return value.includes('\r') || value.includes('\n') ? value.replace(/\r\n[ \t]+/g, ' ') : value;
}

function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Splits a header value at the commas that separate list elements (RFC 3261
 * §7.3.1), ignoring commas inside quoted strings and <…>. Elements are
 * trimmed; empty elements are kept so that callers can reject them.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22 && !inAngle) {
      inQuote = true;
    } else if (c === 0x3c) {
      inAngle = true;
    } else if (c === 0x3e) {
      inAngle = false;
    } else if (c === 0x2c && !inAngle) {
      out.push(trimWsp(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimWsp(value.slice(start)));
  return out;
}

/** A cursor over one header value; `fail` throws a SipParseError naming what was being read. */
class Scanner {
  pos = 0;
  constructor(readonly text: string, readonly what: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Skips SP/HTAB (LWS after unfolding); returns whether any was skipped. */
  skipWs(): boolean {
    const from = this.pos;
    while (this.pos < this.text.length && isWsp(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > from;
  }

  /** Consumes `ch` if it is next, after optional whitespace on both sides (SWS ch SWS). */
  eat(ch: number): boolean {
    const from = this.pos;
    this.skipWs();
    if (this.peek() !== ch) {
      this.pos = from;
      return false;
    }
    this.pos++;
    this.skipWs();
    return true;
  }

  expect(ch: number, label: string): void {
    if (!this.eat(ch)) this.fail(`expected ${label}`);
  }

  /** Reads a maximal run of characters of `cls`. */
  take(cls: Uint8Array): string {
    const from = this.pos;
    const text = this.text;
    let i = from;
    for (let c = text.charCodeAt(i); i < text.length && c < 128 && cls[c] === 1; c = text.charCodeAt(i)) i++;
    this.pos = i;
    return text.slice(from, i);
  }

  takeToken(label: string): string {
    const t = this.take(TOKEN);
    if (t.length === 0) this.fail(`expected ${label}`);
    return t;
  }

  /**
   * quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1).
   * Returns the raw text (with quotes) and the unescaped content.
   */
  takeQuoted(): { raw: string; value: string } {
    const from = this.pos;
    if (this.peek() !== 0x22) this.fail('expected a quoted string');
    let value = '';
    for (let i = from + 1; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return { raw: this.text.slice(from, this.pos), value };
      }
      if (c === 0x5c) {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        const next = this.text.charCodeAt(i + 1);
        if (i + 1 >= this.text.length || next > 0x7f || next === 0x0a || next === 0x0d) this.fail('bad quoted-pair');
        value += this.text[i + 1];
        i++;
      } else if ((c < 0x20 && c !== HTAB) || c === 0x7f) {
        this.fail('control character in quoted string');
      } else {
        value += this.text[i];
      }
    }
    return this.fail('unterminated quoted string');
  }

  /** parseUri, with errors naming what was being read. */
  uri(text: string): SipUri {
    try {
      return parseUri(text);
    } catch (err) {
      if (err instanceof SipParseError) this.fail(err.message);
      throw err;
    }
  }

  expectEnd(): void {
    this.skipWs();
    if (!this.done) this.fail(`unexpected "${this.text.slice(this.pos, this.pos + 12)}"`);
  }

  fail(message: string): never {
    throw new SipParseError(`${this.what}: ${message}`);
  }
}

// gen-value = token / host / quoted-string; host adds ":" "[" "]" for IPv6 references.
const GEN_VALUE = (() => {
  const t = Uint8Array.from(TOKEN);
  for (const ch of ':[]') t[ch.charCodeAt(0)] = 1;
  return t;
})();

/**
 * *( SEMI generic-param ), generic-param = token [ EQUAL gen-value ]
 * (RFC 3261 §25.1). Names are lower-cased; a quoted-string value is kept
 * with its quotes; a repeated name is an error.
 */
function readParams(sc: Scanner): Params {
  const params: Params = new Map();
  while (sc.eat(0x3b)) {
    const name = sc.takeToken('parameter name').toLowerCase();
    let value: string | null = null;
    if (sc.eat(0x3d)) {
      if (sc.peek() === 0x22) {
        value = sc.takeQuoted().raw;
      } else {
        value = sc.take(GEN_VALUE);
        if (value.length === 0) sc.fail(`parameter ${name} has no value`);
        // A bare IPv6 address is a gen-value too: received = IPv4address / IPv6address (RFC 3261 §20.42).
        if (!isToken(value) && !isValidHost(value.toLowerCase()) && !isIPv6Address(value)) sc.fail(`bad value for parameter ${name}`);
      }
    }
    if (params.has(name)) sc.fail(`parameter ${name} repeated`);
    params.set(name, value);
  }
  return params;
}

// ---------------------------------------------------------------------------
// URIs (RFC 3261 §19.1, §25.1; tel: RFC 3966)

/**
 * Parses a sip:, sips: or tel: URI. User, password, parameter and header
 * values are unescaped; the host and parameter names are lower-cased. For
 * tel: URIs the telephone-subscriber number is `user` and `host` is empty.
 * Other schemes are not served by this bridge and are errors.
 */
export function parseUri(s: string): SipUri {
  const colon = s.indexOf(':');
  const scheme = colon > 0 ? s.slice(0, colon).toLowerCase() : '';
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, s.slice(colon + 1));
  if (scheme === 'tel') return parseTelUri(s.slice(colon + 1));
  throw new SipParseError(colon > 0 && isToken(s.slice(0, colon)) ? `unsupported URI scheme ${s.slice(0, colon)}` : `not a URI: ${s.slice(0, 40)}`);
}

function uriError(message: string): never {
  throw new SipParseError(`URI: ${message}`);
}

function unescapeOrFail(s: string, cls: Uint8Array, what: string): string {
  const v = unescapeComponent(s, cls);
  if (v === null) uriError(`bad character or escape in ${what}`);
  return v;
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string): SipUri {
  // userinfo ends at the first "@": no other part of a SIP URI may contain one unescaped.
  const at = rest.indexOf('@');
  let user: string | undefined;
  let password: string | undefined;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const pw = userinfo.indexOf(':');
    const rawUser = pw >= 0 ? userinfo.slice(0, pw) : userinfo;
    if (rawUser.length === 0) uriError('empty user part');
    user = unescapeOrFail(rawUser, USER, 'user');
    if (pw >= 0) password = unescapeOrFail(userinfo.slice(pw + 1), PASSWORD, 'password');
  }
  let i = at + 1;
  // host = hostname / IPv4address / IPv6reference
  let hostEnd: number;
  if (rest.charCodeAt(i) === 0x5b) {
    hostEnd = rest.indexOf(']', i) + 1;
    if (hostEnd === 0) uriError('unterminated IPv6 reference');
  } else {
    hostEnd = i;
    for (let c = rest.charCodeAt(hostEnd); hostEnd < rest.length && c !== 0x3a && c !== 0x3b && c !== 0x3f; c = rest.charCodeAt(hostEnd)) hostEnd++;
  }
  const host = rest.slice(i, hostEnd).toLowerCase();
  if (!isValidHost(host)) uriError(`bad host "${host.slice(0, 40)}"`);
  i = hostEnd;
  let port: number | undefined;
  if (rest.charCodeAt(i) === 0x3a) {
    let end = i + 1;
    while (end < rest.length && rest.charCodeAt(end) !== 0x3b && rest.charCodeAt(end) !== 0x3f) end++;
    const p = parsePort(rest.slice(i + 1, end));
    if (p === null) uriError('bad port');
    port = p;
    i = end;
  }
  const q = rest.indexOf('?', i);
  const paramText = q >= 0 ? rest.slice(i, q) : rest.slice(i);
  const params = parseUriParams(paramText);
  const headers = new Map<string, string>();
  if (q >= 0) {
    for (const h of rest.slice(q + 1).split('&')) {
      const eq = h.indexOf('=');
      if (eq <= 0) uriError('URI header without name=value');
      const name = unescapeOrFail(h.slice(0, eq), HNV, 'header name');
      if (headers.has(name)) uriError(`header ${name} repeated`);
      headers.set(name, eq + 1 === h.length ? '' : unescapeOrFail(h.slice(eq + 1), HNV, 'header value'));
    }
  }
  const uri: SipUri = { scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

/** *( ";" pname [ "=" pvalue ] ) where the text starts with ";" or is empty. */
function parseUriParams(text: string): Params {
  const params: Params = new Map();
  if (text.length === 0) return params;
  if (text.charCodeAt(0) !== 0x3b) uriError(`unexpected "${text.slice(0, 12)}"`);
  for (const p of text.slice(1).split(';')) {
    const eq = p.indexOf('=');
    const rawName = eq >= 0 ? p.slice(0, eq) : p;
    if (rawName.length === 0) uriError('empty parameter');
    const name = unescapeOrFail(rawName, PARAM, 'parameter name').toLowerCase();
    let value: string | null = null;
    if (eq >= 0) {
      if (eq + 1 === p.length) uriError(`parameter ${name} has an empty value`);
      value = unescapeOrFail(p.slice(eq + 1), PARAM, 'parameter value');
    }
    if (params.has(name)) uriError(`parameter ${name} repeated`);
    params.set(name, value);
  }
  return params;
}

/** RFC 3966 §3: telephone-subscriber *par, no headers. */
function parseTelUri(rest: string): SipUri {
  const semi = rest.indexOf(';');
  const number = semi >= 0 ? rest.slice(0, semi) : rest;
  if (!allInClass(TEL_NUMBER, number) || number.lastIndexOf('+') > 0 || number === '+') uriError('bad telephone number');
  const params = parseUriParams(semi >= 0 ? rest.slice(semi) : '');
  // RFC 3966 §5.1.5: a local number needs a phone-context.
  if (!number.startsWith('+') && !params.has('phone-context')) uriError('local tel: number without phone-context');
  return { scheme: 'tel', user: number, host: '', params, headers: new Map() };
}

// ---------------------------------------------------------------------------
// name-addr / addr-spec (RFC 3261 §20.10, §20.20, §20.39, §25.1)

/**
 * ( name-addr / addr-spec ) *( SEMI generic-param ). With `bracketsRequired`
 * (Route, Record-Route) only name-addr is accepted. An addr-spec cannot
 * carry URI parameters or headers: its ";…" are header parameters and a
 * "?" or "," is an error (§20.10).
 */
function readNameAddr(sc: Scanner, bracketsRequired: boolean): NameAddr {
  sc.skipWs();
  let displayName: string | undefined;
  let bracketed = false;
  if (sc.peek() === 0x22) {
    displayName = sc.takeQuoted().value;
    sc.skipWs();
    if (sc.peek() !== 0x3c) sc.fail('expected < after the display name');
    bracketed = true;
  } else {
    // display-name = *(token LWS): tokens up to "<" (RFC 4475 §3.1.1.6 allows no LWS before it).
    const from = sc.pos;
    const words: string[] = [];
    for (let w = sc.take(TOKEN); w.length > 0; w = sc.take(TOKEN)) {
      words.push(w);
      sc.skipWs();
    }
    if (sc.peek() === 0x3c) {
      if (words.length > 0) displayName = words.join(' ');
      bracketed = true;
    } else if (words.length > 1 || (words.length === 1 && sc.peek() !== 0x3a)) {
      // Not "scheme:…" (an addr-spec): RFC 4475 §3.1.2.15, a display name needs quotes.
      sc.fail('display name is neither tokens nor a quoted string');
    } else {
      sc.pos = from;
    }
  }
  let uri: SipUri;
  if (bracketed) {
    sc.pos++;
    const close = sc.text.indexOf('>', sc.pos);
    if (close < 0) sc.fail('missing >');
    const text = sc.text.slice(sc.pos, close);
    for (let i = 0; i < text.length; i++) if (isWsp(text.charCodeAt(i))) sc.fail('whitespace inside <>');
    uri = sc.uri(text);
    sc.pos = close + 1;
  } else {
    if (bracketsRequired) sc.fail('expected <');
    const from = sc.pos;
    while (!sc.done && sc.peek() !== 0x3b && !isWsp(sc.peek())) sc.pos++;
    const text = sc.text.slice(from, sc.pos);
    if (text.length === 0) sc.fail('expected a URI');
    if (text.includes('?') || text.includes(',')) sc.fail('a URI with "?" or "," must be enclosed in <>');
    uri = sc.uri(text);
  }
  const na: NameAddr = { uri, params: readParams(sc) };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

/** Parses one name-addr or addr-spec with its header parameters (a From, To, Contact or Route value). */
export function parseNameAddr(s: string): NameAddr {
  const sc = new Scanner(unfold(s), 'name-addr');
  const na = readNameAddr(sc, false);
  sc.expectEnd();
  return na;
}

function parseNameAddrAs(value: string, what: string, bracketsRequired: boolean): NameAddr {
  const sc = new Scanner(value, what);
  const na = readNameAddr(sc, bracketsRequired);
  sc.expectEnd();
  return na;
}

/** Route / Record-Route values: comma-separated name-addrs (RFC 3261 §20.30, §20.34). */
export function parseRouteValue(value: string, what = 'Route'): NameAddr[] {
  return splitHeaderList(unfold(value)).map((v) => parseNameAddrAs(v, what, true));
}

const Q_VALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;

function parseContactValue(value: string): NameAddr {
  const na = parseNameAddrAs(value, 'Contact', false);
  const q = na.params.get('q');
  if (q !== undefined && (q === null || !Q_VALUE.test(q))) throw new SipParseError('Contact: bad q value');
  return na;
}

// ---------------------------------------------------------------------------
// Via (RFC 3261 §20.42, RFC 3581 rport)

// sent-by host characters: hostname chars and an IPv6 reference's.
const HOST_CHARS = (() => {
  const t = new Uint8Array(128);
  for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.') t[ch.charCodeAt(0)] = 1;
  return t;
})();

function readVia(sc: Scanner): Via {
  // sent-protocol = protocol-name SLASH protocol-version SLASH transport, SLASH = SWS "/" SWS
  sc.skipWs();
  const name = sc.takeToken('protocol name');
  sc.expect(0x2f, '/');
  const version = sc.takeToken('protocol version');
  sc.expect(0x2f, '/');
  const transport = sc.takeToken('transport').toUpperCase();
  if (name.toUpperCase() !== 'SIP' || version !== '2.0') sc.fail(`unsupported protocol ${name}/${version}`);
  if (!sc.skipWs()) sc.fail('expected whitespace before sent-by');
  let host: string;
  if (sc.peek() === 0x5b) {
    const close = sc.text.indexOf(']', sc.pos);
    if (close < 0) sc.fail('unterminated IPv6 reference');
    host = sc.text.slice(sc.pos, close + 1);
    sc.pos = close + 1;
  } else {
    host = sc.take(HOST_CHARS);
  }
  host = host.toLowerCase();
  if (!isValidHost(host)) sc.fail(`bad host "${host.slice(0, 40)}"`);
  const via: Via = { transport, host, params: new Map() };
  if (sc.eat(0x3a)) {
    const port = parsePort(sc.take(HOST_CHARS));
    if (port === null) sc.fail('bad port');
    via.port = port;
  }
  via.params = readParams(sc);
  checkViaParams(sc, via.params);
  return via;
}

function checkViaParams(sc: Scanner, params: Params): void {
  for (const [name, value] of params) {
    switch (name) {
      case 'branch':
        if (value === null || !isToken(value)) sc.fail('bad branch');
        break;
      case 'ttl':
        if (value === null || !/^\d{1,3}$/.test(value) || Number(value) > 255) sc.fail('bad ttl');
        break;
      case 'maddr':
        if (value === null || !isValidHost(value.toLowerCase())) sc.fail('bad maddr');
        break;
      case 'received':
        if (value === null || !(isIPv4Address(value) || isIPv6Address(value))) sc.fail('bad received');
        break;
      case 'rport':
        if (value !== null && parsePort(value) === null) sc.fail('bad rport');
        break;
    }
  }
}

/** Parses one Via header value, which may hold several comma-separated via-parms. */
export function parseVia(s: string): Via[] {
  return splitHeaderList(unfold(s)).map((part) => {
    const sc = new Scanner(part, 'Via');
    const via = readVia(sc);
    sc.expectEnd();
    return via;
  });
}

// ---------------------------------------------------------------------------
// Scalar headers

function digits(s: string, maxLength: number): number | null {
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
function parseCSeq(value: string): CSeq {
  const sc: Scanner = new Scanner(value, 'CSeq');
  const seq = digits(sc.take(DIGITS), 10);
  if (seq === null || seq >= 2 ** 31) sc.fail('bad sequence number');
  if (!sc.skipWs()) sc.fail('expected whitespace before the method');
  const method = sc.takeToken('method');
  sc.expectEnd();
  return { seq, method };
}

/** Max-Forwards = 1*DIGIT, 0–255 (RFC 3261 §20.22). */
function parseMaxForwards(value: string): number {
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
function parseCallId(value: string): string {
  const at = value.indexOf('@');
  const ok = at < 0 ? allInClass(WORD, value) : allInClass(WORD, value.slice(0, at)) && allInClass(WORD, value.slice(at + 1));
  if (!ok) throw new SipParseError('Call-ID: not word [ "@" word ]');
  return value;
}

/** media-type = m-type SLASH m-subtype *( SEMI m-parameter ); returns "type/subtype" lower-cased. */
function parseContentType(value: string): string {
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

function checkDate(value: string): void {
  if (!RFC1123_DATE.test(value)) throw new SipParseError('Date: not an RFC 1123 date in GMT');
}

// ---------------------------------------------------------------------------
// The message

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** Headers whose raw value may hold control characters inside quoted-pairs; their own parse checks them. */
const QUOTED_PAIR_HEADERS = new Set(['From', 'To', 'Contact']);

/** Index of the first byte after any CRLFs before the start line (RFC 3261 §7.5, RFC 5626 keep-alives). */
export function skipLeadingCrlf(buf: Buffer, from = 0): number {
  let i = from;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  return i;
}

/**
 * Parses one complete SIP message. Throws SipParseError on any malformation;
 * for a request whose method, Via, From, To, Call-ID and CSeq are well formed
 * the error carries them as `context` so that the caller can answer 400.
 */
export function parseMessage(buf: Buffer): SipMessage {
  try {
    return parseStrict(buf);
  } catch (err) {
    if (err instanceof SipParseError && err.context === undefined) {
      const context = salvageContext(buf);
      if (context) throw new SipParseError(err.message, context, err.offset, err.status);
    }
    throw err;
  }
}

function parseStrict(buf: Buffer): SipMessage {
  if (buf.length > MAX_MESSAGE_SIZE) throw new SipParseError(`message larger than ${MAX_MESSAGE_SIZE} bytes`);
  const start = skipLeadingCrlf(buf);
  if (start === buf.length) throw new SipParseError('empty message');
  const headEnd = buf.indexOf(CRLF_CRLF, start);
  if (headEnd < 0) throw new SipParseError('no empty line after the header section', undefined, buf.length);
  const headBytes = buf.subarray(start, headEnd);
  if (!isUtf8(headBytes)) throw new SipParseError('header section is not UTF-8', undefined, start);
  const lines = headBytes.toString('utf8').split('\r\n');
  const startLine = lines[0] ?? '';
  const response = isStatusLine(startLine) ? parseStatusLine(startLine) : undefined;
  const request = response ? undefined : parseRequestLine(startLine);
  const fields = readHeaderFields(lines, true);
  const index = indexFields(fields);
  const core = parseCoreHeaders(index);
  const body = readBody(buf, headEnd + 4, single(index, 'Content-Length'));
  const msg: SipMessage = request
    ? {
      kind: 'request', method: request.method, uri: request.uri, headers: fields, via: core.via, from: core.from, to: core.to,
      callId: core.callId, cseq: core.cseq, contact: [], body,
    }
    : {
      kind: 'response', status: response?.status ?? 0, reason: response?.reason ?? '', headers: fields, via: core.via,
      from: core.from, to: core.to, callId: core.callId, cseq: core.cseq, contact: [], body,
    };
  const contacts = index.get('Contact');
  if (contacts) readContacts(msg, contacts);
  const contentType = single(index, 'Content-Type');
  if (contentType !== undefined) msg.contentType = parseContentType(contentType);
  const date = single(index, 'Date');
  if (date !== undefined) checkDate(date);
  if (msg.kind === 'request') {
    // RFC 3261 §8.1.1.5 and RFC 4475 §3.1.2.17/18: CSeq carries the request's method.
    if (msg.cseq.method !== msg.method) throw new SipParseError(`CSeq method ${msg.cseq.method} does not match ${msg.method}`);
    const mf = single(index, 'Max-Forwards');
    if (mf !== undefined) msg.maxForwards = parseMaxForwards(mf);
  }
  return msg;
}

function isStatusLine(line: string): boolean {
  return line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/';
}

/** Request-Line = Method SP Request-URI SP SIP-Version, single SPs (RFC 4475 §3.1.2.9, §3.1.2.10). */
function parseRequestLine(line: string): { method: string; uri: SipUri } {
  const parts = line.split(' ');
  const [method, uriText, version] = parts;
  if (parts.length !== 3 || method === undefined || uriText === undefined || version === undefined) {
    throw new SipParseError('request line is not Method SP Request-URI SP SIP-Version');
  }
  if (!isToken(method)) throw new SipParseError('bad method');
  if (version.toUpperCase() !== 'SIP/2.0') throw new SipParseError(`unsupported version ${version.slice(0, 20)}`, undefined, undefined, 505);
  const colon = uriText.indexOf(':');
  const scheme = colon > 0 ? uriText.slice(0, colon).toLowerCase() : '';
  if (isToken(scheme) && scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') {
    throw new SipParseError(`unsupported Request-URI scheme ${scheme.slice(0, 20)}`, undefined, undefined, 416);
  }
  const uri = parseUri(uriText);
  // RFC 3261 §19.1.1: headers are not allowed in a Request-URI (RFC 4475 §3.1.2.11).
  if (uri.headers.size > 0) throw new SipParseError('Request-URI has headers');
  return { method, uri };
}

/** Status-Line = SIP-Version SP 3DIGIT SP Reason-Phrase (RFC 3261 §7.2). */
function parseStatusLine(line: string): { status: number; reason: string } {
  if (line.slice(0, 8).toUpperCase() !== 'SIP/2.0 ') throw new SipParseError(`unsupported version ${line.slice(0, 20)}`);
  const code = line.slice(8, 11);
  const status = digits(code, 3);
  if (status === null || code.length !== 3 || status < 100 || status > 699 || line.charCodeAt(11) !== SP) {
    throw new SipParseError('status line is not SIP-Version SP 3DIGIT SP Reason-Phrase');
  }
  const reason = line.slice(12);
  for (let i = 0; i < reason.length; i++) {
    const c = reason.charCodeAt(i);
    if ((c < 0x20 && c !== HTAB) || c === 0x7f) throw new SipParseError('control character in reason phrase');
  }
  return { status, reason };
}

/**
 * Header lines (after the start line) → fields in wire order, unfolded and
 * trimmed, names canonical. `strict` rejects malformed lines; otherwise they
 * are skipped (used only to salvage the context of a bad request).
 */
function readHeaderFields(lines: string[], strict: boolean): HeaderField[] {
  const raw: string[] = [];
  for (let i = 1; i < lines.length; i++) {
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

type FieldIndex = Map<string, string[]>;

function indexFields(fields: HeaderField[]): FieldIndex {
  const index: FieldIndex = new Map();
  for (const f of fields) {
    const list = index.get(f.name);
    if (list) list.push(f.value);
    else index.set(f.name, [f.value]);
  }
  return index;
}

/** The value of a header that may appear once (RFC 4475 §3.3.8, §3.3.9: more is an error). */
function single(index: FieldIndex, name: string): string | undefined {
  const values = index.get(name);
  if (values === undefined) return undefined;
  if (values.length > 1) throw new SipParseError(`more than one ${name}`);
  return values[0];
}

function required(index: FieldIndex, name: string): string {
  const v = single(index, name);
  if (v === undefined) throw new SipParseError(`missing ${name}`);
  return v;
}

/** Via, From, To, Call-ID, CSeq: required in every request and response (RFC 3261 §8.1.1). */
function parseCoreHeaders(index: FieldIndex): Omit<SipParseContext, 'method'> {
  const vias = index.get('Via');
  if (vias === undefined) throw new SipParseError('missing Via');
  return {
    via: vias.flatMap(parseVia),
    from: parseNameAddrAs(required(index, 'From'), 'From', false),
    to: parseNameAddrAs(required(index, 'To'), 'To', false),
    callId: parseCallId(required(index, 'Call-ID')),
    cseq: parseCSeq(required(index, 'CSeq')),
  };
}

/** Contact: "*" alone, or comma-separated values over any number of lines (RFC 3261 §20.10). */
function readContacts(msg: SipMessage, values: string[]): void {
  const parts = values.flatMap(splitHeaderList);
  if (parts.includes('*')) {
    if (parts.length !== 1) throw new SipParseError('Contact: * with other values');
    msg.contactStar = true;
    return;
  }
  msg.contact = parts.map(parseContactValue);
}

/**
 * RFC 3261 §18.3: over a datagram the body is Content-Length bytes; extra
 * bytes are discarded, missing bytes are an error, and without Content-Length
 * the body is the rest of the datagram.
 */
function readBody(buf: Buffer, bodyStart: number, contentLength: string | undefined): Buffer {
  const available = buf.length - bodyStart;
  if (contentLength === undefined) return Buffer.from(buf.subarray(bodyStart));
  const n = parseContentLength(contentLength);
  if (n > available) throw new SipParseError(`Content-Length ${n} but only ${available} body bytes`, undefined, buf.length);
  return Buffer.from(buf.subarray(bodyStart, bodyStart + n));
}

/**
 * After a strict parse failed: if the message is a request whose method,
 * Via, From, To, Call-ID and CSeq can be read (one of each, Via at least
 * once), returns them so that it can be answered with 400.
 */
function salvageContext(buf: Buffer): SipParseContext | undefined {
  const start = skipLeadingCrlf(buf);
  const headEnd = buf.indexOf(CRLF_CRLF, start);
  const lines = buf.subarray(start, headEnd < 0 ? buf.length : headEnd).toString('utf8').split('\r\n');
  const startLine = lines[0] ?? '';
  const sp = startLine.indexOf(' ');
  const method = startLine.slice(0, sp);
  if (sp <= 0 || !isToken(method) || isStatusLine(startLine)) return undefined;
  const index = indexFields(readHeaderFields(lines, false));
  for (const name of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) {
    // U+FFFD marks bytes that were not UTF-8: not something to copy into a response.
    if (index.get(name)?.some((v) => v.includes('\uFFFD'))) return undefined;
  }
  try {
    return { method, ...parseCoreHeaders(index) };
  } catch (err) {
    if (err instanceof SipParseError) return undefined;
    throw err;
  }
}
