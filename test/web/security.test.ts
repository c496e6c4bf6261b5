// Security of the web API, walking every declared route (the live console's
// commands and event streams among them): without a session (401), without
// the CSRF token (403), with another account's ids (404 and none of the
// data), the wrong role (403); script in names shown as text; the login
// lockout; SQL-looking input stored verbatim.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { createWebApp, apiRoutesOf } from '../../web/app.ts';
import type { RegisteredRoute } from '../../web/http/api-router.ts';
import { ACCOUNT_ACCESS } from '../../web/http/access.ts';
import { DEMO } from '../../core/seed.ts';
import { FakeLiveHost, fakeParticipant, fakeSnapshot } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';

const OWNER_B = { username: 'owner-b', password: 'OwnerB#2026' };

describe('web security', () => {
  let w: TestWeb;
  let routes: RegisteredRoute[];
  let a: Client; // the demo owner
  let b: Client; // an owner of another account
  let op: Client;
  const ids: Record<string, string> = {};
  let aSecrets: string[] = [];
  const host = new FakeLiveHost();

  before(async () => {
    w = await startTestWeb({ live: new LocalLiveBus(host) });
    routes = apiRoutesOf(createWebApp({ repos: w.repos, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 10 } }));
    const accB = await w.repos.accounts.create({ name: 'B Ltd', tier: 'formal' });
    await w.repos.users.create({ accountId: accB.id, role: 'owner', username: OWNER_B.username, password: OWNER_B.password });
    const acc = w.seed.accountId;
    const now = w.clock.now;
    const room = await w.repos.rooms.create(acc, { name: 'A secret room', number: '7654321', chairPin: '111222', guestPin: '333444' }, { now });
    ids.room = room.id;
    // A's listen-in link (issue 17).
    ids.listenLink = (await w.repos.listenLinks.create({ accountId: acc, roomId: room.id, password: 'A secret listen', expiresAt: new Date(Date.now() + 3_600_000), maxListeners: 3, createdBy: null, now: new Date() })).id;
    ids.template = (await w.repos.templates.createFromRoom(acc, room.id, 'A template')).id;
    ids.contact = (await w.repos.contacts.create(acc, { name: 'A secret contact', phone: '13700137000' })).contact.id;
    ids.group = (await w.repos.contacts.createGroup(acc, 'A secret group')).id;
    const conf = (await w.repos.conferences.startOrGet(acc, { roomId: room.id, at: now })).conference;
    await w.repos.conferences.end(acc, conf.id, { at: new Date(now.getTime() + 60_000), reason: 'last_left' });
    ids.conference = conf.id;
    // A running conference of A on the bridge, with a participant, and an alert.
    const liveRoom = await w.repos.rooms.create(acc, { name: 'A live room', number: '7654322', chairPin: '111222', guestPin: '333444' }, { now });
    ids.liveConference = (await w.repos.conferences.startOrGet(acc, { roomId: liveRoom.id, at: now })).conference.id;
    host.add(fakeSnapshot(ids.liveConference, acc, { roomId: liveRoom.id, roomName: 'A live room', participants: [fakeParticipant('p1', { name: 'A secret caller' })] }));
    ids.participant = 'p1';
    ids.alert = (await w.repos.alerts.raise(acc, { roomId: liveRoom.id, roomNumber: '7654322', conferenceId: ids.liveConference, kind: 'help', participantId: 'p1', data: { name: 'A secret caller' }, at: now })).id;
    ids.account = acc;
    ids.user = w.seed.ownerUserId;
    ids.accessNumber = Object.values(w.seed.accessNumberIds)[0]!;
    ids.rate = (await w.repos.rates.list())[0]!.id;
    ids.convener = (await w.repos.conveners.bind(acc, { number: '13700137001', name: 'A secret convener' }, { now, defaultRegion: 'CN' })).id;
    ids.trunk = (await w.repos.trunks.create({ name: 'Security trunk', host: '127.0.0.1' })).id;
    ids.dialPlan = (await w.repos.trunks.saveDialPlan({ name: 'Security plan', rules: [] })).id;
    ids.member = (await w.repos.members.invite(acc, [{ username: 'a-secret-member', displayName: 'A secret member', email: 'secret@a.example', phone: null, department: '', role: 'organizer', tokenHash: 'x'.repeat(64), expiresAt: new Date(now.getTime() + 86_400_000) }], now))[0]!.id;
    // A finished recording of A (its file need not exist: B must not learn even that).
    const rec = await w.repos.recordings.create(acc, { conferenceId: conf.id, path: '/nonexistent/a-secret-recording.wav', startedAt: now });
    ids.recording = (await w.repos.recordings.finish(acc, rec.id, { endedAt: new Date(now.getTime() + 60_000), durationMs: 60_000, sizeBytes: 44 })).id;
    // A's branding: its slogan must not reach B through any route.
    await w.repos.branding.set(acc, { slogan: 'A secret slogan', primaryColor: '#123457' }, now);
    // A webhook endpoint of A with a delivery (written straight to the store: its URL is not checked here).
    const hook = await w.repos.webhooks.createEndpoint(acc, { url: 'https://a-secret-hook.example/x', description: 'A secret hook', secret: 'whsec_a_secret', events: ['meeting.started'] });
    ids.webhook = hook.id;
    ids.webhookDelivery = (await w.repos.webhooks.enqueue(hook, { eventId: 'evt_a', eventType: 'meeting.started', body: '{"a":"A secret hook"}', at: new Date(Date.now() + 3_600_000), retryUntil: new Date(Date.now() + 7_200_000) }))!.id;
    aSecrets = ['A secret member', 'secret@a.example', 'A secret slogan', '#123457', 'A secret hook', 'whsec_a_secret', 'a-secret-hook', 'A secret convener', 'A secret room', '7654321', '111222', 'A secret contact', '13700137000', 'A template', 'A secret group', 'A secret caller', 'A live room'];
    [a, b, op] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(OWNER_B.username, OWNER_B.password), w.login(DEMO.operator.username, DEMO.operator.password)]);
    ids.token = (await a.post('/api/tokens', { name: 'A secret token', scopes: ['read'], expiresInDays: 30 })).json<{ id: string }>().id;
  });
  after(async () => { await w?.close(); });

  /** Which kind of id each `:id` route takes. */
  function idFor(r: RegisteredRoute): string {
    const p = r.path;
    if (p.startsWith('/api/rooms/')) return ids.room!;
    if (p.startsWith('/api/templates/')) return ids.template!;
    if (p.startsWith('/api/contacts/')) return ids.contact!;
    if (p.startsWith('/api/contact-groups/')) return ids.group!;
    if (p.startsWith('/api/history/')) return ids.conference!;
    if (p.startsWith('/api/recordings/')) return ids.recording!;
    if (p.startsWith('/api/operator/accounts/')) return ids.account!;
    if (p.startsWith('/api/operator/access-numbers/')) return ids.accessNumber!;
    if (p.startsWith('/api/operator/rates/')) return ids.rate!;
    if (p.startsWith('/api/alerts/')) return ids.alert!;
    if (p.startsWith('/api/account/conveners/')) return ids.convener!;
    if (p.startsWith('/api/operator/trunks/')) return ids.trunk!;
    if (p.startsWith('/api/operator/dial-plans/')) return ids.dialPlan!;
    if (p.startsWith('/api/tokens/')) return ids.token!;
    if (p.startsWith('/api/webhooks/')) return ids.webhook!;
    if (p.startsWith('/api/webhook-deliveries/')) return ids.webhookDelivery!;
    if (p.startsWith('/api/members/')) return ids.member!;
    if (p.startsWith('/api/listen/')) return ids.listenLink!;
    if (p.startsWith('/api/listen-sessions/')) return randomUUID();
    throw new Error(`no id kind for ${r.method} ${r.path}: add it to this test`);
  }
  /** The value of each path parameter of a route: A's ids, or `forced` for all of them. */
  function paramFor(r: RegisteredRoute, name: string): string {
    if (name === 'id') return idFor(r);
    if (name === 'conferenceId') return ids.liveConference!;
    if (name === 'participantId') return ids.participant!;
    if (name === 'inviteId') return 'inv-1';
    if (name === 'prefix') return '882'; // blocked by the seed
    if (name === 'linkId') return ids.listenLink!;
    throw new Error(`no value for :${name} of ${r.method} ${r.path}: add it to this test`);
  }
  const hasParams = (r: RegisteredRoute) => /:\w+/.test(r.path);
  /** Routes of an account's members (web/http/access.ts: account, admin, owner). */
  const isAccountSide = (r: RegisteredRoute) => ACCOUNT_ACCESS.includes(r.access);
  const pathOf = (r: RegisteredRoute, forced?: string) => r.path.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(forced ?? paramFor(r, name)));

  /** Bodies that pass validation, so the answer is about the id, not the input. */
  const BODIES: Record<string, unknown> = {
    'patch /api/contact-groups/:id': { name: 'renamed' },
    'post /api/contact-groups/:id/members': { contactIds: [randomUUID()] },
    'patch /api/templates/:id': { name: 'renamed' },
    'patch /api/rooms/:id': { name: 'renamed' },
    'patch /api/contacts/:id': { name: 'renamed' },
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
    'patch /api/webhooks/:id': { enabled: false },
    'post /api/rooms/:id/listen-links': { password: 'listen-pass', validMinutes: 30, maxListeners: 3 },
  };
  const bodyFor = (r: RegisteredRoute) => BODIES[`${r.method} ${r.path}`] ?? {};

  it('declares the routes it should (a sanity check of the walk below)', () => {
    assert.ok(routes.length >= 40, `only ${routes.length} routes`);
    for (const r of routes) if (hasParams(r)) pathOf(r);
    // The live console is in the walk: every command, the alerts, both event streams.
    const live = routes.filter((r) => r.path.startsWith('/api/live') || r.path.startsWith('/api/alerts'));
    assert.ok(live.length >= 21, `only ${live.length} live routes`);
    for (const p of ['/api/live/:conferenceId/invites', '/api/live/:conferenceId/invites/absent', '/api/live/:conferenceId/invites/:inviteId/cancel', '/api/live/:conferenceId/invites/:inviteId/redial']) {
      assert.ok(routes.some((r) => r.path === p && r.method === 'post' && r.access === 'account'), p);
    }
    assert.ok(routes.some((r) => r.path === '/api/live/:conferenceId/events' && r.produces === 'text/event-stream'));
    assert.ok(routes.some((r) => r.path === '/api/live/events' && r.produces === 'text/event-stream'));
  });

  it('answers 401 on every non-public route without a session', async () => {
    const anon = w.client();
    for (const r of routes.filter((x) => x.access !== 'public')) {
      const res = await anon.request(r.method.toUpperCase(), pathOf(r), r.method === 'get' ? {} : { body: bodyFor(r) });
      assert.equal(res.status, 401, `${r.method} ${r.path}: ${res.status}`);
      for (const s of aSecrets) assert.ok(!res.text.includes(s), `${r.path} leaked ${s}`);
    }
  });

  it('answers 403 on every state-changing route without the CSRF token (and changes nothing)', async () => {
    const before = await w.repos.rooms.get(ids.account!, ids.room!);
    let n = 0;
    for (const r of routes.filter((x) => x.method !== 'get')) {
      const who = r.access === 'operator' ? op : r.access === 'public' ? w.client() : a;
      const res = await who.request(r.method.toUpperCase(), pathOf(r), { body: bodyFor(r), csrf: false });
      assert.equal(res.status, 403, `${r.method} ${r.path}: ${res.status} ${res.text}`);
      assert.equal(res.json<{ error: string }>().error, 'csrf');
      // A wrong token is as bad as none.
      const wrong = await who.request(r.method.toUpperCase(), pathOf(r), { body: bodyFor(r), csrf: false, headers: { 'x-csrf-token': 'x'.repeat(43) } });
      assert.equal(wrong.status, 403, `${r.method} ${r.path} with a wrong token`);
      n++;
    }
    assert.ok(n >= 25);
    assert.deepEqual(await w.repos.rooms.get(ids.account!, ids.room!), before);
    assert.deepEqual(host.commands, [], 'no live command reached the bridge');
  });

  it('answers 404 on every owner route given another account\'s id, never its data, and changes nothing', async () => {
    const snapshot = async () => JSON.stringify(await Promise.all([
      w.repos.rooms.get(ids.account!, ids.room!), w.repos.templates.get(ids.account!, ids.template!), w.repos.contacts.get(ids.account!, ids.contact!),
      w.repos.contacts.listGroups(ids.account!), w.repos.conferences.get(ids.account!, ids.conference!),
    ]));
    const before = await snapshot();
    let n = 0;
    for (const r of routes.filter((x) => isAccountSide(x) && hasParams(x))) {
      const res = await b.request(r.method.toUpperCase(), pathOf(r), r.method === 'get' ? {} : { body: bodyFor(r) });
      assert.equal(res.status, 404, `${r.method} ${r.path}: ${res.status} ${res.text}`);
      for (const s of aSecrets) assert.ok(!res.text.includes(s), `${r.path} leaked ${s}`);
      n++;
    }
    assert.ok(n >= 30, `only ${n} id routes`);
    assert.deepEqual(host.commands, [], 'no live command reached the bridge');
    assert.deepEqual((await w.repos.alerts.listOpen(ids.account!)).map((x) => x.id), [ids.alert], 'the alert is still open');
    // Ids inside bodies and queries are scoped too.
    const bodyCases: Array<[string, string, unknown]> = [
      ['POST', '/api/templates', { name: 'steal', roomId: ids.room }],
      ['POST', '/api/rooms', { name: 'x', templateId: ids.template }],
      ['POST', '/api/rooms', { name: 'x', organizerUserId: ids.user }],
      ['POST', '/api/contacts', { name: 'x', phone: '13900139999', groupIds: [ids.group] }],
    ];
    for (const [m, p, body] of bodyCases) {
      const res = await b.request(m, p, { body });
      assert.equal(res.status, 404, `${m} ${p} ${JSON.stringify(body)}: ${res.status} ${res.text}`);
    }
    const byGroup = await b.get(`/api/contacts?groupId=${ids.group}`);
    assert.equal(byGroup.status, 200);
    assert.deepEqual(byGroup.json(), []);
    // Pages too.
    for (const p of [`/rooms/${ids.room}`, `/rooms/${ids.room}/edit`, `/contacts/${ids.contact}`, `/history/${ids.conference}`, `/live/${ids.liveConference}`]) {
      const res = await b.get(p);
      assert.equal(res.status, 404, p);
      for (const s of aSecrets) assert.ok(!res.text.includes(s), `${p} leaked ${s}`);
    }
    // B's own lists do not hold A's rows.
    for (const p of ['/api/rooms', '/api/contacts', '/api/templates', '/api/contact-groups', '/api/history', '/api/billing/report', '/api/live', '/api/alerts', '/api/recordings', '/recordings', '/api/webhooks', '/webhooks', '/']) {
      const res = await b.get(p);
      assert.equal(res.status, 200, p);
      for (const s of aSecrets) assert.ok(!res.text.includes(s), `${p} leaked ${s}`);
    }
    assert.equal(await snapshot(), before);
  });

  it('a malformed id is a 404 too, never a 500', async () => {
    for (const r of routes.filter((x) => isAccountSide(x) && hasParams(x))) {
      const res = await a.request(r.method.toUpperCase(), pathOf(r, "1' OR '1'='1"), r.method === 'get' ? {} : { body: bodyFor(r) });
      assert.equal(res.status, 404, `${r.method} ${r.path}`);
    }
  });

  it('keeps the roles apart: owners get 403 on operator routes, operators on owner routes', async () => {
    for (const r of routes.filter((x) => x.access === 'operator' || isAccountSide(x))) {
      const who = r.access === 'operator' ? a : op;
      const res = await who.request(r.method.toUpperCase(), pathOf(r), r.method === 'get' ? {} : { body: bodyFor(r) });
      assert.equal(res.status, 403, `${r.access} route ${r.method} ${r.path} as the other role: ${res.status}`);
    }
  });

  it('shows script in a room name and a contact name as text', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>"\'';
    const room = await a.post('/api/rooms', { name: `会议 ${evil}` });
    assert.equal(room.status, 201);
    const contact = await a.post('/api/contacts', { name: `张三 ${evil}`, phone: '13600136001' });
    assert.equal(contact.status, 201);
    for (const p of [`/rooms/${room.json().id}`, '/rooms', '/', `/rooms/${room.json().id}/edit`, '/contacts', `/contacts/${contact.json().id}`]) {
      const res = await a.get(p);
      assert.equal(res.status, 200, p);
      assert.ok(!res.text.includes('<script>alert(1)'), `${p} has raw script`);
      assert.ok(!res.text.includes('<img src=x'), `${p} has a raw img`);
      assert.ok(res.text.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${p} does not show the name as text`);
      assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    }
    // The JSON keeps the name exactly as typed.
    assert.equal((await a.get(`/api/rooms/${room.json().id}`)).json().name, `会议 ${evil}`);
  });

  it('stores SQL-looking input verbatim', async () => {
    const names = ["Robert'); DROP TABLE rooms;--", "' OR '1'='1", '%_\\ 100%'];
    for (const name of names) {
      const r = await a.post('/api/rooms', { name, description: `${name}; SELECT pg_sleep(10)` });
      assert.equal(r.status, 201);
      const back = (await a.get(`/api/rooms/${r.json().id}`)).json();
      assert.equal(back.name, name);
      assert.equal(back.description, `${name}; SELECT pg_sleep(10)`);
      const c = await a.post('/api/contacts', { name, phone: '13500135000', company: name });
      assert.equal(c.status, 201);
      assert.equal(c.json().name, name);
    }
    // Search treats the text as text (LIKE wildcards too).
    const found = (await a.get(`/api/contacts?search=${encodeURIComponent("' OR '1'='1")}`)).json<Array<{ name: string }>>();
    assert.deepEqual(found.map((x) => x.name), ["' OR '1'='1"]);
    const pct = (await a.get(`/api/contacts?search=${encodeURIComponent('%_')}`)).json<Array<{ name: string }>>();
    assert.deepEqual(pct.map((x) => x.name), ['%_\\ 100%']);
    assert.ok((await w.repos.rooms.list(w.seed.accountId)).length > 3, 'the rooms table is still there');
  });

  it('locks the login for 3 minutes after 3 wrong passwords', async () => {
    const acc = await w.repos.accounts.create({ name: 'Lock Ltd' });
    await w.repos.users.create({ accountId: acc.id, role: 'owner', username: 'lock-me', password: 'Right#Pass1' });
    const c = w.client();
    assert.equal((await c.login('lock-me', 'wrong-1')).status, 401);
    assert.equal((await c.login('lock-me', 'wrong-2')).status, 401);
    const third = await c.login('lock-me', 'wrong-3');
    assert.equal(third.status, 423);
    const until = new Date(third.json<{ details: { lockedUntil: string } }>().details.lockedUntil);
    assert.equal(until.getTime() - w.clock.now.getTime(), 3 * 60_000);
    // Even the right password is refused while locked.
    assert.equal((await c.login('lock-me', 'Right#Pass1')).status, 423);
    const saved = w.clock.now;
    try {
      w.clock.now = new Date(saved.getTime() + 3 * 60_000 + 1000);
      assert.equal((await c.login('lock-me', 'Right#Pass1')).status, 200);
    } finally {
      w.clock.now = saved;
    }
    const audit = await w.repos.audit.listAll({ action: 'login.locked' });
    assert.ok(audit.length >= 1);
  });

  it('refuses a login without the pre-session CSRF token; sets httpOnly SameSite cookies', async () => {
    const c = w.client();
    const res = await c.request('POST', '/api/auth/login', { body: { username: DEMO.owner.username, password: DEMO.owner.password } });
    assert.equal(res.status, 403);
    const ok = await w.client().login(DEMO.owner.username, 'wrong-but-irrelevant');
    assert.equal(ok.status, 401);
    const cookieRes = await fetch(`${w.url}/api/auth/csrf`);
    assert.match(cookieRes.headers.getSetCookie()[0] ?? '', /HttpOnly; ?|HttpOnly$/);
    const good = w.client();
    const r = await good.login(OWNER_B.username, OWNER_B.password);
    const set = r.headers.getSetCookie().find((x) => x.startsWith('bridge_session=')) ?? '';
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Lax/);
    // Logout ends the session on the server, not just the cookie.
    const cookie = good.cookieHeader;
    assert.equal((await good.post('/api/auth/logout')).status, 204);
    const again = await fetch(`${w.url}/api/me`, { headers: { cookie } });
    assert.equal(again.status, 401);
  });
});
