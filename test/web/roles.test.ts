// Roles inside an account (issue 19), walking EVERY declared route like the
// account-boundary walk of security.test.ts: the owner, an admin, an
// organizer with their own ids and with another organizer's (404, none of
// its data), and a frozen member (401 everywhere, login refused). What each
// role may do comes from one table, KIND: each route's kind, which must
// agree with the route's declared access; a route missing from it fails.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { createWebApp, apiRoutesOf } from '../../web/app.ts';
import type { RegisteredRoute } from '../../web/http/api-router.ts';
import type { Access } from '../../web/http/access.ts';
import { DEMO } from '../../core/seed.ts';
import { FakeLiveHost } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { PASSWORD, ownRows, roleFixture, type OwnRows, type RoleFixture } from '../support/roles-fixture.ts';

/**
 * room: an organizer's own ids only (another organizer's: 404); list: the
 * caller's rows only; shared: the account's directory, every member; admin,
 * owner, operator, user, public: as web/http/access.ts says.
 */
type Kind = 'room' | 'list' | 'shared' | 'admin' | 'owner' | 'operator' | 'user' | 'public';
const ACCESS_OF: Record<Kind, Access> = { room: 'account', list: 'account', shared: 'account', admin: 'admin', owner: 'owner', operator: 'operator', user: 'user', public: 'public' };
const ROOM = /^\/api\/(rooms\/:id|history\/:id|recordings\/:id|live\/:conferenceId|alerts\/:id)/;
const SHARED = /^\/api\/(templates|contacts|contact-groups)(\/|$)/;
const LISTS = new Set(['get /api/rooms', 'post /api/rooms', 'post /api/templates', 'get /api/history', 'get /api/recordings', 'get /api/live', 'get /api/live/events', 'get /api/alerts']);
const ADMIN = /^\/api\/(account|billing|members|audit|tokens|webhooks|webhook-deliveries)(\/|$)/;
const USER = /^\/api\/(me|auth\/logout)(\/|$)/;
const PUBLIC = new Set([
  'get /api/auth/csrf', 'post /api/auth/login', 'post /api/invitations/accept',
  // Joining from the browser and listening in (issue 17): the PIN, the ticket or the link's password is the key.
  'post /api/join/pin', 'post /api/join/offer', 'post /api/join/mute', 'post /api/join/state', 'post /api/join/leave',
  'post /api/listen/:id', 'post /api/listen-sessions/:id/stop',
]);

/** The table: each route's kind. Explicit patterns, so a new route of an unknown kind fails until it is placed here. */
function kindOf(r: RegisteredRoute): Kind | undefined {
  const key = `${r.method} ${r.path}`;
  if (PUBLIC.has(key)) return 'public';
  if (LISTS.has(key)) return 'list';
  if (ROOM.test(r.path)) return 'room';
  if (key === 'get /api/templates' || SHARED.test(r.path)) return 'shared';
  if (ADMIN.test(r.path)) return 'admin';
  if (USER.test(r.path)) return 'user';
  if (r.path.startsWith('/api/operator/')) return 'operator';
  return undefined;
}

type Who = 'owner' | 'admin' | 'organizer';
const allowed = (k: Kind, who: Who): boolean =>
  k === 'public' || k === 'user' || k === 'room' || k === 'list' || k === 'shared' || (k === 'admin' && who !== 'organizer') || (k === 'owner' && who === 'owner');

describe('roles in an account: every route for owner, admin, organizer, frozen member', () => {
  let w: TestWeb;
  let routes: RegisteredRoute[];
  let f: RoleFixture;
  let owner: Client; let admin: Client; let org1: Client; let frozen: Client;
  const host = new FakeLiveHost();

  before(async () => {
    w = await startTestWeb({ live: new LocalLiveBus(host) });
    routes = apiRoutesOf(createWebApp({ repos: w.repos, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 10 } }));
    f = await roleFixture(w, host);
    [owner, admin, org1, frozen] = await Promise.all([
      w.login(DEMO.owner.username, DEMO.owner.password), w.login(f.admin.username, PASSWORD), w.login(f.o1.username, PASSWORD), w.login(f.frozen.username, PASSWORD),
    ]);
  });
  after(async () => { await w?.close(); });

  let n = 0;
  /** Path parameters from `rows` (an organizer's) and the shared rows; with `fresh`, new rows of the same organizer (for calls that change or delete). */
  async function pathFor(r: RegisteredRoute, rows: OwnRows, fresh: boolean): Promise<string> {
    let own = rows;
    if (fresh) own = await ownRows(w, host, f.account, { userId: rows.userId, username: rows.username }, `Fresh ${++n}`);
    const acc = f.account;
    const sharedFresh = async (p: string): Promise<string> => {
      if (p.startsWith('/api/templates/')) return (await w.repos.templates.createFromRoom(acc, own.room, `tpl ${++n}`)).id;
      if (p.startsWith('/api/contacts/')) return (await w.repos.contacts.create(acc, { name: `c ${++n}`, phone: `1370014${String(++n).padStart(4, '0')}` })).contact.id;
      if (p.startsWith('/api/contact-groups/')) return (await w.repos.contacts.createGroup(acc, `g ${++n}`)).id;
      if (p.startsWith('/api/account/conveners/')) return (await w.repos.conveners.bind(acc, { number: `1370015${String(++n).padStart(4, '0')}` }, { now: w.clock.now, defaultRegion: 'CN' })).id;
      if (p.startsWith('/api/members/')) return (await w.repos.members.invite(acc, [{ username: `m${++n}@x.example`, displayName: 'm', email: `m${n}@x.example`, phone: null, department: '', role: 'organizer', tokenHash: randomUUID() + randomUUID(), expiresAt: new Date(w.clock.now.getTime() + 86_400_000) }], w.clock.now))[0]!.id;
      if (p.startsWith('/api/tokens/')) return (await w.repos.apiTokens.create(acc, { createdBy: w.seed.ownerUserId, name: `tok ${++n}`, scopes: ['read'], expiresAt: new Date(w.clock.now.getTime() + 86_400_000), now: w.clock.now })).token.id;
      // Loopback, not allowed in this web: a test event to it is refused by the address guard, nothing is sent.
      const hook = () => w.repos.webhooks.createEndpoint(acc, { url: 'http://127.0.0.1:9/hook', description: `hook ${++n}`, secret: 'whsec_roles', events: ['meeting.started'] });
      if (p.startsWith('/api/webhooks/')) return (await hook()).id;
      if (p.startsWith('/api/webhook-deliveries/')) {
        return (await w.repos.webhooks.enqueue(await hook(), { eventId: `evt_${++n}`, eventType: 'meeting.started', body: '{}', at: new Date(Date.now() + 3_600_000), retryUntil: new Date(Date.now() + 7_200_000) }))!.id;
      }
      throw new Error(`no fresh row for ${p}`);
    };
    const idOf = async (p: string): Promise<string> => {
      if (p.startsWith('/api/rooms/')) return own.room;
      if (p.startsWith('/api/history/')) return own.conference;
      if (p.startsWith('/api/recordings/')) return own.recording;
      if (p.startsWith('/api/alerts/')) return own.alert;
      if (p.startsWith('/api/operator/')) return randomUUID();
      if (fresh || /^\/api\/(tokens|webhooks|webhook-deliveries)\//.test(p)) return sharedFresh(p);
      if (p.startsWith('/api/templates/')) return f.shared.template;
      if (p.startsWith('/api/contacts/')) return f.shared.contact;
      if (p.startsWith('/api/contact-groups/')) return f.shared.group;
      if (p.startsWith('/api/account/conveners/')) return f.shared.convener;
      if (p.startsWith('/api/members/')) return f.shared.member;
      if (p.startsWith('/api/operator/')) return randomUUID();
      throw new Error(`no id kind for ${r.method} ${r.path}: add it to this test`);
    };
    let out = r.path;
    for (const [m, name] of [...r.path.matchAll(/:(\w+)/g)].map((x) => [x[0], x[1]!] as const)) {
      const v = name === 'id' ? await idOf(r.path) : name === 'linkId'
        ? (await w.repos.listenLinks.create({ accountId: acc, roomId: own.room, password: 'listen-pass', expiresAt: new Date(Date.now() + 3_600_000), maxListeners: 3, createdBy: null, now: new Date() })).id
        : name === 'conferenceId' ? own.liveConference : name === 'participantId' ? 'p1' : name === 'inviteId' ? 'inv-none' : name === 'prefix' ? '882' : undefined;
      if (v === undefined) throw new Error(`no value for :${name} of ${r.method} ${r.path}`);
      out = out.replace(m, encodeURIComponent(v));
    }
    return out;
  }

  function bodyFor(r: RegisteredRoute, rows: OwnRows): unknown {
    const u = ++n;
    const bodies: Record<string, unknown> = {
      'post /api/rooms': { name: `new room ${u}` },
      'patch /api/rooms/:id': { name: `renamed ${u}` },
      'post /api/templates': { name: `t ${u}`, roomId: rows.room },
      'patch /api/templates/:id': { name: `renamed ${u}` },
      'post /api/contacts': { name: `c ${u}`, phone: `1390013${String(u).padStart(4, '0')}` },
      'patch /api/contacts/:id': { name: `renamed ${u}` },
      'post /api/contact-groups': { name: `g ${u}` },
      'patch /api/contact-groups/:id': { name: `renamed ${u}` },
      'post /api/contact-groups/:id/members': { contactIds: [f.shared.contact] },
      'post /api/contacts/import/preview': { csv: 'name,phone\nx,13900139001\n' },
      'post /api/contacts/import': { csv: `name,phone\nx,1390014${String(u).padStart(4, '0')}\n` },
      'post /api/rooms/:id/invitations': { emails: [`i${u}@x.example`] },
      'post /api/rooms/:id/listen-links': { password: `listen-${u}`, validMinutes: 30, maxListeners: 3 },
      'post /api/account/conveners': { number: `1390015${String(u).padStart(4, '0')}` },
      'put /api/account/low-balance': { thresholdMinor: 1000 },
      'post /api/members': { name: `Member ${u}`, email: `new${u}@x.example`, role: 'organizer' },
      'post /api/members/import/preview': { csv: `name,email\nA,imp${u}@x.example\n` },
      'post /api/members/import': { csv: `name,email\nA,imp${u}@x.example\n` },
      'patch /api/members/:id': { frozen: true },
      'post /api/tokens': { name: `token ${u}`, scopes: ['read'], expiresInDays: 30 },
      'post /api/webhooks': { url: 'http://127.0.0.1:9/hook', events: ['meeting.started'] },
      'patch /api/webhooks/:id': { enabled: false },
      'put /api/account/branding': { primaryColor: '#224466', accentColor: '#ffcc00', slogan: `slogan ${u}` },
      'patch /api/me': { displayName: 'Same name' },
      'put /api/me/locale': { locale: 'zh-CN' },
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

  /** Calls a route; a stream is read to its first event and closed. */
  async function call(c: Client, r: RegisteredRoute, path: string, body: unknown): Promise<{ status: number; text: string }> {
    if (r.produces !== 'text/event-stream') {
      const res = await c.request(r.method.toUpperCase(), path, r.method === 'get' ? {} : { body });
      return { status: res.status, text: res.text };
    }
    const ac = new AbortController();
    const res = await fetch(w.url + path, { headers: { cookie: c.cookieHeader }, signal: ac.signal });
    let text = '';
    if (res.ok && res.body) {
      const reader = res.body.getReader();
      const deadline = Date.now() + 5000;
      while (!text.includes('\n\n') && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    } else text = await res.text();
    ac.abort();
    return { status: res.status, text };
  }

  /** Routes a permitted caller may still see refused for what the call is, not who calls (an invite that does not exist). */
  const REFUSED_FOR_INPUT: Record<string, number> = {
    'post /api/live/:conferenceId/invites/:inviteId/cancel': 404, 'post /api/live/:conferenceId/invites/:inviteId/redial': 404,
    // The address guard: loopback is not allowed for webhooks here (past the role check, refused for the URL).
    'post /api/webhooks': 400,
    // No file in the body (past the role check, refused for the input).
    'put /api/account/branding/logo': 400,
    // A delivery still pending may be being sent: not redelivered.
    'post /api/webhook-deliveries/:id/redeliver': 409,
  };

  it('places every declared route in the table, and the table agrees with each route\'s access', () => {
    const missing = routes.filter((r) => kindOf(r) === undefined).map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(missing, [], 'routes missing from the roles table');
    for (const r of routes) assert.equal(r.access, ACCESS_OF[kindOf(r)!], `${r.method} ${r.path}: declared ${r.access}, table says ${kindOf(r)}`);
    assert.ok(routes.filter((r) => kindOf(r) === 'room').length >= 25);
  });

  for (const who of ['owner', 'admin', 'organizer'] as const) {
    it(`${who}: every route answers as the table says`, async () => {
      const c = who === 'owner' ? owner : who === 'admin' ? admin : org1;
      const seen: string[] = [];
      for (const r of routes) {
        const k = kindOf(r)!;
        if (k === 'public' || (k === 'user' && r.method !== 'get' && r.path !== '/api/me' && r.path !== '/api/me/locale')) continue; // login, logout, password: their own tests
        const path = await pathFor(r, f.o1, r.method !== 'get'); // what a call changes or deletes is made for it
        const res = await call(c, r, path, bodyFor(r, f.o1));
        const key = `${r.method} ${r.path}`;
        seen.push(`${res.status} ${key}`);
        if (!allowed(k, who)) { assert.equal(res.status, 403, `${who} ${key}: ${res.status} ${res.text}`); continue; }
        const ok = (res.status >= 200 && res.status < 400) || REFUSED_FOR_INPUT[key] === res.status;
        assert.ok(ok, `${who} ${key}: ${res.status} ${res.text.slice(0, 300)}`);
        if (who === 'organizer') for (const s of f.o2.secrets) assert.ok(!res.text.includes(s), `${key} showed the organizer another's ${s}`);
      }
      assert.ok(seen.length >= 70, `only ${seen.length} routes walked`);
    });
  }

  it('organizer: another organizer\'s ids answer 404 on every room route, and nothing changes', async () => {
    const before = JSON.stringify([await w.repos.rooms.get(f.account, f.o2.room), host.commands.length, (await w.repos.alerts.listOpen(f.account)).map((a) => a.id).sort()]);
    let count = 0;
    for (const r of routes.filter((x) => kindOf(x) === 'room')) {
      const path = await pathFor(r, f.o2, false);
      const res = await call(org1, r, path, bodyFor(r, f.o2));
      assert.equal(res.status, 404, `${r.method} ${r.path}: ${res.status} ${res.text}`);
      for (const s of f.o2.secrets) assert.ok(!res.text.includes(s), `${r.path} leaked ${s}`);
      count++;
    }
    assert.ok(count >= 25, `only ${count}`);
    assert.equal(JSON.stringify([await w.repos.rooms.get(f.account, f.o2.room), host.commands.length, (await w.repos.alerts.listOpen(f.account)).map((a) => a.id).sort()]), before);
    // Ids inside bodies: a template from another's room, a room for another organizer.
    assert.equal((await org1.post('/api/templates', { name: 'steal', roomId: f.o2.room })).status, 404);
    assert.equal((await org1.post('/api/rooms', { name: 'x', organizerUserId: f.o2.userId })).status, 404);
    const mine = await org1.post('/api/rooms', { name: 'Mine' });
    assert.equal(mine.status, 201);
    assert.equal((await w.repos.rooms.get(f.account, mine.json().id)).organizerUserId, f.o1.userId);
    // Pages too.
    for (const p of [`/rooms/${f.o2.room}`, `/rooms/${f.o2.room}/edit`, `/history/${f.o2.conference}`, `/live/${f.o2.liveConference}`]) {
      const res = await org1.get(p);
      assert.equal(res.status, 404, p);
      for (const s of f.o2.secrets) assert.ok(!res.text.includes(s), `${p} leaked ${s}`);
    }
    for (const p of ['/', '/rooms', '/history', '/recordings']) {
      const res = await org1.get(p);
      assert.equal(res.status, 200, p);
      for (const s of f.o2.secrets) assert.ok(!res.text.includes(s), `${p} leaked ${s}`);
      if (p === '/rooms' || p === '/history') assert.ok(res.text.includes('Organizer One room'), `${p} lacks the organizer's own room`);
    }
    for (const p of ['/billing', '/members', '/audit']) assert.equal((await org1.get(p)).status, 303, p);
    // The owner and admins see both.
    for (const c of [owner, admin]) {
      const text = (await c.get('/api/rooms')).text;
      assert.ok(text.includes('Organizer One room') && text.includes('Organizer Two room'));
    }
  });

  it('organizer: the account-wide live stream carries their rooms\' events only', async () => {
    const ac = new AbortController();
    const res = await fetch(`${w.url}/api/live/events`, { headers: { cookie: org1.cookieHeader }, signal: ac.signal });
    assert.equal(res.status, 200);
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (what: string): Promise<void> => {
      const deadline = Date.now() + 10_000;
      while (!text.includes(what) && Date.now() < deadline) {
        const chunk = await Promise.race([reader.read(), new Promise<null>((r) => { setTimeout(() => r(null), 500); })]);
        if (chunk && !chunk.done) text += new TextDecoder().decode(chunk.value);
      }
      assert.ok(text.includes(what), `no ${what} in ${text}`);
    };
    await readUntil('event: snapshot');
    const at = new Date().toISOString();
    host.emit({ type: 'started', conferenceId: f.o2.liveConference, accountId: f.account, at, roomNumber: '7999992', roomName: 'Organizer Two room' });
    host.emit({ type: 'help', conferenceId: f.o2.liveConference, accountId: f.account, at, participantId: 'p1', requested: true, alertId: null });
    host.emit({ type: 'started', conferenceId: f.o1.liveConference, accountId: f.account, at, roomNumber: '7999991', roomName: 'Organizer One room' });
    await readUntil('7999991');
    await new Promise((r) => { setTimeout(r, 300); });
    ac.abort();
    for (const secret of ['7999992', f.o2.liveConference, ...f.o2.secrets]) assert.ok(!text.includes(secret), `the stream carried ${secret}`);
  });

  it('frozen member: the open session ends at the next request (401 on every route), and the login is refused', async () => {
    assert.equal((await frozen.get('/api/me')).status, 200);
    assert.equal((await owner.patch(`/api/members/${f.frozen.userId}`, { frozen: true })).status, 200);
    for (const r of routes.filter((x) => kindOf(x) !== 'public')) {
      const res = await call(frozen, r, await pathFor(r, f.o1, false), bodyFor(r, f.o1));
      assert.equal(res.status, 401, `${r.method} ${r.path}: ${res.status}`);
    }
    assert.equal((await frozen.get('/rooms')).status, 303);
    const login = await w.client().login(f.frozen.username, PASSWORD);
    assert.equal(login.status, 403);
    assert.equal(login.json().error, 'frozen');
    assert.equal((await w.client().login(f.frozen.username, 'Wrong#2026x')).status, 401, 'a wrong password says nothing of the freeze');
    assert.equal((await owner.patch(`/api/members/${f.frozen.userId}`, { frozen: false })).status, 200);
    assert.equal((await w.client().login(f.frozen.username, PASSWORD)).status, 200);
  });
});
