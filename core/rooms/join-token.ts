// The join token (issue 17): the web checked a browser's PIN, and the WebRTC
// gateway's SIP call carries this token in X-Bridge-Join so that the IVR puts
// the leg straight into the room with that role, no prompts. HMAC-SHA256 over
// the JSON claims, base64url both: `<claims>.<mac>`. Short-lived (~30 s): it
// only has to outlive the gateway's INVITE.
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** The SIP header that carries the token. */
export const JOIN_HEADER = 'X-Bridge-Join';

/** 'relay': another node of the cluster relays a caller whose PIN it checked to the room's host (ivr/flows/relay.ts). */
export type JoinKind = 'webrtc' | 'listen' | 'relay';

export interface JoinClaims {
  /** The room number. */
  room: string;
  role: 'chair' | 'guest';
  kind: JoinKind;
  /** Shown on the console (webrtc); '' when none. */
  name: string;
  /** Expiry, ms since the epoch. */
  exp: number;
  /** This join's id: the page finds its participant by it (webrtc), the console its listeners (listen: the link's key). */
  jti: string;
  /** 'relay': the node that relays the caller (its loss ends the relayed leg here). */
  node?: string;
  /** 'relay': a caller already in the room whose host was lost: admitted again even if the room is locked. */
  rejoin?: boolean;
}

export type JoinTokenFailure = 'malformed' | 'bad_signature' | 'expired';

export class JoinTokenError extends Error {
  constructor(readonly reason: JoinTokenFailure) {
    super(`join token refused: ${reason}`);
    this.name = 'JoinTokenError';
  }
}

const MAX_TOKEN_CHARS = 2048;

export class JoinTokenSigner {
  private readonly key: Buffer;

  /** `secret` unset: a random key for this process (web and IVR in one process share it). */
  constructor(secret: string | undefined, private readonly ttlMs = 30_000) {
    this.key = secret !== undefined ? Buffer.from(secret, 'utf8') : randomBytes(32);
  }

  sign(c: Omit<JoinClaims, 'exp' | 'jti'> & { jti?: string }, now: number): string {
    const claims: JoinClaims = { room: c.room, role: c.role, kind: c.kind, name: c.name, exp: now + this.ttlMs, jti: c.jti ?? randomUUID(), ...(c.node ? { node: c.node } : {}), ...(c.rejoin ? { rejoin: true } : {}) };
    const body = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  /** The claims of a good token; JoinTokenError otherwise. */
  verify(token: string, now: number): JoinClaims {
    if (token.length > MAX_TOKEN_CHARS) throw new JoinTokenError('malformed');
    const [body, mac, extra] = token.trim().split('.');
    if (!body || !mac || extra !== undefined) throw new JoinTokenError('malformed');
    const given = Buffer.from(mac, 'base64url');
    const want = this.mac(body);
    if (given.length !== want.length || !timingSafeEqual(given, want)) throw new JoinTokenError('bad_signature');
    const claims = parseClaims(body);
    if (claims.exp <= now) throw new JoinTokenError('expired');
    return claims;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }
}

function parseClaims(body: string): JoinClaims {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new JoinTokenError('malformed');
  }
  if (typeof v !== 'object' || v === null) throw new JoinTokenError('malformed');
  const o = v as Record<string, unknown>;
  const ok = typeof o.room === 'string' && (o.role === 'chair' || o.role === 'guest') && (o.kind === 'webrtc' || o.kind === 'listen' || o.kind === 'relay')
    && typeof o.name === 'string' && typeof o.exp === 'number' && typeof o.jti === 'string' && (o.node === undefined || typeof o.node === 'string') && (o.rejoin === undefined || o.rejoin === true);
  if (!ok) throw new JoinTokenError('malformed');
  return {
    room: o.room as string, role: o.role as JoinClaims['role'], kind: o.kind as JoinKind, name: o.name as string, exp: o.exp as number, jti: o.jti as string,
    ...(typeof o.node === 'string' ? { node: o.node } : {}), ...(o.rejoin === true ? { rejoin: true } : {}),
  };
}
