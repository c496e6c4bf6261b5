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
// Each value is written by the grammar that reads it (../grammar/).
import { canonicalHeaderName } from '../grammar/header-names.ts';
import { formatNameAddr } from '../grammar/name-addr.ts';
import { formatUri } from '../grammar/uri.ts';
import { formatVia } from '../grammar/via.ts';
import type { SipMessage } from './message.ts';

/** Headers written from the model's fields; their entries in `headers` are ignored. */
const STRUCTURED = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Contact', 'Content-Length']);

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
