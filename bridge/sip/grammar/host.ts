// Hosts and ports of the SIP grammar (RFC 3261 §25.1): hostname, IPv4address,
// IPv6reference and port, checked without throwing (the readers above turn a
// `false`/`null` into a SipParseError naming what they were reading).
import { isIPv6 } from 'node:net';
import { hexValue } from './char-classes.ts';

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
