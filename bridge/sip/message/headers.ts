// Helpers over a message's raw header lines (`msg.headers`): case-insensitive
// look-up by long or compact name (RFC 3261 §7.3.1, §7.3.3), list splitting,
// and the route set (RFC 3261 §12.1, §20.30, §20.34).
//
// Via, From, To, Call-ID, CSeq, Max-Forwards, Contact and Content-Length are
// model fields that the serialiser writes from the fields; changing them
// through these helpers would have no effect, so the setters refuse them.
import { canonicalHeaderName, isListHeader } from '../grammar/header-names.ts';
import { parseRouteValue } from '../grammar/name-addr.ts';
import { splitHeaderList, unfold } from '../grammar/scanner.ts';
import type { NameAddr } from '../grammar/types.ts';
import type { SipMessage } from './message.ts';

const STRUCTURED = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Contact', 'Content-Length']);

/** Header names compare case-insensitively, compact forms as their long form (RFC 3261 §7.3.1). */
function sameName(a: string, b: string): boolean {
  return canonicalHeaderName(a).toLowerCase() === b;
}

function key(name: string): string {
  return canonicalHeaderName(name).toLowerCase();
}

/** The raw value of the first line of header `name`, or undefined. */
export function getHeader(msg: SipMessage, name: string): string | undefined {
  const wanted = key(name);
  for (const h of msg.headers) if (sameName(h.name, wanted)) return h.value;
  return undefined;
}

/**
 * Every value of header `name` over all its lines; list headers (Allow,
 * Supported, Require, Accept, Route, …) are split at commas outside quoted
 * strings and <>, and empty elements dropped.
 */
export function getHeaderValues(msg: SipMessage, name: string): string[] {
  const wanted = key(name);
  const list = isListHeader(name);
  const out: string[] = [];
  for (const h of msg.headers) {
    if (!sameName(h.name, wanted)) continue;
    if (list) {
      for (const v of splitHeaderList(unfold(h.value))) if (v.length > 0) out.push(v);
    } else {
      out.push(h.value);
    }
  }
  return out;
}

function assertSettable(name: string): string {
  const canonical = canonicalHeaderName(name);
  if (STRUCTURED.has(canonical)) throw new TypeError(`${canonical} is a field of the message model; set the field instead`);
  return canonical;
}

/** Keeps `contentType` in step with the Content-Type header it is derived from. */
function syncContentType(msg: SipMessage): void {
  const value = getHeader(msg, 'Content-Type');
  if (value === undefined) {
    delete msg.contentType;
    return;
  }
  const semi = value.indexOf(';');
  msg.contentType = (semi >= 0 ? value.slice(0, semi) : value).replace(/[ \t]/g, '').toLowerCase();
}

/** Replaces every line of header `name` by one line holding `value` (where the first one was, else at the end). */
export function setHeader(msg: SipMessage, name: string, value: string): void {
  const canonical = assertSettable(name);
  const wanted = canonical.toLowerCase();
  const at = msg.headers.findIndex((h) => sameName(h.name, wanted));
  msg.headers = msg.headers.filter((h) => !sameName(h.name, wanted));
  msg.headers.splice(at < 0 ? msg.headers.length : at, 0, { name: canonical, value });
  if (canonical === 'Content-Type') syncContentType(msg);
}

/** Appends one line of header `name`. */
export function addHeader(msg: SipMessage, name: string, value: string): void {
  const canonical = assertSettable(name);
  msg.headers.push({ name: canonical, value });
  if (canonical === 'Content-Type') syncContentType(msg);
}

/** Removes every line of header `name`. */
export function removeHeader(msg: SipMessage, name: string): void {
  const canonical = assertSettable(name);
  const wanted = canonical.toLowerCase();
  msg.headers = msg.headers.filter((h) => !sameName(h.name, wanted));
  if (canonical === 'Content-Type') syncContentType(msg);
}

/**
 * Route or Record-Route values (one string per header line, each possibly a
 * comma-separated list) → the name-addrs in order. Throws SipParseError.
 */
export function parseRouteSet(values: string[]): NameAddr[] {
  return values.flatMap((v) => parseRouteValue(v));
}
