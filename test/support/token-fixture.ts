// What the API token tests share: account A (the demo) with one row of each
// kind an `:id` route takes and a running conference on a fake bridge;
// account B with its own owner; a client that sends only an API token (no
// cookie jar, no CSRF header) and fails the test if the answer sets a cookie.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestWeb, type Client, type Response, type TestWeb } from './web.ts';
import { FakeLiveHost, fakeParticipant, fakeSnapshot } from './fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { DEMO } from '../../core/seed.ts';
import type { RegisteredRoute } from '../../web/http/api-router.ts';

export const OWNER_B = { username: 'token-owner-b', password: 'OwnerB#2026' };

export interface TokenFixture {
  w: TestWeb;
  host: FakeLiveHost;
  ids: Record<string, string>;
  /** Texts of A's rows that must never reach B. */
  aSecrets: string[];
  a: Client;
  b: Client;
  op: Client;
}

export async function startTokenFixture(): Promise<TokenFixture> {
  const host = new FakeLiveHost();
  const w = await startTestWeb({ live: new LocalLiveBus(host), liveTuning: { pingMs: 100 } });
  const accB = await w.repos.accounts.create({ name: 'B Ltd', tier: 'formal' });
  await w.repos.users.create({ accountId: accB.id, role: 'owner', username: OWNER_B.username, password: OWNER_B.password });
  const acc = w.seed.accountId;
  const now = w.clock.now;
  const ids: Record<string, string> = { account: acc, accountB: accB.id, user: w.seed.ownerUserId };
  const room = await w.repos.rooms.create(acc, { name: 'A secret room', number: '7654321', chairPin: '111222', guestPin: '333444' }, { now });
  ids.room = room.id;
  ids.template = (await w.repos.templates.createFromRoom(acc, room.id, 'A template')).id;
  ids.contact = (await w.repos.contacts.create(acc, { name: 'A secret contact', phone: '13700137000' })).contact.id;
  ids.group = (await w.repos.contacts.createGroup(acc, 'A secret group')).id;
  const conf = (await w.repos.conferences.startOrGet(acc, { roomId: room.id, at: now })).conference;
  await w.repos.conferences.end(acc, conf.id, { at: new Date(now.getTime() + 60_000), reason: 'last_left' });
  ids.conference = conf.id;
  const liveRoom = await w.repos.rooms.create(acc, { name: 'A live room', number: '7654322', chairPin: '111222', guestPin: '333444' }, { now });
  ids.liveConference = (await w.repos.conferences.startOrGet(acc, { roomId: liveRoom.id, at: now })).conference.id;
  host.add(fakeSnapshot(ids.liveConference, acc, { roomId: liveRoom.id, roomName: 'A live room', participants: [fakeParticipant('p1', { name: 'A secret caller' })] }));
  ids.participant = 'p1';
  ids.alert = (await w.repos.alerts.raise(acc, { roomId: liveRoom.id, roomNumber: '7654322', conferenceId: ids.liveConference, kind: 'help', participantId: 'p1', data: { name: 'A secret caller' }, at: now })).id;
  ids.convener = (await w.repos.conveners.bind(acc, { number: '13700137001', name: 'A secret convener' }, { now, defaultRegion: 'CN' })).id;
  const rec = await w.repos.recordings.create(acc, { conferenceId: conf.id, path: '/nonexistent/a-secret-recording.wav', startedAt: now });
  ids.recording = (await w.repos.recordings.finish(acc, rec.id, { endedAt: new Date(now.getTime() + 60_000), durationMs: 60_000, sizeBytes: 44 })).id;
  // A webhook endpoint (a read token sees it and its delivery log; nothing is sent: loopback is not allowed here).
  ids.webhook = (await w.repos.webhooks.createEndpoint(acc, { url: 'http://127.0.0.1:9/hook', description: 'A secret hook', secret: 'whsec_token_fixture', events: ['meeting.started'] })).id;
  const aSecrets = ['A secret hook', 'A secret convener', 'A secret room', '7654321', '111222', 'A secret contact', '13700137000', 'A template', 'A secret group', 'A secret caller', 'A live room'];
  const [a, b, op] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(OWNER_B.username, OWNER_B.password), w.login(DEMO.operator.username, DEMO.operator.password)]);
  return { w, host, ids, aSecrets, a, b, op };
}

/** Which of A's ids an `:id` route takes (a random id for a kind this file does not know: an unknown id is a 404 too). */
export function idFor(ids: Record<string, string>, r: RegisteredRoute): string {
  const kinds: Array<[string, string]> = [
    ['/api/rooms/', 'room'], ['/api/templates/', 'template'], ['/api/contacts/', 'contact'], ['/api/contact-groups/', 'group'],
    ['/api/history/', 'conference'], ['/api/recordings/', 'recording'], ['/api/alerts/', 'alert'], ['/api/account/conveners/', 'convener'],
    ['/api/operator/accounts/', 'account'], ['/api/webhooks/', 'webhook'],
  ];
  const kind = kinds.find(([p]) => r.path.startsWith(p));
  return kind ? ids[kind[1]]! : randomUUID();
}

export function pathOf(ids: Record<string, string>, r: RegisteredRoute): string {
  return r.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(
    name === 'id' ? idFor(ids, r) : name === 'conferenceId' ? ids.liveConference! : name === 'participantId' ? ids.participant!
      : name === 'inviteId' ? 'inv-1' : name === 'prefix' ? '882' : randomUUID(),
  ));
}

/** Bodies that pass validation, so an answer is about the token and the id, not the input. */
export function bodyFor(ids: Record<string, string>, r: RegisteredRoute): unknown {
  const bodies: Record<string, unknown> = {
    'post /api/rooms': { name: 'Made by a token' },
    'patch /api/rooms/:id': { name: 'renamed' },
    'post /api/rooms/:id/invitations': { emails: ['guest@example.com'] },
    'post /api/templates': { name: 'Template by a token', roomId: ids.room },
    'patch /api/templates/:id': { name: 'renamed' },
    'post /api/contacts': { name: 'Contact by a token', phone: '13900139077' },
    'patch /api/contacts/:id': { name: 'renamed' },
    'post /api/contacts/import/preview': { csv: 'name,phone\nImported,13900139078\n' },
    'post /api/contacts/import': { csv: 'name,phone\nImported,13900139078\n', onDuplicate: 'skip' },
    'post /api/contact-groups': { name: 'Group by a token' },
    'patch /api/contact-groups/:id': { name: 'renamed' },
    'post /api/contact-groups/:id/members': { contactIds: [ids.contact] },
    'post /api/live/:conferenceId/participants/:participantId/mute': { muted: true },
    'post /api/live/:conferenceId/participants/:participantId/role': { role: 'chair' },
    'post /api/live/:conferenceId/participants/:participantId/hold': { held: true },
    'post /api/live/:conferenceId/participants/:participantId/volume': { talkDb: 3 },
    'post /api/live/:conferenceId/mute-all': { muted: true },
    'post /api/live/:conferenceId/lock': { locked: true },
    'post /api/live/:conferenceId/record': { on: true },
    'post /api/live/:conferenceId/extend': { minutes: 15 },
    'post /api/live/:conferenceId/limit': { max: 10 },
    'post /api/live/:conferenceId/invites': { targets: [{ target: '13900139001', name: 'x' }] },
  };
  return bodies[`${r.method} ${r.path}`] ?? {};
}

/** A caller with only a token: no cookies, no CSRF header; an answer that sets a cookie fails the test. */
export class TokenClient {
  constructor(readonly base: string, readonly token: string, private readonly extra: Record<string, string> = {}) {}

  async request(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...this.extra };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, redirect: 'manual', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    assert.deepEqual(res.headers.getSetCookie(), [], `${method} ${path} set a cookie for a token request`);
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  /** A stream route: the status and content type, then the stream is closed. */
  async open(path: string): Promise<Response> {
    const abort = new AbortController();
    const res = await fetch(this.base + path, { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, signal: abort.signal });
    assert.deepEqual(res.headers.getSetCookie(), [], `${path} set a cookie for a token request`);
    const text = res.headers.get('content-type')?.startsWith('text/event-stream') ? '' : await res.text();
    abort.abort();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  call(r: RegisteredRoute, path: string, body: unknown): Promise<Response> {
    if (r.produces === 'text/event-stream') return this.open(path);
    return this.request(r.method.toUpperCase(), path, r.method === 'get' ? undefined : body);
  }
}

/** Makes a token through the owner's session; its string. */
export async function makeToken(owner: Client, scopes: string[], name = scopes.join('+'), expiresInDays = 30): Promise<{ id: string; token: string; prefix: string }> {
  const res = await owner.post('/api/tokens', { name, scopes, expiresInDays });
  assert.equal(res.status, 201, res.text);
  return res.json();
}
