// SDES (RFC 4568): the a=crypto attribute that carries SRTP master keys in
// SDP. `a=crypto:<tag> <suite> inline:<base64 key||salt>[|<lifetime>][|<MKI>:<len>] [<session params>]`.
// Pure functions: parse one attribute, pick the first we can use from an
// offer, write ours. Keys come from crypto.randomBytes.
import { randomBytes } from 'node:crypto';
import { isSrtpSuite, SRTP_MASTER_LENGTH, type SrtpSuite } from '../../rtp/srtp.ts';

/** One usable a=crypto line. */
export interface SdesCrypto {
  /** 1–9 digits (RFC 4568 §9.1); the answer repeats the chosen one. */
  tag: number;
  suite: SrtpSuite;
  /** key||salt, base64 (30 bytes decoded). */
  key: string;
}

/** The parts of an a=crypto attribute, as sdp-transform gives them (MediaDescription['crypto']). */
export interface CryptoAttribute {
  id: number;
  suite: string;
  config: string;
  sessionConfig?: string;
}

/** Why a line is not usable (for logs and tests), or the line. */
export type CryptoParse = { ok: true; crypto: SdesCrypto } | { ok: false; reason: string };

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Lifetime: a decimal count or 2^n (RFC 4568 §6.1); we accept and ignore it (our sessions are far shorter). */
const LIFETIME = /^(?:\d{1,20}|2\^\d{1,2})$/;

/**
 * Reads one a=crypto attribute. Refused, with a reason: an unknown suite,
 * more than one key, a key that is not 30 bytes of base64, an MKI (we send
 * and accept packets without one), or any session parameter
 * (UNENCRYPTED_SRTP, KDR=, WSH=, FEC_…: none is one we implement).
 */
export function parseCrypto(a: CryptoAttribute): CryptoParse {
  const tag = Number(a.id);
  if (!Number.isInteger(tag) || tag < 0 || tag > 999_999_999) return { ok: false, reason: 'bad tag' };
  const suite = String(a.suite);
  if (!isSrtpSuite(suite)) return { ok: false, reason: `unsupported suite ${suite}` };
  if (a.sessionConfig !== undefined && String(a.sessionConfig) !== '') return { ok: false, reason: `session parameters not supported: ${a.sessionConfig}` };
  const params = String(a.config);
  if (params.includes(';')) return { ok: false, reason: 'more than one key' };
  const m = /^inline:([^|]+)((?:\|[^|]*)*)$/.exec(params);
  if (!m) return { ok: false, reason: 'key method is not inline:' };
  const key = m[1]!;
  if (!BASE64.test(key) || Buffer.from(key, 'base64').length !== SRTP_MASTER_LENGTH) return { ok: false, reason: 'key is not 30 bytes of base64' };
  const extras = m[2]!.split('|').slice(1);
  for (const x of extras) {
    if (x.includes(':')) return { ok: false, reason: 'MKI not supported' };
    if (!LIFETIME.test(x)) return { ok: false, reason: `bad key parameter ${x}` };
  }
  return { ok: true, crypto: { tag, suite, key } };
}

/** The first line of an offer (its order of preference) we can use, or undefined. */
export function chooseCrypto(lines: readonly CryptoAttribute[] | undefined): SdesCrypto | undefined {
  for (const a of lines ?? []) {
    const r = parseCrypto(a);
    if (r.ok) return r.crypto;
  }
  return undefined;
}

/** A fresh master key||salt, base64. */
export function newMasterKey(): string {
  return randomBytes(SRTP_MASTER_LENGTH).toString('base64');
}

/** Our a=crypto attribute for `c` (sdp-transform's shape). */
export function cryptoAttribute(c: SdesCrypto): CryptoAttribute {
  return { id: c.tag, suite: c.suite, config: `inline:${c.key}` };
}

/** The attribute value as written after "a=crypto:". */
export function formatCrypto(c: SdesCrypto): string {
  return `${c.tag} ${c.suite} inline:${c.key}`;
}
