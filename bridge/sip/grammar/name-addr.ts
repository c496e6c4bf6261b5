// name-addr / addr-spec with header parameters (RFC 3261 §20.10, §20.20,
// §20.39, §25.1): the values of From, To, Contact, Route and Record-Route,
// read and written.
//
//   name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
//   display-name = *(token LWS) / quoted-string
import { TOKEN, isToken } from './char-classes.ts';
import { SipParseError } from './parse-error.ts';
import { formatParams, readParams } from './params.ts';
import { Scanner, isWsp, splitHeaderList, unfold } from './scanner.ts';
import type { NameAddr, SipUri } from './types.ts';
import { formatUri, parseUri } from './uri.ts';

/** parseUri, with errors naming what the scanner was reading. */
function readUri(sc: Scanner, text: string): SipUri {
  try {
    return parseUri(text);
  } catch (err) {
    if (err instanceof SipParseError) sc.fail(err.message);
    throw err;
  }
}

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
    uri = readUri(sc, text);
    sc.pos = close + 1;
  } else {
    if (bracketsRequired) sc.fail('expected <');
    const from = sc.pos;
    while (!sc.done && sc.peek() !== 0x3b && !isWsp(sc.peek())) sc.pos++;
    const text = sc.text.slice(from, sc.pos);
    if (text.length === 0) sc.fail('expected a URI');
    if (text.includes('?') || text.includes(',')) sc.fail('a URI with "?" or "," must be enclosed in <>');
    uri = readUri(sc, text);
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

/** parseNameAddr for the header `what`, whose name its errors carry. */
export function parseNameAddrAs(value: string, what: string, bracketsRequired: boolean): NameAddr {
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

/** One Contact value (RFC 3261 §20.10): a name-addr or addr-spec with a well-formed q. */
export function parseContactValue(value: string): NameAddr {
  const na = parseNameAddrAs(value, 'Contact', false);
  const q = na.params.get('q');
  if (q !== undefined && (q === null || !Q_VALUE.test(q))) throw new SipParseError('Contact: bad q value');
  return na;
}

/**
 * quoted-string with quoted-pairs for '"', '\' and control characters
 * (RFC 3261 §25.1). CR and LF cannot be carried even as quoted-pairs and are
 * written as spaces.
 */
function quote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) out += ' ';
    else if (c === 0x22 || c === 0x5c || (c < 0x20 && c !== 0x09) || c === 0x7f) out += `\\${s[i]}`;
    else out += s[i];
  }
  return `${out}"`;
}

/**
 * name-addr, always with <>: [display-name] "<" URI ">" *(";" param). A
 * display name that is one token is written bare, any other is quoted.
 */
export function formatNameAddr(n: NameAddr): string {
  let s = '';
  if (n.displayName !== undefined) s = `${isToken(n.displayName) ? n.displayName : quote(n.displayName)} `;
  return `${s}<${formatUri(n.uri)}>${formatParams(n.params)}`;
}
