// Members of an account (issue 19) through the API: an owner adds a member,
// the invitation mail's one-time link sets the password (once, for 7 days),
// the member logs in; only the owner makes or changes admins, nobody touches
// the owner; a removed member's rooms pass to the owner; every action is in
// the audit log, filterable by member. A directory CSV of 1,000 members
// (with duplicates in the file and against members) imports in under 5 s.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import { addMember, PASSWORD } from '../support/roles-fixture.ts';

const linkIn = (text: string): string => {
  const m = /https?:\/\/\S+\/invite\/([A-Za-z0-9_-]+)/.exec(text);
  assert.ok(m, `no link in ${text}`);
  return m[1]!;
};

describe('members of an account', () => {
  let w: TestWeb;
  let owner: Client;

  before(async () => {
    w = await startTestWeb({ mail: 'capture' });
    owner = await w.login(DEMO.owner.username, DEMO.owner.password);
  });
  after(async () => { await w?.close(); });

  it('adds a member who sets a password with the mailed link (once) and logs in', async () => {
    const res = await owner.post('/api/members', { name: '李四 Li Si', email: 'Li.Si@Example.com', phone: '138 0013 9000', department: 'Sales', role: 'organizer' });
    assert.equal(res.status, 201, res.text);
    const m = res.json();
    assert.equal(m.username, 'li.si@example.com');
    assert.equal(m.phone, '+8613800139000');
    assert.equal(m.passwordSet, false);
    const mail = w.sent.find((x) => x.to === 'li.si@example.com');
    assert.ok(mail, 'the invitation was mailed');
    const token = linkIn(mail.text);
    // Only the hash is stored.
    const row = await w.db('users').where({ id: m.id }).first();
    assert.notEqual(row.invite_token_hash, token);
    assert.equal(row.invite_token_hash.length, 64);
    assert.equal(new Date(row.invite_expires_at).getTime() - w.clock.now.getTime(), 7 * 24 * 3600_000);
    // No login before the password is set.
    assert.equal((await w.client().login('li.si@example.com', 'anything')).status, 401);
    assert.equal((await w.client().get(`/invite/${token}`)).status, 200);
    const c = w.client();
    await c.get('/api/auth/csrf').then((r) => { c.csrf = r.json().csrfToken; });
    assert.equal((await c.post('/api/invitations/accept', { token, password: 'weak' })).status, 400);
    assert.equal((await c.post('/api/invitations/accept', { token, password: 'Li#Si2026x' })).status, 200);
    assert.equal((await c.post('/api/invitations/accept', { token, password: 'Li#Si2026y' })).status, 404, 'the link works once');
    assert.equal((await w.client().get(`/invite/${token}`)).status, 404);
    const li = await w.login('li.si@example.com', 'Li#Si2026x');
    assert.equal((await li.get('/api/me')).json().user?.role ?? (await li.get('/api/me')).json().role, 'organizer');
    // Duplicates are refused.
    assert.equal((await owner.post('/api/members', { name: 'x', email: 'li.si@example.com', role: 'organizer' })).status, 409);
    assert.equal((await owner.post('/api/members', { name: 'x', email: 'other@example.com', phone: '13800139000', role: 'organizer' })).status, 409);
  });

  it('an expired link is refused', async () => {
    const res = await owner.post('/api/members', { name: 'Late', email: 'late@example.com', role: 'organizer' });
    const token = linkIn(w.sent.find((x) => x.to === 'late@example.com')!.text);
    const saved = w.clock.now;
    try {
      w.clock.now = new Date(saved.getTime() + 7 * 24 * 3600_000 + 1000);
      const c = w.client();
      c.csrf = (await c.get('/api/auth/csrf')).json().csrfToken;
      assert.equal((await c.post('/api/invitations/accept', { token, password: 'Late#2026x' })).status, 404);
    } finally { w.clock.now = saved; }
    // A new link works (the old one does not).
    assert.equal((await owner.post(`/api/members/${res.json().id}/invitation`)).status, 200);
    const again = linkIn(w.sent.filter((x) => x.to === 'late@example.com').at(-1)!.text);
    assert.notEqual(again, token);
    const c = w.client();
    c.csrf = (await c.get('/api/auth/csrf')).json().csrfToken;
    assert.equal((await c.post('/api/invitations/accept', { token, password: 'Late#2026x' })).status, 404);
    assert.equal((await c.post('/api/invitations/accept', { token: again, password: 'Late#2026x' })).status, 200);
  });

  it('only the owner makes or changes admins; nobody freezes, demotes or removes the owner', async () => {
    const acc = w.seed.accountId;
    const adm = await addMember(w, acc, 'admin', 'adm');
    const adm2 = await addMember(w, acc, 'admin', 'adm2');
    const org = await addMember(w, acc, 'organizer', 'org');
    const a = await w.login(adm.username, PASSWORD);
    assert.equal((await a.post('/api/members', { name: 'x', email: 'x-admin@example.com', role: 'admin' })).status, 403);
    assert.equal((await a.patch(`/api/members/${org.userId}`, { role: 'admin' })).status, 403);
    assert.equal((await a.patch(`/api/members/${adm2.userId}`, { frozen: true })).status, 403);
    assert.equal((await a.delete(`/api/members/${adm2.userId}`)).status, 403);
    assert.equal((await a.patch(`/api/members/${w.seed.ownerUserId}`, { frozen: true })).status, 403);
    assert.equal((await a.patch(`/api/members/${w.seed.ownerUserId}`, { role: 'organizer' })).status, 403);
    assert.equal((await a.delete(`/api/members/${w.seed.ownerUserId}`)).status, 403);
    assert.equal((await owner.patch(`/api/members/${w.seed.ownerUserId}`, { role: 'organizer' })).status, 403);
    // An admin runs organizers; the owner runs admins.
    assert.equal((await a.patch(`/api/members/${org.userId}`, { frozen: true })).status, 200);
    assert.equal((await a.patch(`/api/members/${org.userId}`, { frozen: false })).status, 200);
    assert.equal((await owner.patch(`/api/members/${org.userId}`, { role: 'admin' })).json().role, 'admin');
    assert.equal((await owner.patch(`/api/members/${adm2.userId}`, { role: 'organizer' })).json().role, 'organizer');
    assert.equal((await w.repos.users.get({ accountId: acc }, w.seed.ownerUserId)).role, 'owner');
    // Another account's member: 404.
    const accB = await w.repos.accounts.create({ name: 'B' });
    const bUser = await w.repos.users.create({ accountId: accB.id, role: 'owner', username: 'members-b', password: PASSWORD });
    assert.equal((await owner.patch(`/api/members/${bUser.id}`, { frozen: true })).status, 404);
    assert.equal((await owner.delete(`/api/members/${bUser.id}`)).status, 404);
  });

  it('a removed member\'s rooms pass to the owner; the audit log shows who did what, filterable by member', async () => {
    const acc = w.seed.accountId;
    const org = await addMember(w, acc, 'organizer', 'leaver');
    const c = await w.login(org.username, PASSWORD);
    const room = (await c.post('/api/rooms', { name: 'Leaver room' })).json();
    assert.equal((await owner.delete(`/api/members/${org.userId}`)).status, 204);
    assert.equal((await w.repos.rooms.get(acc, room.id)).organizerUserId, w.seed.ownerUserId);
    assert.equal((await c.get('/api/me')).status, 401, 'their session ended');
    const all = (await owner.get('/api/audit')).json<Array<{ action: string; actor: string; ip: string | null; data: Record<string, unknown> }>>();
    const removal = all.find((e) => e.action === 'member.remove');
    assert.ok(removal);
    assert.equal(removal.actor, `user:${w.seed.ownerUserId}`);
    assert.equal(removal.data.roomsMoved, 1);
    assert.ok(removal.ip, 'from where');
    for (const a of ['member.add', 'member.freeze', 'member.unfreeze', 'member.role', 'member.invite', 'member.password_set']) assert.ok(all.some((e) => e.action === a), a);
    // What the removed member did stays, under their id.
    const theirs = (await owner.get(`/api/audit?userId=${org.userId}`)).json<Array<{ action: string; actor: string }>>();
    assert.ok(theirs.some((e) => e.action === 'room.create'));
    assert.ok(theirs.every((e) => e.actor === `user:${org.userId}`));
    const page = await owner.get(`/audit?member=${w.seed.ownerUserId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /member\.remove/);
  });

  it('imports a directory CSV of 1,000 members in under 5 s, listing the duplicates row by row', async () => {
    const lines = ['姓名,邮箱,手机,部门'];
    for (let i = 0; i < 1000; i++) lines.push(`成员${i},user${i}@corp.example,1391${String(i).padStart(7, '0')},部门${i % 7}`);
    lines.push('重复邮箱,user5@corp.example,13999999999,x'); // line 1002: e-mail of line 7
    lines.push('重复手机,dup-phone@corp.example,13910000009,x'); // line 1003: phone of line 11
    lines.push('已是成员,li.si@example.com,,x'); // line 1004: an existing member
    lines.push('坏邮箱,not-an-email,,x'); // line 1005
    const csv = lines.join('\n');
    const preview = await owner.post('/api/members/import/preview', { csv });
    assert.equal(preview.status, 200);
    assert.equal(preview.json().rows.length, 1000);
    const t0 = performance.now();
    const res = await owner.post('/api/members/import', { csv, role: 'organizer' });
    const ms = performance.now() - t0;
    console.log(`# imported ${res.json().created?.length} members (their invitation mails recorded in the outbox) in ${ms.toFixed(0)} ms`);
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const body = res.json();
    assert.equal(body.created.length, 1000);
    assert.deepEqual(body.duplicates, [
      { line: 1002, field: 'email', value: 'user5@corp.example', firstLine: 7 },
      { line: 1003, field: 'phone', value: '+8613910000009', firstLine: 11 },
      { line: 1004, field: 'username', value: 'li.si@example.com', firstLine: null },
    ]);
    assert.equal(body.errors.length, 1);
    assert.equal(body.errors[0].line, 1005);
    assert.ok(ms < 5000, `1,000 members took ${ms} ms`);
    // The invitations were recorded with the import and go out in the background.
    const outbox = await w.db('mail_outbox').where('to', 'like', '%@corp.example').count<{ count: string }[]>('* as count');
    assert.equal(Number(outbox[0]!.count), 1000);
    const deadline = Date.now() + 60_000;
    while (w.sent.filter((m) => m.to.endsWith('@corp.example')).length < 1000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    console.log(`# the 1,000 invitation mails were all sent ${(performance.now() - t0).toFixed(0)} ms after the import began`);
    assert.equal(w.sent.filter((m) => m.to.endsWith('@corp.example')).length, 1000, 'every imported member got their link');
    assert.match(w.sent.find((m) => m.to === 'user0@corp.example')!.text, /\/invite\/[A-Za-z0-9_-]{43}/);
    // Importing the same file again adds nobody: every row is a duplicate of a member now.
    const again = (await owner.post('/api/members/import/preview', { csv })).json();
    assert.equal(again.rows.length, 0);
    assert.equal(again.duplicates.length, 1003);
  });
});
