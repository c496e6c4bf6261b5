// The values the SIP grammar reads and writes (RFC 3261 §19.1, §20, §25.1):
// URIs, name-addrs, Via entries, CSeq and parameter lists. The message model
// (../message/message.ts) is built from them.

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
