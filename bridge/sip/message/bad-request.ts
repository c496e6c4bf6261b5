// The context of a request the strict parser refused, so that the transport
// can answer it with 400 and the sender stops retransmitting (RFC 3261 §8.2,
// §17.1.1.2: without a response a UDP client retransmits for 64·T1 = 32 s).
//
// A client matches a response to its transaction by the top Via's branch and
// sent-by and the CSeq method (RFC 3261 §17.1.3), so those are what must be
// right; the other headers are echoed when they can be read. What we chose
// when they cannot (missing, malformed, or given more than once), keeping the
// response itself well formed so that a strict client does not drop it:
//
//   Via      every entry that parses, from the top, up to the first that does not;
//            the top one must parse, else there is nowhere to answer and no context
//   From     <sip:thisis@anonymous.invalid> (the anonymous URI of RFC 3261 §8.1.1.3)
//   To       the same, with a tag of ours (as every To of a response > 100 gets)
//   Call-ID  a fresh one @anonymous.invalid
//   CSeq     the request line's method, and the sequence number read from the
//            first CSeq's leading digits when they are a number below 2^31, else 0
//
// A header value holding bytes that were not UTF-8 (U+FFFD after decoding) is
// unreadable: not something to copy into a response.
import { isToken } from '../grammar/char-classes.ts';
import { parseNameAddrAs } from '../grammar/name-addr.ts';
import { SipParseError, type SipParseContext } from '../grammar/parse-error.ts';
import { parseCSeq, parseCallId } from '../grammar/scalar-headers.ts';
import { splitHeaderList } from '../grammar/scanner.ts';
import type { CSeq, NameAddr, Via } from '../grammar/types.ts';
import { parseVia } from '../grammar/via.ts';
import { type FieldIndex, indexFields, readHeaderFields } from './header-fields.ts';
import { newCallId } from './identifiers.ts';
import { isStatusLine } from './start-line.ts';

/** The host of the placeholders (RFC 2606 reserves .invalid). */
export const UNREADABLE_HOST = 'anonymous.invalid';

const CRLF_CRLF = Buffer.from('\r\n\r\n');

/**
 * After a strict parse failed: if the message is a request whose method and
 * top Via can be read, returns what a 400 echoes, with placeholders (listed
 * in `unreadable`) for the From, To, Call-ID and CSeq that could not be read.
 */
export function salvageContext(buf: Buffer, start: number): SipParseContext | undefined {
  const headEnd = buf.indexOf(CRLF_CRLF, start);
  const lines = buf.subarray(start, headEnd < 0 ? buf.length : headEnd).toString('utf8').split('\r\n');
  const startLine = lines[0] ?? '';
  const sp = startLine.indexOf(' ');
  const method = startLine.slice(0, sp);
  if (sp <= 0 || !isToken(method) || isStatusLine(startLine)) return undefined;
  const index = indexFields(readHeaderFields(lines, false));
  const via = readVias(index.get('Via') ?? []);
  if (via.length === 0) return undefined;
  const unreadable: string[] = [];
  const from = readOne(index, 'From', (v) => parseNameAddrAs(v, 'From', false));
  const to = readOne(index, 'To', (v) => parseNameAddrAs(v, 'To', false));
  const callId = readOne(index, 'Call-ID', parseCallId);
  const cseq = readOne(index, 'CSeq', parseCSeq);
  if (!from) unreadable.push('From');
  if (!to) unreadable.push('To');
  if (callId === undefined) unreadable.push('Call-ID');
  if (!cseq) unreadable.push('CSeq');
  return {
    method, via,
    from: from ?? anonymous(),
    to: to ?? anonymous(),
    callId: callId ?? newCallId(UNREADABLE_HOST),
    cseq: cseq ?? { seq: bestSeq(index.get('CSeq')?.[0]), method },
    unreadable,
  };
}

/** The Via entries that parse, top first, up to the first that does not. */
function readVias(values: string[]): Via[] {
  const out: Via[] = [];
  for (const value of values) {
    if (value.includes('\uFFFD')) return out;
    for (const part of splitHeaderList(value)) {
      const via = attempt(() => parseVia(part)[0]);
      if (!via) return out;
      out.push(via);
    }
  }
  return out;
}

/** One header given exactly once, readable and well formed; else undefined. */
function readOne<T>(index: FieldIndex, name: string, parse: (value: string) => T): T | undefined {
  const values = index.get(name);
  if (values?.length !== 1 || values[0]!.includes('\uFFFD')) return undefined;
  return attempt(() => parse(values[0]!));
}

function attempt<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SipParseError) return undefined;
    throw err;
  }
}

function anonymous(): NameAddr {
  return { uri: { scheme: 'sip', user: 'thisis', host: UNREADABLE_HOST, params: new Map(), headers: new Map() }, params: new Map() };
}

/** The leading digits of a broken CSeq when they make a valid sequence number (RFC 3261 §8.1.1.5: below 2^31). */
function bestSeq(value: string | undefined): CSeq['seq'] {
  const m = /^\s*(\d{1,10})(?!\d)/.exec(value ?? '');
  const n = m ? Number(m[1]) : 0;
  return n < 2 ** 31 ? n : 0;
}
