// SIP and tel URIs (RFC 3261 §19.1, §25.1; RFC 3966 §3), read and written.
//
//   SIP-URI  = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
//   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
//   hostport = host [ ":" port ]
//   uri-parameters = *( ";" uri-parameter );  headers = "?" header *( "&" header )
//   tel URI  = "tel:" telephone-subscriber *par   (RFC 3966)
import {
  HNV, PARAM, PASSWORD, TEL_NUMBER, USER, allInClass, escapeComponent, isToken, unescapeComponent,
} from './char-classes.ts';
import { isValidHost, parsePort } from './host.ts';
import { SipParseError } from './parse-error.ts';
import type { Params, SipUri } from './types.ts';

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

/** URI parameters: like formatParams, with names and values %-escaped where needed (RFC 3261 §19.1.2). */
function formatUriParams(p: Params): string {
  let s = '';
  for (const [name, value] of p) {
    s += `;${escapeComponent(name, PARAM)}`;
    if (value !== null) s += `=${escapeComponent(value, PARAM)}`;
  }
  return s;
}

/** Writes a sip:, sips: or tel: URI, re-escaping the user, password, parameters and headers. */
export function formatUri(u: SipUri): string {
  if (u.scheme === 'tel') return `tel:${u.user ?? ''}${formatUriParams(u.params)}`;
  let s = `${u.scheme}:`;
  if (u.user !== undefined) {
    s += escapeComponent(u.user, USER);
    if (u.password !== undefined) s += `:${escapeComponent(u.password, PASSWORD)}`;
    s += '@';
  }
  s += u.host;
  if (u.port !== undefined) s += `:${u.port}`;
  s += formatUriParams(u.params);
  let sep = '?';
  for (const [name, value] of u.headers) {
    s += `${sep}${escapeComponent(name, HNV)}=${escapeComponent(value, HNV)}`;
    sep = '&';
  }
  return s;
}
