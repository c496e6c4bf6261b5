// Header names (RFC 3261 §7.3.3 compact forms, §20 canonical spelling, §7.3.1
// list headers).

const COMPACT_FORMS: ReadonlyMap<string, string> = new Map([
  ['a', 'Accept-Contact'], ['b', 'Referred-By'], ['c', 'Content-Type'], ['d', 'Request-Disposition'],
  ['e', 'Content-Encoding'], ['f', 'From'], ['i', 'Call-ID'], ['j', 'Reject-Contact'], ['k', 'Supported'],
  ['l', 'Content-Length'], ['m', 'Contact'], ['o', 'Event'], ['r', 'Refer-To'], ['s', 'Subject'],
  ['t', 'To'], ['u', 'Allow-Events'], ['v', 'Via'], ['x', 'Session-Expires'], ['y', 'Identity'],
]);

const KNOWN_NAMES: ReadonlyMap<string, string> = new Map([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Transfer-Encoding', 'Content-Type', 'CSeq',
  'Date', 'Diversion', 'Error-Info', 'Event', 'Expires', 'From', 'History-Info', 'Identity', 'Identity-Info',
  'In-Reply-To', 'Max-Forwards', 'Min-Expires', 'Min-SE', 'MIME-Version', 'Organization', 'P-Asserted-Identity',
  'P-Preferred-Identity', 'Path', 'Priority', 'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization',
  'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Refer-Sub', 'Refer-To', 'Referred-By', 'Reject-Contact',
  'Replaces', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After', 'Route', 'RSeq', 'Security-Client',
  'Security-Server', 'Security-Verify', 'Server', 'Service-Route', 'Session-Expires', 'SIP-ETag', 'SIP-If-Match',
  'Subject', 'Subscription-State', 'Supported', 'Target-Dialog', 'Timestamp', 'To', 'Unsupported', 'User-Agent',
  'Via', 'Warning', 'WWW-Authenticate',
].map((name) => [name.toLowerCase(), name]));
/** The known names as the RFC spells them: what most peers write, answered without lower-casing. */
const CANONICAL: ReadonlySet<string> = new Set(KNOWN_NAMES.values());

/**
 * The canonical long form of a header name: compact forms expanded, known
 * names in their RFC spelling ("cseq" → "CSeq"), unknown names as given.
 */
export function canonicalHeaderName(name: string): string {
  if (CANONICAL.has(name)) return name; // the parser's hot path: one look-up, no new string
  const lower = name.toLowerCase();
  return (lower.length === 1 ? COMPACT_FORMS.get(lower) : KNOWN_NAMES.get(lower)) ?? name;
}

/** Headers whose values are comma-separated lists (RFC 3261 §7.3.1), so one line may hold several. */
const LIST_HEADERS = new Set([
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Call-Info', 'Contact', 'Content-Encoding', 'Content-Language', 'Error-Info', 'History-Info', 'In-Reply-To',
  'P-Asserted-Identity', 'P-Preferred-Identity', 'Path', 'Proxy-Require', 'Reason', 'Record-Route',
  'Reject-Contact', 'Require', 'Route', 'Security-Client', 'Security-Server', 'Security-Verify', 'Service-Route',
  'Supported', 'Unsupported', 'Via', 'Warning',
]);

export function isListHeader(name: string): boolean {
  return LIST_HEADERS.has(canonicalHeaderName(name));
}
