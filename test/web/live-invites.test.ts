// The live console's invite API over a FakeLiveHost: single invites, bulk
// from contacts and whole groups (expanded by the web, each number once),
// absent, cancel and redial reach the host as the live seam's commands with
// the web user as the actor, and are audited; bad bodies are 400 and reach
// nothing; another account's contacts, groups and conferences are 404.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { FakeLiveHost, fakeSnapshot } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { DEMO } from '../../core/seed.ts';
import type { LiveCommand } from '../../core/live/messages.ts';
import { openSse } from './sse-client.ts';

const OWNER_B = { username: 'inv-owner-b', password: 'InvB#2026' };

describe('live console invites API', () => {
  let w: TestWeb;
  let host: FakeLiveHost;
  let a: Client;
  let b: Client;
  let conf = '';
  let groupId = '';
  let contactIds: string[] = [];
  let foreignContact = '';
  let foreignGroup = '';
  const sent = () => host.commands.map((c) => c.command);
  const lastOf = <T extends LiveCommand['type']>(type: T) => sent().filter((c) => c.type === type).at(-1) as Extract<LiveCommand, { type: T }> | undefined;

  before(async () => {
    host = new FakeLiveHost();
    w = await startTestWeb({ live: new LocalLiveBus(host) });
    const acc = w.seed.accountId;
    const accB = (await w.repos.accounts.create({ name: 'Inv B Ltd', tier: 'formal' })).id;
    await w.repos.users.create({ accountId: accB, role: 'owner', username: OWNER_B.username, password: OWNER_B.password });
    conf = (await w.repos.conferences.startOrGet(acc, { roomId: w.seed.roomId, at: w.clock.now })).conference.id;
    host.add(fakeSnapshot(conf, acc, { roomId: w.seed.roomId, roomNumber: DEMO.room.number, roomName: 'Demo room' }));
    const c1 = (await w.repos.contacts.create(acc, { name: '王五', phone: '13900139011' })).contact;
    const c2 = (await w.repos.contacts.create(acc, { name: '赵六', phone: '13900139012' })).contact;
    const c3 = (await w.repos.contacts.create(acc, { name: '孙七', phone: '13900139013' })).contact;
    contactIds = [c1.id, c2.id, c3.id];
    groupId = (await w.repos.contacts.createGroup(acc, 'Sales')).id;
    await w.repos.contacts.addToGroup(acc, groupId, [c2.id, c3.id]);
    foreignContact = (await w.repos.contacts.create(accB, { name: 'B secret', phone: '13900139099' })).contact.id;
    foreignGroup = (await w.repos.contacts.createGroup(accB, 'B group')).id;
    [a, b] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(OWNER_B.username, OWNER_B.password)]);
  });
  after(async () => { await w?.close(); });

  it('invites one number with a name: the host gets the invite command from the web user; the rows come back queued; audited', async () => {
    const res = await a.post(`/api/live/${conf}/invites`, { targets: [{ target: '13900139001*123', name: '李四' }] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json().invites.map((i: { target: string; state: string }) => [i.target, i.state]), [['13900139001*123', 'queued']]);
    const c = host.commands.at(-1)!;
    assert.deepEqual(c.command, { type: 'invite', targets: [{ target: '13900139001*123', name: '李四' }] });
    assert.equal(c.actor.kind, 'web');
    const audit = await w.repos.audit.list(w.seed.accountId, { limit: 5 });
    assert.ok(audit.some((e) => e.action === 'live.invite'));
  });

  it('bulk: contacts and a whole group, each number once, with their names and contact ids', async () => {
    const res = await a.post(`/api/live/${conf}/invites`, { targets: [{ target: 'sip:guest@example.test' }], contactIds: [contactIds[0], contactIds[1]], groupIds: [groupId] });
    assert.equal(res.status, 200, res.text);
    const cmd = lastOf('invite')!;
    assert.deepEqual(cmd.targets.map((t) => [t.target, t.name]), [['sip:guest@example.test', undefined], ['+8613900139011', '王五'], ['+8613900139012', '赵六'], ['+8613900139013', '孙七']]);
    assert.deepEqual(cmd.targets.slice(1).map((t) => t.contactId), contactIds);
  });

  it('cancel, redial and absent reach the host; a finished invite cannot be cancelled (409)', async () => {
    const made = (await a.post(`/api/live/${conf}/invites`, { targets: [{ target: '13900139005' }] })).json().invites[0].id as string;
    assert.equal((await a.post(`/api/live/${conf}/invites/${made}/cancel`, {})).status, 200);
    assert.deepEqual(lastOf('invite-cancel'), { type: 'invite-cancel', inviteId: made });
    assert.equal((await a.post(`/api/live/${conf}/invites/${made}/cancel`, {})).status, 409);
    const redial = await a.post(`/api/live/${conf}/invites/${made}/redial`, {});
    assert.equal(redial.status, 200);
    assert.equal(redial.json().invites[0].state, 'queued');
    const absent = await a.post(`/api/live/${conf}/invites/absent`, {});
    assert.equal(absent.status, 200);
    assert.equal(lastOf('invite-absent')?.type, 'invite-absent');
    assert.equal((await a.post(`/api/live/${conf}/invites/nope/redial`, {})).status, 404);
  });

  it('bad bodies are 400 and reach nothing', async () => {
    const before = host.commands.length;
    for (const body of [{}, { targets: [] }, { targets: [{ target: '' }] }, { targets: [{ target: '1', extra: 1 }] }, { contactIds: ['not-a-uuid'] }, { targets: Array.from({ length: 501 }, () => ({ target: '13900139001' })) }, { nope: 1 }]) {
      const res = await a.post(`/api/live/${conf}/invites`, body);
      assert.equal(res.status, 400, `${JSON.stringify(body).slice(0, 60)}: ${res.status} ${res.text}`);
    }
    assert.equal(host.commands.length, before);
  });

  it('the live page has the invite panel (contacts, groups, absent); the stream carries invites in the snapshot and as events, latest state per invite', async () => {
    const page = await a.get(`/live/${conf}`);
    assert.equal(page.status, 200);
    for (const id of ['invite-one', 'invite-target', 'invite-contacts', 'invite-group', 'invite-absent', 'live-invites']) assert.ok(page.text.includes(`id="${id}"`), id);
    assert.ok(page.text.includes('王五') && page.text.includes('Sales'));
    assert.ok(page.text.includes('呼叫所有未入会者'), 'the demo owner reads Chinese (the English texts: live-texts.test.ts)');
    const sse = await openSse(`${w.url}/api/live/${conf}/events`, a.cookieHeader);
    const first = await sse.next();
    assert.equal(first.event, 'snapshot');
    assert.ok(first.data.snapshot.invites.length >= 1, 'the invites so far are in the snapshot');
    const made = (await a.post(`/api/live/${conf}/invites`, { targets: [{ target: '13900139021', name: 'SSE' }] })).json().invites[0];
    const ev = await sse.next((f) => f.event === 'invite' && f.data.invite.id === made.id);
    assert.equal(ev.data.invite.state, 'queued');
    await a.post(`/api/live/${conf}/invites/${made.id}/cancel`, {});
    const cancelled = await sse.next((f) => f.event === 'invite' && f.data.invite.id === made.id && f.data.invite.state === 'cancelled');
    assert.equal(cancelled.data.invite.name, 'SSE');
    sse.close();
  });

  it('another account\'s contacts, groups and conference are 404, never called, never shown', async () => {
    const before = host.commands.length;
    for (const body of [{ contactIds: [foreignContact] }, { groupIds: [foreignGroup] }]) {
      const res = await a.post(`/api/live/${conf}/invites`, body);
      assert.equal(res.status, 404, res.text);
      assert.ok(!res.text.includes('B secret'));
    }
    assert.equal((await b.post(`/api/live/${conf}/invites`, { targets: [{ target: '13900139001' }] })).status, 404);
    assert.equal((await b.post(`/api/live/${conf}/invites/absent`, {})).status, 404);
    assert.equal(host.commands.length, before);
  });
});
