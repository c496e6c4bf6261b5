// Digest response computation for SIP authentication (RFC 3261 §22.4,
// RFC 2617 §3.2.2, RFC 7616 §3.4.1, RFC 8760 for SHA-256 in SIP).
// Pure functions: no I/O, no logging (the password never leaves here).
import { createHash } from 'node:crypto';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  /** 'auth' or undefined when the challenge offered no qop (RFC 2069 style). */
  qop?: 'auth';
  cnonce?: string;
  /** 8 hex digits, e.g. '00000001'. */
  nc?: string;
}

function hashOf(algorithm: DigestAlgorithm): (s: string) => string {
  const name = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  return (s) => createHash(name).update(s, 'utf8').digest('hex');
}

/** The request-digest (the `response` parameter) for one request. */
export function digestResponse(input: DigestInput): string {
  const h = hashOf(input.algorithm);
  let ha1 = h(`${input.username}:${input.realm}:${input.password}`);
  if (input.algorithm.endsWith('-sess')) {
    if (!input.cnonce) throw new RangeError(`${input.algorithm} needs a cnonce`);
    ha1 = h(`${ha1}:${input.nonce}:${input.cnonce}`);
  }
  const ha2 = h(`${input.method}:${input.uri}`);
  if (input.qop === undefined) return h(`${ha1}:${input.nonce}:${ha2}`);
  if (!input.cnonce || !input.nc) throw new RangeError('qop=auth needs cnonce and nc');
  return h(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}
