// The checks on a join request's SIP parts before anything is set up: the
// Request-URI's user part, the extra headers (no core header, no line breaks)
// and the display name. A bad one is a GatewayError 400.
import { isToken } from '../sip/grammar/char-classes.ts';
import type { HeaderField } from '../sip/message/message.ts';
import { GatewayError } from './gateway-error.ts';

const USER_PART = /^[A-Za-z0-9+*#._~-]{1,64}$/;
const MAX_HEADERS = 16;
const MAX_HEADER_VALUE = 1024;
const MAX_DISPLAY_NAME = 64;
const MAX_LISTEN_KEY = 128;
/** Headers the stack writes itself: a caller may not set or repeat them. */
const RESERVED = new Set([
  'via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'contact', 'm', 'content-length', 'l',
  'content-type', 'c', 'max-forwards', 'route', 'record-route', 'allow', 'user-agent',
]);

export function checkTo(to: unknown): string {
  if (typeof to !== 'string' || !USER_PART.test(to)) throw new GatewayError(400, 'bad "to": 1–64 of A-Z a-z 0-9 + * # . _ ~ -');
  return to;
}

export function checkHeaders(headers: unknown): HeaderField[] {
  if (headers === undefined) return [];
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers)) throw new GatewayError(400, 'headers must be an object of strings');
  const entries = Object.entries(headers as Record<string, unknown>);
  if (entries.length > MAX_HEADERS) throw new GatewayError(400, `more than ${MAX_HEADERS} headers`);
  return entries.map(([name, value]) => {
    if (!isToken(name) || name.length === 0 || RESERVED.has(name.toLowerCase())) throw new GatewayError(400, `header name not allowed: ${name.slice(0, 40)}`);
    // eslint-disable-next-line no-control-regex
    if (typeof value !== 'string' || value.length > MAX_HEADER_VALUE || /[\x00-\x1f\x7f]/.test(value)) {
      throw new GatewayError(400, `bad value for header ${name}`);
    }
    return { name, value: value.trim() };
  });
}

/** The display name for From: control characters, quotes and backslashes removed, bounded. */
export function cleanDisplayName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string') throw new GatewayError(400, 'fromName must be a string');
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\x00-\x1f\x7f"\\]/g, '').trim().slice(0, MAX_DISPLAY_NAME);
  return clean.length > 0 ? clean : undefined;
}

export function checkListenKey(key: unknown): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_LISTEN_KEY) throw new GatewayError(400, 'bad listenKey');
  return key;
}
