// Digest challenges (WWW-Authenticate / Proxy-Authenticate, RFC 3261 §25.1
// `challenge`, RFC 7616 §3.3) read with the project's SIP scanner, and the
// Authorization / Proxy-Authorization value answering one (RFC 3261 §22.4).
import { Scanner, splitHeaderList } from '../grammar/scanner.ts';
import { digestResponse, type DigestAlgorithm } from './digest.ts';

export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  stale: boolean;
  /** Upper-cased as received; MD5 when absent. */
  algorithm: string;
  /** The qop options offered (lower case); empty when none. */
  qop: string[];
}

const EQ = 0x3d;

/** One challenge value; throws SipParseError when it is not a well-formed Digest challenge. */
export function parseChallenge(value: string): DigestChallenge {
  const sc = new Scanner(value, 'challenge');
  sc.skipWs();
  const scheme = sc.takeToken('auth-scheme');
  if (scheme.toLowerCase() !== 'digest') sc.fail(`scheme ${scheme} is not Digest`);
  const rest = value.slice(value.toLowerCase().indexOf('digest') + 6);
  const p = new Map<string, string>();
  for (const item of splitHeaderList(rest)) {
    const s = new Scanner(item, 'auth-param');
    s.skipWs();
    const name = s.takeToken('auth-param name').toLowerCase();
    s.skipWs();
    s.expect(EQ, '=');
    s.skipWs();
    p.set(name, s.peek() === 0x22 ? s.takeQuoted().value : s.takeToken(`${name} value`));
    s.skipWs();
    s.expectEnd();
  }
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined) sc.fail('a Digest challenge needs realm and nonce');
  return {
    realm: realm!, nonce: nonce!, stale: p.get('stale')?.toLowerCase() === 'true',
    algorithm: (p.get('algorithm') ?? 'MD5').toUpperCase(),
    qop: (p.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase()).filter((q) => q !== ''),
    ...(p.has('opaque') ? { opaque: p.get('opaque')! } : {}),
  };
}

const SUPPORTED: Record<string, DigestAlgorithm> = { 'MD5': 'MD5', 'MD5-SESS': 'MD5-sess', 'SHA-256': 'SHA-256', 'SHA-256-SESS': 'SHA-256-sess' };

/** The algorithm we answer a challenge with, or null when we cannot (unknown algorithm, qop without auth). */
export function usableAlgorithm(c: DigestChallenge): DigestAlgorithm | null {
  if (c.qop.length > 0 && !c.qop.includes('auth')) return null;
  return SUPPORTED[c.algorithm] ?? null;
}

/** Of several challenges, the one to answer: SHA-256 before MD5 (RFC 8760 §2.4). */
export function pickChallenge(cs: DigestChallenge[]): DigestChallenge | null {
  const usable = cs.filter((c) => usableAlgorithm(c) !== null);
  return usable.find((c) => c.algorithm.startsWith('SHA-256')) ?? usable[0] ?? null;
}

/** The Authorization / Proxy-Authorization value answering `c` for one request (nc 00000001, fresh cnonce given by the caller). */
export function credentialsFor(c: DigestChallenge, req: { username: string; password: string; method: string; uri: string; cnonce: string }): string {
  const algorithm = usableAlgorithm(c);
  if (algorithm === null) throw new RangeError(`cannot answer a ${c.algorithm} challenge`);
  const qop = c.qop.length > 0 ? 'auth' as const : undefined;
  const withCnonce = qop !== undefined || algorithm.endsWith('-sess');
  const response = digestResponse({
    algorithm, username: req.username, password: req.password, realm: c.realm, nonce: c.nonce, method: req.method, uri: req.uri,
    ...(withCnonce ? { cnonce: req.cnonce } : {}), ...(qop ? { qop, nc: '00000001' } : {}),
  });
  const q = (s: string) => `"${s.replace(/["\\]/g, (m) => `\\${m}`)}"`;
  return [`Digest username=${q(req.username)}`, `realm=${q(c.realm)}`, `nonce=${q(c.nonce)}`, `uri=${q(req.uri)}`,
    `response=${q(response)}`, `algorithm=${algorithm}`,
    ...(withCnonce ? [`cnonce=${q(req.cnonce)}`] : []), ...(qop ? ['qop=auth', 'nc=00000001'] : []),
    ...(c.opaque !== undefined ? [`opaque=${q(c.opaque)}`] : [])].join(', ');
}
