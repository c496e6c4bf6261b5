// INVITEs with a broken Call-ID, From, To or CSeq (RFC 4475 §3.1.2 style:
// missing, malformed, given twice), each on a fresh branch, for the unit test
// of the 400 context and the wire test against a running bridge.

export interface BrokenRequest {
  /** The header that is broken. */
  header: 'Call-ID' | 'From' | 'To' | 'CSeq';
  what: string;
  /** The line that replaces the good one; null removes it; two lines give it twice. */
  lines: string[];
}

const GOOD: Record<BrokenRequest['header'], string> = {
  'Call-ID': 'Call-ID: broken-CALL@127.0.0.1',
  From: 'From: "Tester" <sip:tester@127.0.0.1>;tag=f-CALL',
  To: 'To: <sip:4008001000@127.0.0.1>',
  CSeq: 'CSeq: 7 INVITE',
};

export const BROKEN: BrokenRequest[] = [
  { header: 'Call-ID', what: 'missing', lines: [] },
  { header: 'Call-ID', what: 'a space inside', lines: ['Call-ID: abc def'] },
  { header: 'Call-ID', what: 'two @', lines: ['Call-ID: a@b@c'] },
  { header: 'Call-ID', what: 'empty', lines: ['Call-ID: '] },
  { header: 'Call-ID', what: 'given twice', lines: ['Call-ID: one@x', 'Call-ID: two@x'] },
  { header: 'From', what: 'missing', lines: [] },
  { header: 'From', what: 'an unclosed <', lines: ['From: <sip:tester@127.0.0.1;tag=1'] },
  { header: 'From', what: 'an unterminated quote (§3.1.2.6)', lines: ['From: "Mr. Tester <sip:tester@127.0.0.1>;tag=1'] },
  { header: 'From', what: 'a non-token display name (§3.1.2.15)', lines: ['From: Bell, Alexander <sip:a.g.bell@example.com>;tag=43'] },
  { header: 'From', what: 'given twice', lines: ['From: <sip:a@x>;tag=1', 'From: <sip:b@x>;tag=2'] },
  { header: 'To', what: 'missing', lines: [] },
  { header: 'To', what: 'spaces inside the addr-spec (§3.1.2.14)', lines: ['To: "Watson, Thomas" < sip:t.watson@example.org >'] },
  { header: 'To', what: 'an unknown URI scheme (§3.3.4)', lines: ['To: isbn:2983792873'] },
  { header: 'To', what: 'no URI', lines: ['To: '] },
  { header: 'To', what: 'given twice', lines: ['To: <sip:a@x>', 'To: <sip:b@x>'] },
  { header: 'CSeq', what: 'missing', lines: [] },
  { header: 'CSeq', what: 'a number over 2^31 (§3.1.2.4)', lines: ['CSeq: 36893488147419103232 INVITE'] },
  { header: 'CSeq', what: 'no number', lines: ['CSeq: INVITE'] },
  { header: 'CSeq', what: 'no method', lines: ['CSeq: 9'] },
  { header: 'CSeq', what: 'a negative number', lines: ['CSeq: -5 INVITE'] },
  { header: 'CSeq', what: 'given twice', lines: ['CSeq: 7 INVITE', 'CSeq: 8 INVITE'] },
];

/** The INVITE with `b` broken, from `host:port`, top Via branch `branch`; `tag` makes its identifiers unique. */
export function brokenInvite(b: BrokenRequest, o: { host: string; port: number; branch: string; tag: string; method?: string }): Buffer {
  const method = o.method ?? 'INVITE';
  const headers: string[] = [`Via: SIP/2.0/UDP ${o.host}:${o.port};branch=${o.branch};rport`, 'Max-Forwards: 70'];
  for (const name of ['From', 'To', 'Call-ID', 'CSeq'] as const) {
    const good = GOOD[name].replace('CALL', o.tag).replace(' INVITE', ` ${method}`);
    headers.push(...(name === b.header ? b.lines : [good]));
  }
  headers.push(`Contact: <sip:tester@${o.host}:${o.port}>`, 'Content-Length: 0');
  return Buffer.from(`${method} sip:4008001000@127.0.0.1 SIP/2.0\r\n${headers.join('\r\n')}\r\n\r\n`);
}
