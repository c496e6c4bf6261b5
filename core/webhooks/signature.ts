// Webhook signatures: what we send, and the check a receiver makes (the
// README's "Receiving webhooks" shows it; the tests verify with this very
// function). The header is
//   X-Bridge-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
// The timestamp is inside the signed text, so an old request replayed is
// refused by its age (default: more than 5 minutes from the receiver's
// clock) and cannot be given a new time without the secret. Several v1=
// values may come (one per secret while a secret is replaced); one match
// is enough. Compared in constant time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Bridge-Signature';
export const EVENT_HEADER = 'X-Bridge-Event';
export const DELIVERY_HEADER = 'X-Bridge-Delivery';
/** How far a signature's time may be from the receiver's clock. */
export const DEFAULT_TOLERANCE_S = 300;

/** A new signing secret: "whsec_" and 32 random bytes (base64url). The whole string is the HMAC key. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, t: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

/** The header value for `body` sent at `unixSeconds`. */
export function signatureHeader(secret: string, body: string | Buffer, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmacHex(secret, unixSeconds, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: 'malformed' | 'too_old' | 'bad_signature' };

/**
 * The receiver's check: `rawBody` exactly as received (before any JSON
 * parsing), `header` the X-Bridge-Signature value. Refuses a malformed
 * header, a timestamp more than `toleranceS` from `now`, and a signature
 * that does not match.
 */
export function verifySignature(secret: string, header: string | undefined | null, rawBody: string | Buffer, opts: { now?: Date; toleranceS?: number } = {}): VerifyResult {
  if (!header || header.length > 2000) return { ok: false, reason: 'malformed' };
  let t: number | undefined;
  const sigs: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === undefined || sigs.length === 0) return { ok: false, reason: 'malformed' };
  const nowS = Math.floor((opts.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowS - t) > (opts.toleranceS ?? DEFAULT_TOLERANCE_S)) return { ok: false, reason: 'too_old' };
  const expected = Buffer.from(hmacHex(secret, t, rawBody), 'hex');
  const ok = sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
  return ok ? { ok: true, timestamp: t } : { ok: false, reason: 'bad_signature' };
}
