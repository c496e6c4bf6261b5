// The SIP message model (RFC 3261 §7, §20, §25): what the parser produces, the
// serialiser writes and the transaction and dialog layers work on.
//
// Header names are kept in their canonical long form ("Via", "Call-ID",
// "Content-Length", …); compact forms (v, i, f, t, m, l, c, k, s, e, o, u, r, x,
// y, b) are expanded by the parser. Every header line is kept in order as a raw
// value; the headers that the stack relies on are parsed eagerly and strictly
// (Via, From, To, Call-ID, CSeq, Max-Forwards, Contact, Content-Length,
// Content-Type) so a message that reaches a transaction is well formed.

/** Ordered, case-insensitive parameter list (URI, Via, name-addr params). `null` = flag without value. */
export type Params = Map<string, string | null>;

export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  /** Unescaped user part (e.g. "888888", "alice", "+8613800138000"). */
  user?: string;
  password?: string;
  /** Host name, IPv4 address, or IPv6 reference in brackets ("[::1]"). Lower-cased. */
  host: string;
  port?: number;
  /** URI parameters, names lower-cased, values unescaped. */
  params: Params;
  /** URI headers (?name=value&…), names as written, values unescaped. */
  headers: Map<string, string>;
}

/** name-addr / addr-spec with header parameters: From, To, Contact, Route, Record-Route. */
export interface NameAddr {
  /** Display name without quotes and with quoted-pair escapes removed. */
  displayName?: string;
  uri: SipUri;
  /** Header parameters (after the URI), names lower-cased (e.g. "tag", "expires"). */
  params: Params;
}

export interface Via {
  /** "UDP", "TCP", "TLS", … upper-cased. */
  transport: string;
  host: string;
  port?: number;
  /** Names lower-cased: "branch", "received", "rport" (null when present without value), "maddr", "ttl". */
  params: Params;
}

export interface CSeq {
  seq: number;
  method: string;
}

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
