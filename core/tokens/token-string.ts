// The token string: `cbt_<prefix>_<secret>`. The prefix is 10 hex digits
// (40 random bits), unique in the table and shown in lists; the secret is 32
// random bytes in base64url (43 characters). Only SHA-256(secret) is stored.
// A plain, fast hash is right here, unlike for passwords: the secret is 256
// random bits chosen by us, so there is no dictionary to try and nothing a
// slow hash would protect — whoever reads the table still cannot find a
// secret whose hash matches. Hashes are compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const FORMAT = /^cbt_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/;

export interface TokenParts { prefix: string; secret: string }

export function newTokenParts(): TokenParts {
  return { prefix: randomBytes(5).toString('hex'), secret: randomBytes(32).toString('base64url') };
}

export function tokenString(p: TokenParts): string {
  return `cbt_${p.prefix}_${p.secret}`;
}

/** The parts of a presented token; undefined when it is not one of ours. */
export function parseToken(s: string): TokenParts | undefined {
  if (s.length > 80) return undefined;
  const m = FORMAT.exec(s);
  return m ? { prefix: m[1]!, secret: m[2]! } : undefined;
}

export function secretHash(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Does the secret hash to the stored hash? Constant time in the secret. */
export function secretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(secretHash(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && a.length === 32 && timingSafeEqual(a, b);
}
