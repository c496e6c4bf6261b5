// The browser join's JSON API (issue 17), public (no login: the PIN is the
// key; CSRF by the pre-session cookie the join page sets): check the PIN for
// a ticket, send the WebRTC offer, mute, read the room's state, leave. The
// ticket travels in the body, never in a URL.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import type { BrowserJoinService } from './join-service.ts';

const TAG = 'join';
const ticket = z.string().regex(/^[A-Za-z0-9_-]{20,64}$/);
/** A complete offer with its candidates is a few kB; Chromium's is ~3 kB. */
export const offerSdp = z.string().min(10).max(20_000);

export function registerJoinRoutes(api: ApiRouter, join: BrowserJoinService): void {
  api.add({
    method: 'post', path: '/api/join/pin', tag: TAG, access: 'public',
    summary: 'Check a room number and PIN for joining from the browser: a ticket and the role. 403 wrong room or PIN, 429 too many attempts (5 per address / 50 per room in 10 min), 409 the meeting is not open',
    body: z.object({ room: z.string().regex(/^[0-9]{4,12}$/), pin: z.string().regex(/^[0-9]{0,8}$/), name: z.string().max(64).default('') }).strict(),
    handler: (c) => join.checkPin(c.body, c.req.ip ?? ''),
  });
  api.add({
    method: 'post', path: '/api/join/offer', tag: TAG, access: 'public',
    summary: 'Send the browser\'s WebRTC offer (complete, no trickle): the answer once the meeting took the call',
    body: z.object({ ticket, offerSdp }).strict(),
    handler: (c) => join.offer(c.body.ticket, c.body.offerSdp),
  });
  api.add({
    method: 'post', path: '/api/join/mute', tag: TAG, access: 'public', summary: 'Mute or unmute this browser in the meeting (a self-mute)',
    body: z.object({ ticket, muted: z.boolean() }).strict(),
    handler: (c) => join.mute(c.body.ticket, c.body.muted),
  });
  api.add({
    method: 'post', path: '/api/join/state', tag: TAG, access: 'public', summary: 'This browser\'s state and its room\'s participants (who talks, who is muted)',
    body: z.object({ ticket }).strict(),
    handler: (c) => join.state(c.body.ticket),
  });
  api.add({
    method: 'post', path: '/api/join/leave', tag: TAG, access: 'public', summary: 'Leave the meeting (the call is hung up)',
    body: z.object({ ticket }).strict(),
    handler: async (c) => { await join.leave(c.body.ticket); },
  });
}
