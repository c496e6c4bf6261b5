// Strict RFC 3261 parser: one complete SIP message (a UDP datagram, or a
// message cut from a stream by StreamFramer) → SipMessage.
//
//   generic-message = start-line *message-header CRLF [ message-body ]    (RFC 3261 §7)
//
// The header section is decoded as UTF-8 (the grammar allows only well-formed
// UTF8-NONASCII sequences) and parsed as a string; the body stays bytes.
// Every header line is kept raw in `headers`; Via, From, To, Call-ID, CSeq,
// Max-Forwards, Contact, Content-Length, Content-Type and Date are checked
// strictly, so a message that reaches a transaction is well formed. The start
// line is read by ./start-line.ts, the header lines by ./header-fields.ts and
// each header value by the grammar (../grammar/).
import { isUtf8 } from 'node:buffer';
import { parseContactValue, parseNameAddrAs } from '../grammar/name-addr.ts';
import { SipParseError, type SipParseContext } from '../grammar/parse-error.ts';
import {
  MAX_MESSAGE_SIZE, checkDate, parseCSeq, parseCallId, parseContentLength, parseContentType, parseMaxForwards,
} from '../grammar/scalar-headers.ts';
import { splitHeaderList } from '../grammar/scanner.ts';
import { parseVia } from '../grammar/via.ts';
import { type FieldIndex, indexFields, readHeaderFields, required, single } from './header-fields.ts';
import type { SipMessage } from './message.ts';
import { isStatusLine, parseRequestLine, parseStatusLine } from './start-line.ts';
import { salvageContext } from './bad-request.ts';

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/** Index of the first byte after any CRLFs before the start line (RFC 3261 §7.5, RFC 5626 keep-alives). */
export function skipLeadingCrlf(buf: Buffer, from = 0): number {
  let i = from;
  while (i < buf.length && (buf[i] === 0x0d || buf[i] === 0x0a)) i++;
  return i;
}

/**
 * Parses one complete SIP message. Throws SipParseError on any malformation;
 * for a request whose method and top Via can be read the error carries what a
 * 400 echoes as `context` (./bad-request.ts: placeholders for a From, To,
 * Call-ID or CSeq that cannot be read) so that the caller can answer it.
 */
export function parseMessage(buf: Buffer): SipMessage {
  try {
    return parseStrict(buf);
  } catch (err) {
    if (err instanceof SipParseError && err.context === undefined) {
      const context = salvageContext(buf, skipLeadingCrlf(buf));
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

/** Via, From, To, Call-ID, CSeq: required in every request and response (RFC 3261 §8.1.1). */
function parseCoreHeaders(index: FieldIndex): Omit<SipParseContext, 'method' | 'unreadable'> {
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
