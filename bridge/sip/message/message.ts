// The SIP message model (RFC 3261 §7, §20, §25): what the parser produces, the
// serialiser writes and the transaction and dialog layers work on. Its parts
// (URIs, name-addrs, Via, CSeq) are the grammar's values (../grammar/types.ts).
//
// Header names are kept in their canonical long form ("Via", "Call-ID",
// "Content-Length", …); compact forms (v, i, f, t, m, l, c, k, s, e, o, u, r, x,
// y, b) are expanded by the parser. Every header line is kept in order as a raw
// value; the headers that the stack relies on are parsed eagerly and strictly
// (Via, From, To, Call-ID, CSeq, Max-Forwards, Contact, Content-Length,
// Content-Type) so a message that reaches a transaction is well formed.
import type { CSeq, NameAddr, SipUri, Via } from '../grammar/types.ts';

export interface HeaderField {
  /** Canonical name (long form, canonical capitalisation for known headers, as written otherwise). */
  name: string;
  /** Raw value, folding (CRLF + WSP) already replaced by a single space, outer whitespace trimmed. */
  value: string;
}

interface SipMessageBase {
  /** Every header line in wire order (multiple values on one line stay one field). */
  headers: HeaderField[];
  /** Top-most first. */
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
  /** Contact values; empty when absent. `star` is true for "Contact: *". */
  contact: NameAddr[];
  contactStar?: boolean;
  /** Lower-cased media type with parameters stripped, e.g. "application/sdp". */
  contentType?: string;
  body: Buffer;
}

export interface SipRequest extends SipMessageBase {
  kind: 'request';
  /** Upper-case method token as received ("INVITE", "BYE", or any extension token). */
  method: string;
  uri: SipUri;
  maxForwards?: number;
}

export interface SipResponse extends SipMessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;
