// SipMessage → wire bytes (RFC 3261 §7).
//
//   start-line CRLF
//   Via / From / To / Call-ID / CSeq / Max-Forwards / Contact   (from the model's fields)
//   every other entry of `headers`, in order
//   Content-Length: <body length> CRLF
//   CRLF
//   body
//
// The structured headers are written from the model, never from `headers`,
// so a message the stack changed (a Via pushed, a To tag added) is written as
// changed. Content-Length is always computed from the body (RFC 3261 §20.14).
import type { NameAddr, Params, SipMessage, SipUri, Via } from './message.ts';
import { canonicalHeaderName } from './parser.ts';
import { HNV, PARAM, PASSWORD, USER, escapeComponent, isToken } from './uri.ts';

/** Headers written from the model's fields; their entries in `headers` are ignored. */
const STRUCTURED = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Contact', 'Content-Length']);

/** Header parameters: ";name" or ";name=value", values written as stored (token, host or quoted string). */
export function formatParams(p: Params): string {
  let s = '';
  for (const [name, value] of p) s += value === null ? `;${name}` : `;${name}=${value}`;
  return s;
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

/** via-parm: "SIP/2.0/" transport SP host [":" port] *(";" param). */
export function formatVia(v: Via): string {
  return `SIP/2.0/${v.transport} ${v.host}${v.port !== undefined ? `:${v.port}` : ''}${formatParams(v.params)}`;
}

/** Writes a message; throws TypeError when a value holds CR or LF (which no parsed message does). */
export function serializeMessage(msg: SipMessage): Buffer {
  const lines: string[] = [
    msg.kind === 'request' ? `${msg.method} ${formatUri(msg.uri)} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`,
  ];
  for (const v of msg.via) lines.push(`Via: ${formatVia(v)}`);
  lines.push(`From: ${formatNameAddr(msg.from)}`, `To: ${formatNameAddr(msg.to)}`, `Call-ID: ${msg.callId}`, `CSeq: ${msg.cseq.seq} ${msg.cseq.method}`);
  if (msg.kind === 'request' && msg.maxForwards !== undefined) lines.push(`Max-Forwards: ${msg.maxForwards}`);
  if (msg.contactStar) lines.push('Contact: *');
  else for (const c of msg.contact) lines.push(`Contact: ${formatNameAddr(c)}`);
  for (const h of msg.headers) {
    const name = canonicalHeaderName(h.name);
    if (!STRUCTURED.has(name)) lines.push(`${name}: ${h.value}`);
  }
  for (const line of lines) {
    // A CR or LF inside a value would end the header early: refuse rather than let it inject headers.
    if (line.includes('\r') || line.includes('\n')) throw new TypeError(`CR or LF inside "${line.slice(0, 40)}"`);
  }
  lines.push(`Content-Length: ${msg.body.length}`, '', '');
  const head = Buffer.from(lines.join('\r\n'), 'utf8');
  return msg.body.length === 0 ? head : Buffer.concat([head, msg.body]);
}
