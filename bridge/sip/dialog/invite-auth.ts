// Answering a 401/407 to an INVITE we sent (RFC 3261 §22.2, §22.3; RFC 8760
// for SHA-256): the same INVITE again — same Call-ID, From tag and To — with
// CSeq + 1, a new branch, and Authorization / Proxy-Authorization for the
// best usable challenge (SHA-256 before MD5). One retry per INVITE; a second
// challenge is answered only when it says stale=true (a new nonce for the
// same credentials), so a wrong password ends the call after two INVITEs.
import { randomBytes } from 'node:crypto';
import { credentialsFor, parseChallenge, pickChallenge, type DigestChallenge } from '../auth/challenge.ts';
import { formatUri } from '../grammar/uri.ts';
import { getHeaderValues } from '../message/headers.ts';
import { newBranch } from '../message/identifiers.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';

export interface DigestCredentials { username: string; password: string }

/** How many challenges have been answered for this call. */
export interface AuthAttempts { count: number }

function challenges(res: SipResponse): DigestChallenge[] {
  const name = res.status === 407 ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  const out: DigestChallenge[] = [];
  for (const v of getHeaderValues(res, name)) {
    try { out.push(parseChallenge(v)); } catch { /* a challenge we cannot read is skipped */ }
  }
  return out;
}

/**
 * The INVITE to send in answer to `res` (401 or 407), or null when the call
 * should fail with `res`: no credentials, no usable challenge, or already
 * answered once and the new challenge is not stale.
 */
export function authorizedInvite(req: SipRequest, res: SipResponse, creds: DigestCredentials | undefined, attempts: AuthAttempts): SipRequest | null {
  if (!creds || (res.status !== 401 && res.status !== 407)) return null;
  const c = pickChallenge(challenges(res));
  if (!c) return null;
  if (attempts.count >= 2 || (attempts.count === 1 && !c.stale)) return null;
  attempts.count++;
  const header = res.status === 407 ? 'Proxy-Authorization' : 'Authorization';
  const value = credentialsFor(c, { username: creds.username, password: creds.password, method: 'INVITE', uri: formatUri(req.uri), cnonce: randomBytes(8).toString('hex') });
  const top = req.via[0]!;
  return {
    ...req,
    via: [{ ...top, params: new Map([...top.params].map(([k, v]) => [k, k === 'branch' ? newBranch() : v] as [string, string | null])) }, ...req.via.slice(1)],
    cseq: { seq: req.cseq.seq + 1, method: 'INVITE' },
    headers: [...req.headers.filter((h) => h.name !== header), { name: header, value }],
  };
}
