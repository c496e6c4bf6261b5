// The start line of a SIP message (RFC 3261 §7.1, §7.2, §25.1).
//
//   Request-Line = Method SP Request-URI SP SIP-Version CRLF
//   Status-Line  = SIP-Version SP Status-Code SP Reason-Phrase CRLF
import { isToken } from '../grammar/char-classes.ts';
import { SipParseError } from '../grammar/parse-error.ts';
import { digits } from '../grammar/scalar-headers.ts';
import { HTAB, SP } from '../grammar/scanner.ts';
import type { SipUri } from '../grammar/types.ts';
import { parseUri } from '../grammar/uri.ts';

/** A start line that begins "SIP/" is a Status-Line (a request's method is a token without "/"). */
export function isStatusLine(line: string): boolean {
  return line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/';
}

/** Request-Line = Method SP Request-URI SP SIP-Version, single SPs (RFC 4475 §3.1.2.9, §3.1.2.10). */
export function parseRequestLine(line: string): { method: string; uri: SipUri } {
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
export function parseStatusLine(line: string): { status: number; reason: string } {
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
