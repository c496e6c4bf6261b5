// The live console's API over a FakeLiveHost (through the in-process
// LocalLiveBus): every command reaches the host with the web user as the
// actor and is audited; bad bodies are 400 and reach nothing; another
// account's conference is a 404, an ended one a 409, no bridge a 503; the
// event streams start with a snapshot, carry only the account's events,
// coalesce bursts, end with `ended`, release the subscription when the
// client goes, and drop a client that does not read; alerts are listed and
// dismissed per account.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { FakeLiveHost, fakeParticipant, fakeSnapshot } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { DEMO } from '../../core/seed.ts';
import { openSse } from './sse-client.ts';

const OWNER_B = { username: 'live-owner-b', password: 'LiveB#2026' };

describe('live console API', () => {
  let w: TestWeb;
  let host: FakeLiveHost;
  let a: Client;
  let b: Client;
  let confA = '';
  let confA2 = '';
  let confB = '';
  let accB = '';
  const listeners = () => (host as unknown as { listeners: Set<unknown> }).listeners.size;
  /** Waits (up to 2 s) until the host has `n` subscribers. */
  const settle = async (n: number) => {
    for (let i = 0; i < 200 && listeners() !== n; i++) await new Promise((r) => setTimeout(r, 10));
    return listeners();
  };

  before(async () => {
    host = new FakeLiveHost();
    w = await startTestWeb({ live: new LocalLiveBus(host), liveTuning: { flushMs: 20, pingMs: 250, maxPending: 2000, maxBufferedBytes: 64 * 1024 } });
    const acc = w.seed.accountId;
    const now = w.clock.now;
    accB = (await w.repos.accounts.create({ name: 'Live B Ltd', tier: 'formal' })).id;
    await w.repos.users.create({ accountId: accB, role: 'owner', username: OWNER_B.username, password: OWNER_B.password });
    const roomB = await w.repos.rooms.create(accB, { name: 'B room', number: '5550001', chairPin: '111222', guestPin: '333444' }, { now });
    const room2 = await w.repos.rooms.create(acc, { name: 'A second', number: '5550002', chairPin: '111222', guestPin: '333444' }, { now });
    confA = (await w.repos.conferences.startOrGet(acc, { roomId: w.seed.roomId, at: now })).conference.id;
    confA2 = (await w.repos.conferences.startOrGet(acc, { roomId: room2.id, at: now })).conference.id;
    confB = (await w.repos.conferences.startOrGet(accB, { roomId: roomB.id, at: now })).conference.id;
    host.add(fakeSnapshot(confA, acc, {
      roomId: w.seed.roomId, roomNumber: DEMO.room.number, roomName: 'Demo room',
      participants: [fakeParticipant('p1', { role: 'chair', name: '张伟', joinOrder: 1 }), fakeParticipant('p2', { joinOrder: 2 }), fakeParticipant('p3', { joinOrder: 3 })],
    }));
    host.add(fakeSnapshot(confA2, acc, { roomId: room2.id, roomNumber: '5550002', participants: [fakeParticipant('q1')] }));
    host.add(fakeSnapshot(confB, accB, { roomId: roomB.id, roomNumber: '5550001', roomName: 'B room', participants: [fakeParticipant('b1', { name: 'B secret' })] }));
    [a, b] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(OWNER_B.username, OWNER_B.password)]);
  });
  after(async () => { await w?.close(); });

  it('lists the account\'s live conferences with participant counts, and only its own', async () => {
    const res = await a.get('/api/live');
    assert.equal(res.status, 200);
    const list = res.json<{ conferences: Array<{ conferenceId: string; participantCount: number; roomName: string; reachable: boolean }> }>().conferences;
    const mine = list.find((c) => c.conferenceId === confA)!;
    assert.equal(mine.participantCount, 3);
    assert.equal(mine.roomName, 'Demo room');
    assert.equal(mine.reachable, true);
    assert.ok(list.some((c) => c.conferenceId === confA2));
    assert.ok(!list.some((c) => c.conferenceId === confB));
    assert.ok(!res.text.includes('B secret'));
  });

  it('answers a conference\'s snapshot; another account\'s or an unknown one is 404, an ended one 409', async () => {
    const res = await a.get(`/api/live/${confA}`);
    assert.equal(res.status, 200);
    assert.deepEqual(res.json().snapshot.participants.map((p: { id: string }) => p.id), ['p1', 'p2', 'p3']);
    const other = await a.get(`/api/live/${confB}`);
    assert.equal(other.status, 404);
    assert.ok(!other.text.includes('B secret'));
    assert.equal((await b.get(`/api/live/${confA}`)).status, 404);
    assert.equal((await a.get('/api/live/00000000-0000-4000-8000-000000000000')).status, 404);
    assert.equal((await a.get('/api/live/not-a-uuid')).status, 404);
    const room3 = await w.repos.rooms.create(w.seed.accountId, { name: 'ended', number: '5550003', chairPin: '111222', guestPin: '333444' }, { now: w.clock.now });
    const ended = (await w.repos.conferences.startOrGet(w.seed.accountId, { roomId: room3.id, at: w.clock.now })).conference;
    await w.repos.conferences.end(w.seed.accountId, ended.id, { at: w.clock.now, reason: 'last_left' });
    const gone = await a.post(`/api/live/${ended.id}/lock`, { locked: true });
    assert.equal(gone.status, 409);
    assert.equal(gone.json().error, 'invalid_state');
  });

  it('sends every command to the host with the web user as actor, and audits it', async () => {
    const P = `/api/live/${confA}/participants/p2`;
    const cases: Array<[string, unknown, Record<string, unknown>]> = [
      [`${P}/mute`, { muted: true }, { type: 'mute', participantId: 'p2', muted: true }],
      [`${P}/role`, { role: 'chair' }, { type: 'role', participantId: 'p2', role: 'chair' }],
      [`${P}/hold`, { held: true }, { type: 'hold', participantId: 'p2', held: true }],
      [`${P}/volume`, { talkDb: 6 }, { type: 'volume', participantId: 'p2', talkDb: 6 }],
      [`${P}/volume`, { talkDb: -3, listenDb: 3 }, { type: 'volume', participantId: 'p2', talkDb: -3, listenDb: 3 }],
      [`/api/live/${confA}/mute-all`, { muted: true }, { type: 'mute-all', muted: true }],
      [`/api/live/${confA}/lock`, { locked: true }, { type: 'lock', locked: true }],
      [`/api/live/${confA}/record`, { on: true }, { type: 'record', on: true }],
      [`/api/live/${confA}/extend`, { minutes: 30 }, { type: 'extend', minutes: 30 }],
      [`/api/live/${confA}/limit`, { max: 50 }, { type: 'limit', max: 50 }],
      [`/api/live/${confA}/participants/p3/remove`, undefined, { type: 'remove', participantId: 'p3' }],
    ];
    for (const [path, body, command] of cases) {
      const before = host.commands.length;
      const res = await a.request('POST', path, body === undefined ? {} : { body });
      assert.equal(res.status, 200, `${path}: ${res.status} ${res.text}`);
      assert.equal(host.commands.length, before + 1, path);
      const got = host.commands.at(-1)!;
      assert.deepEqual(got.command, command);
      assert.equal(got.accountId, w.seed.accountId);
      assert.equal(got.conferenceId, confA);
      assert.deepEqual(got.actor, { kind: 'web', userId: w.seed.ownerUserId, name: got.actor.kind === 'web' ? got.actor.name : '' });
      assert.ok(got.actor.kind === 'web' && typeof got.actor.name === 'string' && got.actor.name.length > 0, 'the actor has the user\'s name');
    }
    const s = host.conferences.get(confA)!;
    assert.equal(s.participants.find((p) => p.id === 'p2')!.muted, true);
    assert.ok(!s.participants.some((p) => p.id === 'p3'));
    assert.equal(s.maxParticipants, 50);
    const audit = await w.repos.audit.list(w.seed.accountId, { limit: 100 });
    for (const type of ['mute', 'role', 'hold', 'volume', 'mute-all', 'lock', 'record', 'extend', 'limit', 'remove']) {
      const e = audit.find((x) => x.action === `live.${type}`);
      assert.ok(e, `no audit entry live.${type}`);
      assert.equal(e.targetType, 'conference');
      assert.equal(e.targetId, confA);
      assert.equal(e.userId, w.seed.ownerUserId);
    }
    assert.deepEqual(audit.find((x) => x.action === 'live.extend')!.data, { minutes: 30 });
    assert.deepEqual(audit.find((x) => x.action === 'live.mute')!.data, { participantId: 'p2', muted: true });
  });

  it('answers 400 to bad bodies and sends nothing', async () => {
    const before = host.commands.length;
    const auditBefore = (await w.repos.audit.list(w.seed.accountId, { limit: 500 })).length;
    const P = `/api/live/${confA}/participants/p1`;
    const cases: Array<[string, unknown]> = [
      [`${P}/mute`, { muted: 'yes' }], [`${P}/mute`, {}], [`${P}/mute`, { muted: true, extra: 1 }],
      [`${P}/role`, { role: 'king' }], [`${P}/hold`, { held: 1 }], [`${P}/volume`, {}], [`${P}/volume`, { talkDb: 40 }], [`${P}/volume`, { listenDb: 1.5 }],
      [`/api/live/${confA}/extend`, { minutes: 20 }], [`/api/live/${confA}/extend`, { minutes: '15' }], [`/api/live/${confA}/limit`, { max: 0 }],
      [`/api/live/${confA}/limit`, { max: 601 }], // over the formal tier's 600
      [`/api/live/${confA}/lock`, { locked: null }], [`/api/live/${confA}/end`, { now: true }], [`/api/live/${confA}/participants/p1/remove`, { why: 'x' }],
    ];
    for (const [path, body] of cases) {
      const res = await a.post(path, body);
      assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}: ${res.status} ${res.text}`);
      assert.equal(res.json().error, 'invalid_input');
    }
    assert.equal(host.commands.length, before);
    assert.equal((await w.repos.audit.list(w.seed.accountId, { limit: 500 })).length, auditBefore, 'nothing audited');
  });

  it('maps the host\'s errors: an unknown participant 404, a refused state 409; another account\'s conference 404 on every command', async () => {
    assert.equal((await a.post(`/api/live/${confA}/participants/nobody/mute`, { muted: true })).status, 404);
    host.failNext(new InvalidStateError('not now'));
    const refused = await a.post(`/api/live/${confA}/lock`, { locked: false });
    assert.equal(refused.status, 409);
    const before = host.commands.length;
    for (const path of [`/api/live/${confB}/lock`, `/api/live/${confB}/participants/b1/mute`, `/api/live/${confB}/end`]) {
      const res = await a.post(path, path.endsWith('lock') ? { locked: true } : path.endsWith('mute') ? { muted: true } : {});
      assert.equal(res.status, 404, path);
    }
    assert.equal(host.commands.length, before);
    assert.equal(host.conferences.get(confB)!.locked, false);
  });

  it('streams a conference: the snapshot first, then its events (and only them), bursts coalesced', async () => {
    const base = listeners();
    const sse = await openSse(`${w.url}/api/live/${confA}/events`, a.cookieHeader);
    assert.equal(sse.status, 200);
    assert.match(sse.contentType, /^text\/event-stream/);
    const first = await sse.next();
    assert.equal(first.event, 'snapshot');
    assert.equal(first.data.snapshot.conferenceId, confA);
    assert.ok(Array.isArray(first.data.alerts));
    assert.equal(listeners(), base + 1);
    const at = new Date().toISOString();
    const acc = w.seed.accountId;
    // Another account's and another conference's events never arrive.
    host.emit({ type: 'talking', conferenceId: confB, accountId: accB, at, participantId: 'b1', talking: true });
    host.emit({ type: 'locked', conferenceId: confA2, accountId: acc, at, locked: true, by: null });
    host.emit({ type: 'locked', conferenceId: confA, accountId: acc, at, locked: true, by: null });
    const locked = await sse.next((f) => f.event !== ':');
    assert.equal(locked.event, 'locked');
    assert.equal(locked.data.conferenceId, confA);
    // A burst: 200 talking flips of one participant and quality of three come out as one talking and one quality.
    for (let i = 0; i < 200; i++) host.emit({ type: 'talking', conferenceId: confA, accountId: acc, at, participantId: 'p1', talking: i % 2 === 0 });
    host.emit({ type: 'quality', conferenceId: confA, accountId: acc, at, items: [{ participantId: 'p1', quality: { lossPct: 1, jitterMs: 5, rttMs: 40, badge: 'good' } }] });
    host.emit({ type: 'quality', conferenceId: confA, accountId: acc, at, items: [{ participantId: 'p2', quality: { lossPct: 7, jitterMs: 5, rttMs: 40, badge: 'poor' } }, { participantId: 'p1', quality: { lossPct: 2, jitterMs: 9, rttMs: 50, badge: 'fair' } }] });
    host.emit({ type: 'recording', conferenceId: confA, accountId: acc, at, on: true, by: null });
    const rec = await sse.next((f) => f.event === 'recording');
    assert.equal(rec.data.on, true);
    const burst = sse.frames.filter((f) => f.event === 'talking' || f.event === 'quality');
    assert.equal(burst.filter((f) => f.event === 'talking').length, 1, 'talking flips coalesced');
    assert.equal(burst.find((f) => f.event === 'talking')!.data.talking, false, 'the latest state wins');
    const q = burst.filter((f) => f.event === 'quality');
    assert.equal(q.length, 1);
    assert.deepEqual(Object.fromEntries(q[0]!.data.items.map((i: { participantId: string; quality: { badge: string } }) => [i.participantId, i.quality.badge])), { p1: 'fair', p2: 'poor' });
    assert.ok(!sse.frames.some((f) => f.data && JSON.stringify(f.data).includes(confB)), 'nothing of B');
    // Pings keep the connection.
    const ping = await sse.next((f) => f.event === ':', 2000);
    assert.equal(ping.comment, 'ping');
    sse.close();
    await sse.ended;
    assert.equal(await settle(base), base, 'the subscription is released when the client goes');
  });

  it('a command from the page comes back on the stream; `ended` ends it', async () => {
    const sse = await openSse(`${w.url}/api/live/${confA2}/events`, a.cookieHeader);
    assert.equal((await sse.next()).event, 'snapshot');
    const t0 = performance.now();
    assert.equal((await a.post(`/api/live/${confA2}/participants/q1/mute`, { muted: true })).status, 200);
    const changed = await sse.next((f) => f.event === 'participant');
    const ms = performance.now() - t0;
    assert.equal(changed.data.participant.muted, true);
    assert.deepEqual(changed.data.by.kind, 'web');
    console.log(`# command → event on the stream: ${ms.toFixed(1)} ms`);
    assert.ok(ms < 1000);
    const base = listeners();
    assert.equal((await a.post(`/api/live/${confA2}/end`)).status, 200);
    const end = await sse.next((f) => f.event === 'ended');
    assert.equal(end.data.reason, 'web');
    await sse.ended;
    assert.equal(listeners(), base - 1, 'released after ended');
    await w.repos.conferences.end(w.seed.accountId, confA2, { at: w.clock.now, reason: 'web' });
  });

  it('ends a stream when its session ends (logout), at the next ping', async () => {
    const c = await w.login(DEMO.owner.username, DEMO.owner.password);
    const sse = await openSse(`${w.url}/api/live/${confA}/events`, c.cookieHeader);
    assert.equal((await sse.next()).event, 'snapshot');
    assert.equal((await c.post('/api/auth/logout')).status, 204);
    const t0 = Date.now();
    await Promise.race([sse.ended, new Promise((_r, reject) => setTimeout(() => reject(new Error('still open 3 s after logout')), 3000))]);
    console.log(`# stream closed ${Date.now() - t0} ms after logout (ping every 250 ms in this test, 15 s by default)`);
    assert.equal((await openSse(`${w.url}/api/live/${confA}/events`, c.cookieHeader)).status, 401);
  });

  it('answers 404 for another account\'s stream, 401 without a session', async () => {
    const base = listeners();
    const other = await openSse(`${w.url}/api/live/${confB}/events`, a.cookieHeader);
    assert.equal(other.status, 404);
    other.close();
    const anon = await openSse(`${w.url}/api/live/${confA}/events`, '');
    assert.equal(anon.status, 401);
    anon.close();
    const anonAll = await openSse(`${w.url}/api/live/events`, '');
    assert.equal(anonAll.status, 401);
    anonAll.close();
    assert.equal(listeners(), base, 'no subscription left behind');
  });

  it('streams the account\'s started/ended/help/lockout for the dashboard, and nothing of others', async () => {
    const base = listeners();
    const sse = await openSse(`${w.url}/api/live/events`, a.cookieHeader);
    const first = await sse.next();
    assert.equal(first.event, 'snapshot');
    assert.ok(first.data.conferences.some((c: { conferenceId: string }) => c.conferenceId === confA));
    const acc = w.seed.accountId;
    const at = new Date().toISOString();
    host.emit({ type: 'talking', conferenceId: confA, accountId: acc, at, participantId: 'p1', talking: true });
    host.emit({ type: 'help', conferenceId: confB, accountId: accB, at, participantId: 'b1', requested: true, alertId: null });
    host.emit({ type: 'help', conferenceId: confA, accountId: acc, at, participantId: 'p1', requested: true, alertId: null });
    host.emit({ type: 'lockout', conferenceId: null, accountId: acc, at, roomId: w.seed.roomId, roomNumber: DEMO.room.number, until: at, alertId: null });
    host.emit({ type: 'started', conferenceId: confA, accountId: acc, at, roomNumber: '1', roomName: 'x' });
    assert.equal((await sse.next((f) => f.event !== ':')).event, 'help');
    assert.equal((await sse.next((f) => f.event !== ':')).event, 'lockout');
    assert.equal((await sse.next((f) => f.event !== ':')).event, 'started');
    assert.ok(!sse.frames.some((f) => f.event === 'talking'));
    assert.ok(!sse.frames.some((f) => f.data && f.data.accountId === accB));
    sse.close();
    assert.equal(await settle(base), base, 'released');
  });

  it('drops a client that does not read: a resync, the stream ends, the subscription goes, memory stays bounded', async () => {
    const base = listeners();
    // A client that reads the headers and then nothing: its socket fills and stays full.
    const req = http.get(`${w.url}/api/live/${confA}/events`, { headers: { cookie: a.cookieHeader } });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => { req.once('response', resolve); req.once('error', reject); });
    assert.equal(res.statusCode, 200);
    res.pause();
    assert.equal(await settle(base + 1), base + 1);
    const acc = w.seed.accountId;
    const name = 'x'.repeat(2000);
    let sent = 0;
    const deadline = Date.now() + 15_000;
    while (listeners() > base && Date.now() < deadline && sent < 200_000) {
      for (let i = 0; i < 500; i++, sent++) {
        host.emit({ type: 'joined', conferenceId: confA, accountId: acc, at: '', participant: fakeParticipant(`flood-${sent}`, { name }) });
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.equal(listeners(), base, `still subscribed after ${sent} events`);
    console.log(`# a client reading nothing was dropped after ${sent} events of ~2 kB (${(sent * 2.3 / 1024).toFixed(1)} MB offered)`);
    // What it finally reads ends with the resync.
    res.resume();
    let tail = '';
    res.setEncoding('utf8');
    res.on('data', (c: string) => { tail = (tail + c).slice(-4000); });
    await new Promise<void>((resolve) => { res.once('end', resolve); });
    assert.match(tail, /event: resync\ndata: \{"reason":"(queue|buffer)"\}\n\n$/);
  });

  it('lists alerts of the account only; dismissing is scoped and audited', async () => {
    const acc = w.seed.accountId;
    const at = w.clock.now;
    const help = await w.repos.alerts.raise(acc, { roomId: w.seed.roomId, roomNumber: DEMO.room.number, conferenceId: confA, kind: 'help', participantId: 'p1', data: { number: '13800000001', name: '张伟' }, at });
    const lockout = await w.repos.alerts.raise(acc, { roomId: w.seed.roomId, roomNumber: DEMO.room.number, conferenceId: null, kind: 'lockout', data: { until: at.toISOString() }, at });
    const bAlert = await w.repos.alerts.raise(accB, { roomId: null, roomNumber: '5550001', conferenceId: confB, kind: 'help', participantId: 'b1', data: { name: 'B secret' }, at });
    const list = (await a.get('/api/alerts')).json<Array<{ id: string }>>();
    assert.deepEqual(new Set(list.map((x) => x.id)), new Set([help.id, lockout.id]));
    const snap = (await a.get(`/api/live/${confA}`)).json<{ alerts: Array<{ id: string }> }>();
    assert.deepEqual(new Set(snap.alerts.map((x) => x.id)), new Set([help.id, lockout.id]), 'the conference page has its help and its room\'s lockout');
    assert.equal((await a.post(`/api/alerts/${bAlert.id}/dismiss`)).status, 404);
    assert.equal((await b.post(`/api/alerts/${help.id}/dismiss`)).status, 404);
    assert.equal((await a.post('/api/alerts/not-an-id/dismiss')).status, 404);
    const ok = await a.post(`/api/alerts/${help.id}/dismiss`);
    assert.equal(ok.status, 200);
    assert.equal(ok.json().id, help.id);
    assert.deepEqual((await a.get('/api/alerts')).json<Array<{ id: string }>>().map((x) => x.id), [lockout.id]);
    assert.equal((await b.get('/api/alerts')).json<Array<{ id: string }>>().length, 1);
    const audit = await w.repos.audit.list(acc, { action: 'live.alert.dismiss' });
    assert.equal(audit[0]?.targetId, help.id);
    // The dashboard shows the open ones with a dismiss button, and links the live meetings to their consoles.
    const page = await a.get('/');
    assert.ok(page.text.includes(`data-dismiss="${lockout.id}"`));
    assert.ok(!page.text.includes(`data-dismiss="${help.id}"`));
    assert.ok(page.text.includes(`href="/live/${confA}"`));
  });

  it('describes the routes in OpenAPI, streams as text/event-stream', async () => {
    const doc = (await a.get('/api/openapi.json')).json();
    const ev = doc.paths['/api/live/{conferenceId}/events'].get;
    assert.ok(ev.responses['200'].content['text/event-stream']);
    assert.ok(doc.paths['/api/live/events'].get.responses['200'].content['text/event-stream']);
    assert.deepEqual(doc.paths['/api/live/{conferenceId}/extend'].post.requestBody.content['application/json'].schema.properties.minutes.anyOf?.map((x: { const: number }) => x.const)
      ?? doc.paths['/api/live/{conferenceId}/extend'].post.requestBody.content['application/json'].schema.properties.minutes.enum, [15, 30, 45, 60]);
    assert.ok(doc.paths['/api/live/{conferenceId}/participants/{participantId}/mute'].post.security[0].csrf);
  });

  it('renders the live page, and links it from the room page while the meeting runs', async () => {
    const page = await a.get(`/live/${confA}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('id="live-page"'));
    assert.ok(page.text.includes('id="live-config"'));
    assert.equal((await b.get(`/live/${confA}`)).status, 404);
    const room = await a.get(`/rooms/${w.seed.roomId}`);
    assert.ok(room.text.includes(`href="/live/${confA}"`));
    assert.ok(page.text.includes('全体静音') && page.text.includes('结束会议'));
    // The same page in English.
    assert.equal((await a.put('/api/me/locale', { locale: 'en' })).status, 200);
    try {
      const en = await a.get(`/live/${confA}`);
      for (const text of ['Live: ', 'Mute all', 'Unmute all', 'Lock', 'Start recording', 'Participant limit', 'End the meeting', 'Search name or number', 'Network']) {
        assert.ok(en.text.includes(text), `no "${text}" on the English page`);
      }
      assert.ok(!en.text.includes('全体静音'));
    } finally {
      await a.put('/api/me/locale', { locale: 'zh-CN' });
    }
  });

  it('keeps the room option "end when the last chair leaves"', async () => {
    const r = await a.post('/api/rooms', { name: 'Chair-bound', options: { endWhenLastChairLeaves: true } });
    assert.equal(r.status, 201);
    assert.equal(r.json().options.endWhenLastChairLeaves, true);
    assert.equal((await w.repos.rooms.get(w.seed.accountId, r.json().id)).options.endWhenLastChairLeaves, true);
    const off = await a.patch(`/api/rooms/${r.json().id}`, { options: { endWhenLastChairLeaves: false } });
    assert.equal(off.json().options.endWhenLastChairLeaves, false);
    const form = await a.get(`/rooms/${r.json().id}/edit`);
    assert.ok(form.text.includes('name="options.endWhenLastChairLeaves"'));
  });
});

describe('live console without a bridge', () => {
  let w: TestWeb;
  let a: Client;
  let conf = '';

  before(async () => {
    w = await startTestWeb();
    conf = (await w.repos.conferences.startOrGet(w.seed.accountId, { roomId: w.seed.roomId, at: w.clock.now })).conference.id;
    a = await w.login(DEMO.owner.username, DEMO.owner.password);
  });
  after(async () => { await w?.close(); });

  it('answers 503 with a clear error on the live routes; 404 still comes first for an unknown conference', async () => {
    for (const [m, p, body] of [
      ['GET', '/api/live', undefined], ['GET', `/api/live/${conf}`, undefined], ['POST', `/api/live/${conf}/lock`, { locked: true }],
      ['GET', `/api/live/${conf}/events`, undefined], ['GET', '/api/live/events', undefined],
    ] as const) {
      const res = await a.request(m, p, body ? { body } : {});
      assert.equal(res.status, 503, `${m} ${p}`);
      assert.equal(res.json().error, 'live_unavailable');
      assert.match(res.json().message, /not connected to a bridge/);
    }
    assert.equal((await a.get('/api/live/00000000-0000-4000-8000-000000000000')).status, 404);
    // Alerts are stored data: they still list.
    assert.equal((await a.get('/api/alerts')).status, 200);
    const page = await a.get(`/live/${conf}`);
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('id="live-unavailable"'));
    assert.equal((await a.get('/')).status, 200);
  });
});
