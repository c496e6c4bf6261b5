// The browser join's and the listen-in links' HTTP API (issue 17) with a fake
// WebRTC gateway: the PIN's answers and attempt limits (429 with
// Retry-After, a right PIN refused while limited), CSRF, the ticket (one
// offer, the join token the gateway gets), no gateway → 503; listen-in
// links: the owner's API (another account's room 404), wrong password 403,
// expired and revoked 410, 5 wrong per link → 429, full → 409, the right
// password → the gateway's listen leg with the link as its key.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { JOIN_HEADER, JoinTokenSigner } from '../../core/rooms/join-token.ts';
import { DEMO } from '../../core/seed.ts';
import type { BrowserGateway, BrowserJoinRequest } from '../../web/join/browser-gateway.ts';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';

class FakeGateway implements BrowserGateway {
  readonly joins: BrowserJoinRequest[] = [];
  listening = 0;
  refuseWith: number | null = null;
  join(req: BrowserJoinRequest): Promise<{ id: string; answerSdp: string }> {
    this.joins.push(req);
    if (this.refuseWith !== null) return Promise.reject(Object.assign(new Error('refused'), { name: 'GatewayError', status: this.refuseWith }));
    return Promise.resolve({ id: `00000000-0000-4000-8000-${String(this.joins.length).padStart(12, '0')}`, answerSdp: 'v=0 answer' });
  }
  hangup(): Promise<void> { return Promise.resolve(); }
  listeners(): number { return this.listening; }
  on(): this { return this; }
}

const OFFER = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n';
const tokens = new JoinTokenSigner('web-test-join-secret-0123');

/** A visitor of the public pages: the pre-session CSRF token from the join page's cookie. */
async function visitor(w: TestWeb): Promise<Client> {
  const c = w.client();
  c.csrf = (await c.get('/api/auth/csrf')).json<{ csrfToken: string }>().csrfToken;
  return c;
}

describe('join from the browser: the API', () => {
  let w: TestWeb;
  const gateway = new FakeGateway();
  before(async () => { w = await startTestWeb({ browserJoin: { gateway, tokens } }); });
  after(async () => { await w.close(); });

  it('a right PIN gives a ticket; one offer with it reaches the gateway with a join token for the room and role', async () => {
    const c = await visitor(w);
    const r = await c.post('/api/join/pin', { room: DEMO.room.number, pin: DEMO.room.guestPin, name: 'Wendy <b>' });
    assert.equal(r.status, 200, r.text);
    const { ticket, role } = r.json<{ ticket: string; role: string }>();
    assert.equal(role, 'guest');
    const o = await c.post('/api/join/offer', { ticket, offerSdp: OFFER });
    assert.equal(o.status, 200, o.text);
    assert.equal(o.json<{ answerSdp: string }>().answerSdp, 'v=0 answer');
    const req = gateway.joins.at(-1)!;
    assert.equal(req.to, DEMO.room.number);
    assert.equal(req.listenKey, undefined);
    const claims = tokens.verify(req.headers[JOIN_HEADER]!, Date.now());
    assert.deepEqual([claims.room, claims.role, claims.kind, claims.name], [DEMO.room.number, 'guest', 'webrtc', 'Wendy <b>']);
    // One call per ticket.
    assert.equal((await c.post('/api/join/offer', { ticket, offerSdp: OFFER })).status, 409);
    // Not in the room (the fake gateway places no call): mute says so.
    assert.equal((await c.post('/api/join/mute', { ticket, muted: true })).status, 409);
    assert.equal((await c.post('/api/join/offer', { ticket: 'x'.repeat(32), offerSdp: OFFER })).status, 404);
  });

  it('the chair PIN makes a chair; the gateway\'s refusal is the answer', async () => {
    const c = await visitor(w);
    const { ticket, role } = (await c.post('/api/join/pin', { room: DEMO.room.number, pin: DEMO.room.chairPin, name: '' })).json<{ ticket: string; role: string }>();
    assert.equal(role, 'chair');
    gateway.refuseWith = 403;
    const o = await c.post('/api/join/offer', { ticket, offerSdp: OFFER });
    gateway.refuseWith = null;
    assert.equal(o.status, 409);
    assert.equal(o.json<{ error: string }>().error, 'join_refused');
  });

  it('without the CSRF token: 403; bad input: 400', async () => {
    const c = await visitor(w);
    assert.equal((await c.request('POST', '/api/join/pin', { body: { room: DEMO.room.number, pin: DEMO.room.guestPin }, csrf: false })).status, 403);
    assert.equal((await c.post('/api/join/pin', { room: '88<script>', pin: '1' })).status, 400);
    assert.equal((await c.post('/api/join/offer', { ticket: 'short', offerSdp: OFFER })).status, 400);
  });

  it('wrong PINs: 403 each (an unknown room alike), the sixth from the address 429 with Retry-After; a right PIN too while limited', async () => {
    const c = await visitor(w);
    for (let i = 0; i < 4; i++) {
      const r = await c.post('/api/join/pin', { room: DEMO.room.number, pin: '0000', name: '' });
      assert.equal(r.status, 403);
      assert.equal(r.json<{ error: string }>().error, 'wrong_pin');
    }
    assert.equal((await c.post('/api/join/pin', { room: '99999999', pin: '1234', name: '' })).status, 403, 'an unknown room answers as a wrong PIN');
    const limited = await c.post('/api/join/pin', { room: DEMO.room.number, pin: '0000', name: '' });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers.get('retry-after')) > 500);
    assert.equal((await c.post('/api/join/pin', { room: DEMO.room.number, pin: DEMO.room.guestPin, name: '' })).status, 429);
    w.clock.now = new Date(w.clock.now.getTime() + 11 * 60_000);
    assert.equal((await c.post('/api/join/pin', { room: DEMO.room.number, pin: DEMO.room.guestPin, name: '' })).status, 200, 'free again after 10 minutes');
  });
});

describe('listen-in links: the API', () => {
  let w: TestWeb;
  let owner: Client;
  let roomId: string;
  const gateway = new FakeGateway();
  before(async () => {
    w = await startTestWeb({ browserJoin: { gateway, tokens } });
    owner = await w.login(DEMO.owner.username, DEMO.owner.password);
    roomId = (await w.repos.rooms.findByNumber(DEMO.room.number))!.id;
  });
  after(async () => { await w.close(); });

  const link = async (body: Record<string, unknown> = {}) => {
    const r = await owner.post(`/api/rooms/${roomId}/listen-links`, { password: 'open-sesame', validMinutes: 60, maxListeners: 2, ...body });
    assert.equal(r.status, 201, r.text);
    return r.json<{ id: string; path: string; expiresAt: string }>();
  };

  it('the owner makes and lists links; a short password, a foreign room and no session are refused', async () => {
    const l = await link();
    assert.equal(l.path, `/listen/${l.id}`);
    const list = (await owner.get(`/api/rooms/${roomId}/listen-links`)).json<{ links: Array<{ id: string; listeners: number }> }>().links;
    assert.ok(list.some((x) => x.id === l.id));
    assert.equal((await owner.post(`/api/rooms/${roomId}/listen-links`, { password: 'short', validMinutes: 60, maxListeners: 2 })).status, 400);
    assert.equal((await owner.post('/api/rooms/00000000-0000-4000-8000-000000000000/listen-links', { password: 'open-sesame', validMinutes: 60, maxListeners: 2 })).status, 404);
    assert.equal((await w.client().get(`/api/rooms/${roomId}/listen-links`)).status, 401);
    const page = await w.client().get(l.path);
    assert.equal(page.status, 200);
    assert.match(page.text, /id="listen-form"/);
  });

  it('the right password: the gateway listens with the link as its key; wrong 403, full 409, revoked and expired 410', async () => {
    const l = await link();
    const c = await visitor(w);
    const wrong = await c.post(`/api/listen/${l.id}`, { password: 'nope', offerSdp: OFFER });
    assert.equal(wrong.status, 403);
    assert.match(wrong.json<{ message: string }>().message, /wrong password/);
    const ok = await c.post(`/api/listen/${l.id}`, { password: 'open-sesame', offerSdp: OFFER });
    assert.equal(ok.status, 200, ok.text);
    const req = gateway.joins.at(-1)!;
    assert.equal(req.listenKey, l.id);
    const claims = tokens.verify(req.headers[JOIN_HEADER]!, Date.now());
    assert.deepEqual([claims.kind, claims.jti, claims.room], ['listen', l.id, DEMO.room.number]);
    gateway.listening = 2;
    const full = await c.post(`/api/listen/${l.id}`, { password: 'open-sesame', offerSdp: OFFER });
    gateway.listening = 0;
    assert.equal(full.status, 409);
    assert.equal((await owner.post(`/api/rooms/${roomId}/listen-links/${l.id}/revoke`)).status, 200);
    const revoked = await c.post(`/api/listen/${l.id}`, { password: 'open-sesame', offerSdp: OFFER });
    assert.equal(revoked.status, 410);
    assert.equal(revoked.json<{ error: string }>().error, 'revoked');
    const soon = await link({ validMinutes: 1 });
    w.clock.now = new Date(w.clock.now.getTime() + 2 * 60_000);
    const expired = await c.post(`/api/listen/${soon.id}`, { password: 'open-sesame', offerSdp: OFFER });
    assert.equal(expired.status, 410);
    assert.equal(expired.json<{ error: string }>().error, 'expired');
  });

  it('five wrong passwords on a link: the next try is 429, the right password too', async () => {
    w.clock.now = new Date(w.clock.now.getTime() + 11 * 60_000); // the earlier tests' wrong password from this address ages out
    const l = await link();
    const c = await visitor(w);
    for (let i = 0; i < 5; i++) assert.equal((await c.post(`/api/listen/${l.id}`, { password: `guess-${i}`, offerSdp: OFFER })).status, 403);
    const r = await c.post(`/api/listen/${l.id}`, { password: 'open-sesame', offerSdp: OFFER });
    assert.equal(r.status, 429);
    assert.ok(r.headers.get('retry-after'));
  });
});

describe('join without a gateway', () => {
  let w: TestWeb;
  before(async () => { w = await startTestWeb(); });
  after(async () => { await w.close(); });
  it('the PIN is checked, the offer answers 503', async () => {
    const c = await visitor(w);
    const { ticket } = (await c.post('/api/join/pin', { room: DEMO.room.number, pin: DEMO.room.guestPin, name: '' })).json<{ ticket: string }>();
    const r = await c.post('/api/join/offer', { ticket, offerSdp: OFFER });
    assert.equal(r.status, 503);
    assert.equal(r.json<{ error: string }>().error, 'webrtc_unavailable');
  });
});
