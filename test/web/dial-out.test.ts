// Toll fraud on the web (issue 21): the operator's dial-out policy (audited,
// bad input 400), the block list (duplicate 409, bad prefix 400, remove),
// the outbound-spend watch list over real call_legs rows and audited
// refusals, owners kept off all of it (403); the owner's view of the policy
// and its refusals; the room's "guests may invite (*6)"; a `dial_out` alert
// on the dashboard, through the live streams, and mailed to the owners
// (the outbox, no SMTP) once however often it is heard.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import { FakeLiveHost, fakeSnapshot } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { t } from '../../web/i18n/messages.ts';
import { openSse } from './sse-client.ts';

const NOW = new Date('2026-06-01T02:00:00Z'); // 10:00 in Asia/Shanghai
const HOUR = 3_600_000;

/** An outbound leg of the account that ended at `endedAt`, charged `costMinor`. */
async function outboundLeg(w: TestWeb, accountId: string, endedAt: Date, costMinor: number): Promise<void> {
  await w.db('call_legs').insert({
    id: randomUUID(), account_id: accountId, direction: 'out', caller: '4008001000', callee: '+8613900139001', destination_class: 'domestic_mobile',
    started_at: new Date(endedAt.getTime() - 600_000), answered_at: new Date(endedAt.getTime() - 590_000), ended_at: endedAt,
    state: 'closed', billable_seconds: 590, billed_seconds: 600, cost_minor: costMinor, charged_at: endedAt,
  });
}

function refusalRow(accountId: string, at: Date, data: Record<string, unknown>) {
  return { accountId, actor: 'ivr', action: 'dial_out.refused', targetType: 'conference', targetId: null, at, data: { e164: null, origin: 'keypad', roomNumber: DEMO.room.number, ...data } };
}

/** Waits (up to 3 s) until `check` gives a value. */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('dial-out policy, block list and outbound spend on the web', () => {
  let w: TestWeb;
  let a: Client;
  let op: Client;

  before(async () => {
    w = await startTestWeb({ now: NOW });
    [a, op] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(DEMO.operator.username, DEMO.operator.password)]);
  });
  after(async () => { await w?.close(); });

  it('the operator reads and sets an account\'s policy; bad input is a 400 and changes nothing; the change is audited', async () => {
    const acc = w.seed.accountId;
    const P = `/api/operator/accounts/${acc}/dial-out`;
    const r0 = await op.get(P);
    assert.equal(r0.status, 200, r0.text);
    assert.deepEqual(r0.json().classes, ['domestic_fixed', 'domestic_mobile', 'international']);

    const set = await op.patch(P, { classes: ['domestic_mobile', 'domestic_fixed'], maxOutboundCalls: 3, dailyCapMinor: 5000, guestsMayInvite: false });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.json(), { classes: ['domestic_fixed', 'domestic_mobile'], maxOutboundCalls: 3, dailyCapMinor: 5000, guestsMayInvite: false });
    assert.deepEqual(await w.repos.dialOut.policy(acc), set.json());

    for (const [body, field] of [
      [{ classes: ['premium'] }, 'classes.0'], [{ maxOutboundCalls: -1 }, 'maxOutboundCalls'], [{ maxOutboundCalls: 2.5 }, 'maxOutboundCalls'],
      [{ dailyCapMinor: -100 }, 'dailyCapMinor'], [{ dailyCapMinor: '50' }, 'dailyCapMinor'], [{ classes: 'international' }, 'classes'],
      [{ guestsMayInvite: 'yes' }, 'guestsMayInvite'],
      [{ unknown: true }, ''],
    ] as Array<[Record<string, unknown>, string]>) {
      const bad = await op.patch(P, body);
      assert.equal(bad.status, 400, `${JSON.stringify(body)}: ${bad.status}`);
      if (field) assert.equal(bad.json().issues[0].path, field, JSON.stringify(body));
    }
    assert.deepEqual(await w.repos.dialOut.policy(acc), set.json(), 'nothing changed by the bad requests');
    assert.equal((await op.patch(`/api/operator/accounts/${randomUUID()}/dial-out`, { maxOutboundCalls: 1 })).status, 404);

    const none = await op.patch(P, { dailyCapMinor: null });
    assert.equal(none.json().dailyCapMinor, null);
    assert.equal(none.json().maxOutboundCalls, 3, 'fields not given are kept');

    const audit = await w.repos.audit.list(acc, { action: 'account.dial_out_policy' });
    assert.equal(audit.length, 2);
    assert.deepEqual(audit[1]!.data, { classes: ['domestic_mobile', 'domestic_fixed'], maxOutboundCalls: 3, dailyCapMinor: 5000, guestsMayInvite: false });
    assert.equal(audit[0]!.targetId, acc);

    const page = await op.get('/operator/accounts');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`data-api="PATCH /api/operator/accounts/${acc}/dial-out"`), 'the accounts page edits the policy');
    assert.match(page.text, /name="maxOutboundCalls"[^>]*value="3"/);
    assert.match(page.text, /value="international" >/, 'international unchecked');
  });

  it('blocks a prefix, refuses a duplicate (409) and a bad one (400), and unblocks it', async () => {
    const list0 = (await op.get('/api/operator/blocked-prefixes')).json<Array<{ prefix: string }>>();
    assert.ok(list0.some((b) => b.prefix === '882'), 'the seed blocks 882');
    const r = await op.post('/api/operator/blocked-prefixes', { prefix: '+4475', description: 'Test premium' });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json().prefix, '4475');
    assert.equal(r.json().description, 'Test premium');
    const dup = await op.post('/api/operator/blocked-prefixes', { prefix: '4475' });
    assert.equal(dup.status, 409, dup.text);
    for (const prefix of ['abc', '', '44-75', '1234567890123456', '+']) {
      const bad = await op.post('/api/operator/blocked-prefixes', { prefix });
      assert.equal(bad.status, 400, `${prefix}: ${bad.status}`);
      assert.equal(bad.json().issues[0].path, 'prefix');
    }
    assert.equal((await op.post('/api/operator/blocked-prefixes', { prefix: '4476', extra: 1 })).status, 400);

    const page = await op.get('/operator/blocked-prefixes');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('+4475') && page.text.includes('Test premium'));
    assert.ok(page.text.includes('data-action="DELETE /api/operator/blocked-prefixes/4475"'));
    assert.ok(page.text.includes('href="/operator/blocked-prefixes"'), 'in the operator nav');

    assert.equal((await op.delete('/api/operator/blocked-prefixes/4475')).status, 204);
    assert.equal((await op.delete('/api/operator/blocked-prefixes/4475')).status, 404);
    assert.equal((await op.delete('/api/operator/blocked-prefixes/not-digits')).status, 404);
    assert.ok(!(await op.get('/api/operator/blocked-prefixes')).json<Array<{ prefix: string }>>().some((b) => b.prefix === '4475'));
    const actions = (await w.repos.audit.listAll({ limit: 50 })).filter((e) => e.targetId === '4475').map((e) => e.action);
    assert.deepEqual(actions, ['dial_out.unblock', 'dial_out.block']);
  });

  it('lists accounts by outbound spend with today\'s spend, the cap and the refusals in the window', async () => {
    const x = await w.repos.accounts.create({ name: 'Spendy Ltd', timeZone: 'Asia/Shanghai' });
    const quiet = await w.repos.accounts.create({ name: 'Quiet Ltd' });
    const probed = await w.repos.accounts.create({ name: 'Probed Ltd' });
    await w.repos.dialOut.setPolicy(x.id, { dailyCapMinor: 1000 });
    await outboundLeg(w, x.id, new Date(NOW.getTime() - HOUR), 600); // today (09:00 Shanghai)
    await outboundLeg(w, x.id, new Date(NOW.getTime() - 3 * 86_400_000), 250); // this week
    await outboundLeg(w, x.id, new Date(NOW.getTime() - 20 * 86_400_000), 4000); // this month
    await outboundLeg(w, quiet.id, new Date(NOW.getTime() - 20 * 86_400_000), 99);
    await w.repos.audit.append(refusalRow(x.id, new Date(NOW.getTime() - 2 * HOUR), { target: '0088212345', reason: 'blocked', detail: '882' }));
    await w.repos.audit.append(refusalRow(x.id, new Date(NOW.getTime() - 10 * 86_400_000), { target: '0088212345', reason: 'blocked', detail: '882' }));
    await w.repos.audit.append(refusalRow(probed.id, new Date(NOW.getTime() - HOUR), { target: '0097912', reason: 'blocked', detail: '979' }));

    type Row = { accountId: string; accountName: string; spentMinor: number; calls: number; spentTodayMinor: number; dailyCapMinor: number | null; refusals: number; overHalfCap: boolean };
    const week = await op.get('/api/operator/outbound-spend?days=7');
    assert.equal(week.status, 200, week.text);
    const rows = week.json<{ days: number; accounts: Row[] }>().accounts;
    const rx = rows.find((r) => r.accountId === x.id);
    assert.deepEqual(rx, { accountId: x.id, accountName: 'Spendy Ltd', currency: 'CNY', spentMinor: 850, calls: 2, spentTodayMinor: 600, dailyCapMinor: 1000, refusals: 1, overHalfCap: true });
    assert.ok(!rows.some((r) => r.accountId === quiet.id), 'nothing this week');
    const rp = rows.find((r) => r.accountId === probed.id);
    assert.deepEqual([rp?.spentMinor, rp?.refusals, rp?.overHalfCap], [0, 1, false], 'refused without spending: listed too');
    assert.ok(rows.indexOf(rx!) < rows.indexOf(rp!), 'largest spend first');

    const month = (await op.get('/api/operator/outbound-spend?days=30')).json<{ accounts: Row[] }>().accounts;
    assert.deepEqual([month.find((r) => r.accountId === x.id)?.spentMinor, month.find((r) => r.accountId === x.id)?.refusals], [4850, 2]);
    assert.equal(month.find((r) => r.accountId === quiet.id)?.spentMinor, 99);
    const day = (await op.get('/api/operator/outbound-spend?days=1')).json<{ accounts: Row[] }>().accounts;
    assert.equal(day.find((r) => r.accountId === x.id)?.spentMinor, 600);
    for (const q of ['days=2', 'days=abc', 'days=-7']) assert.equal((await op.get(`/api/operator/outbound-spend?${q}`)).status, 400, q);

    const page = await op.get('/operator/outbound-spend');
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`<tr data-account-id="${x.id}" class="over-half-cap">`));
    assert.ok(page.text.includes('Spendy Ltd') && page.text.includes('¥6.00') && page.text.includes('¥8.50') && page.text.includes('¥10.00'));
    assert.match(page.text, new RegExp(`<tr data-account-id="${probed.id}" class="">`));
    assert.ok(!page.text.includes('Quiet Ltd'));
  });

  it('keeps owners off the operator\'s routes and pages (403)', async () => {
    const acc = w.seed.accountId;
    for (const [m, p, body] of [
      ['GET', `/api/operator/accounts/${acc}/dial-out`, undefined], ['PATCH', `/api/operator/accounts/${acc}/dial-out`, { maxOutboundCalls: 100 }],
      ['GET', '/api/operator/blocked-prefixes', undefined], ['POST', '/api/operator/blocked-prefixes', { prefix: '4477' }],
      ['DELETE', '/api/operator/blocked-prefixes/882', undefined], ['GET', '/api/operator/outbound-spend', undefined],
    ] as Array<[string, string, unknown]>) {
      const r = await a.request(m, p, body === undefined ? {} : { body });
      assert.equal(r.status, 403, `${m} ${p}: ${r.status}`);
    }
    for (const p of ['/operator/blocked-prefixes', '/operator/outbound-spend']) assert.notEqual((await a.get(p)).status, 200, p);
    const doc = (await a.get('/api/openapi.json')).json<{ paths: Record<string, Record<string, unknown>> }>();
    for (const [p, ms] of [['/api/operator/accounts/{id}/dial-out', ['get', 'patch']], ['/api/operator/blocked-prefixes', ['get', 'post']],
      ['/api/operator/blocked-prefixes/{prefix}', ['delete']], ['/api/operator/outbound-spend', ['get']], ['/api/account/dial-out', ['get']]] as Array<[string, string[]]>) {
      assert.deepEqual(Object.keys(doc.paths[p] ?? {}).sort(), ms, `OpenAPI ${p}`);
    }
    assert.ok((await w.repos.dialOut.blocked()).some((b) => b.prefix === '882'), 'still blocked');
    assert.notEqual((await w.repos.dialOut.policy(acc)).maxOutboundCalls, 100);
  });

  it('shows the owner the policy and the latest refusals (API and account page), only the account\'s own', async () => {
    const acc = w.seed.accountId;
    await w.repos.dialOut.setPolicy(acc, { classes: ['domestic_mobile'], maxOutboundCalls: 4, dailyCapMinor: 2000, guestsMayInvite: false });
    const other = await w.repos.accounts.create({ name: 'Other Ltd' });
    await w.repos.audit.append(refusalRow(acc, new Date(NOW.getTime() - 60_000), { target: '0088299887', e164: '+88299887', reason: 'blocked', detail: '882' }));
    await w.repos.audit.append(refusalRow(acc, new Date(NOW.getTime() - 30_000), { target: '0044207946', e164: '+44207946', reason: 'class', detail: 'international' }));
    await w.repos.audit.append(refusalRow(other.id, NOW, { target: '13700137999', reason: 'concurrent', detail: '2' }));

    const r = await a.get('/api/account/dial-out');
    assert.equal(r.status, 200, r.text);
    const body = r.json<{ policy: unknown; refusals: Array<Record<string, unknown>> }>();
    assert.deepEqual(body.policy, { classes: ['domestic_mobile'], maxOutboundCalls: 4, dailyCapMinor: 2000, guestsMayInvite: false });
    assert.deepEqual(body.refusals.map((x) => x.target), ['0044207946', '0088299887'], 'newest first, not another account\'s');
    assert.deepEqual(body.refusals[1], { at: new Date(NOW.getTime() - 60_000).toISOString(), roomNumber: DEMO.room.number, target: '0088299887', e164: '+88299887', reason: 'blocked', detail: '882', origin: 'keypad' });
    assert.equal((await op.get('/api/account/dial-out')).status, 403, 'an operator has no account');

    const page = await a.get('/account');
    assert.equal(page.status, 200);
    const zh = (k: Parameters<typeof t>[1], v?: Record<string, string>) => t('zh-CN', k, v);
    assert.ok(page.text.includes(zh('js.dialOut.blocked', { detail: '882' })), 'the reason in words');
    assert.ok(page.text.includes(zh('js.dialOut.class', { detail: zh('js.dialOut.cls.international') })));
    assert.ok(page.text.includes('0088299887') && !page.text.includes('13700137999'));
    assert.match(page.text, /id="dial-out-calls">4</);
    assert.match(page.text, /id="dial-out-cap">¥20\.00</);
    assert.ok(page.text.includes(`id="dial-out-classes">${zh('js.dialOut.cls.domestic_mobile')}<`));
  });

  it('puts "guests may invite (*6)" on the room form and the room page', async () => {
    const form = await a.get(`/rooms/${w.seed.roomId}/edit`);
    assert.equal(form.status, 200);
    assert.match(form.text, /name="options.guestsMayInvite"/);
    assert.ok(form.text.includes(t('zh-CN', 'opt.guestsMayInvite')));
    const r = await a.patch(`/api/rooms/${w.seed.roomId}`, { options: { guestsMayInvite: true } });
    assert.equal(r.status, 200, r.text);
    assert.equal((await w.repos.rooms.get(w.seed.accountId, w.seed.roomId)).options.guestsMayInvite, true);
    const page = await a.get(`/rooms/${w.seed.roomId}`);
    assert.ok(page.text.includes('来宾可邀请 (*6)'));
  });
});

describe('dial_out alerts: dashboard, live streams, mail', () => {
  let w: TestWeb;
  let host: FakeLiveHost;
  let a: Client;
  let conf = '';

  before(async () => {
    host = new FakeLiveHost();
    w = await startTestWeb({ now: NOW, live: new LocalLiveBus(host), liveTuning: { flushMs: 20, pingMs: 250, maxPending: 2000, maxBufferedBytes: 64 * 1024 } });
    conf = (await w.repos.conferences.startOrGet(w.seed.accountId, { roomId: w.seed.roomId, at: NOW })).conference.id;
    host.add(fakeSnapshot(conf, w.seed.accountId, { roomId: w.seed.roomId, roomNumber: DEMO.room.number }));
    a = await w.login(DEMO.owner.username, DEMO.owner.password);
  });
  after(async () => { await w?.close(); });

  const raise = (limit: string, target: string) => w.repos.alerts.raise(w.seed.accountId, {
    roomId: w.seed.roomId, roomNumber: DEMO.room.number, conferenceId: conf, kind: 'dial_out', data: { reason: 'concurrent', limit, target }, at: NOW,
  });
  const refused = (target: string, detail: string, alertId: string | null) => host.emit({
    type: 'dial-out-refused', conferenceId: conf, accountId: w.seed.accountId, at: NOW.toISOString(), target, reason: 'concurrent', detail, alertId,
  });
  const mailsTo = async (to: string) => (await w.repos.outbox.list()).filter((m) => m.to === to);

  it('mails the owners once per alert (kept in the outbox without SMTP); a refusal without an alert mails nobody', async () => {
    const alert = await raise('10', '13900139001');
    refused('13900139002', '10', null);
    refused('13900139001', '10', alert.id);
    refused('13900139001', '10', alert.id); // heard twice (two web processes, a replay): one mail
    const [mail] = await until('the alert mail', async () => { const m = await mailsTo('demo@example.com'); return m.length > 0 ? m : undefined; });
    assert.equal(mail!.status, 'outbox');
    assert.equal(mail!.accountId, w.seed.accountId);
    const account = await w.repos.accounts.get(w.seed.accountId);
    assert.equal(mail!.subject, t('zh-CN', 'dialOut.mail.subject', { account: account.name }));
    assert.ok(mail!.text.includes(`${DEMO.room.number}`) && mail!.text.includes('13900139001') && mail!.text.includes(t('zh-CN', 'js.live.dialOutCalls', { n: 10 })), mail!.text);

    const second = await raise('12', '13900139005');
    refused('13900139005', '12', second.id);
    await until('the second mail', async () => ((await mailsTo('demo@example.com')).length >= 2 ? true : undefined));
    const all = await mailsTo('demo@example.com');
    assert.equal(all.length, 2, 'one mail per alert');
    assert.ok(all.some((m) => m.text.includes('13900139005')));
    assert.equal(await w.repos.alerts.claimMail(alert.id, NOW), null, 'claimed');
  });

  it('shows the alert on the dashboard in words', async () => {
    await raise('7', '13900139007');
    const page = await a.get('/');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(t('zh-CN', 'js.live.dialOutAlert', { number: DEMO.room.number, what: t('zh-CN', 'js.live.dialOutCalls', { n: 7 }), target: '13900139007' })));
    assert.ok(page.text.includes('class="alert-dial_out"'));
  });

  it('passes dial-out-refused to the conference\'s stream and the dashboard\'s', async () => {
    const dash = await openSse(`${w.url}/api/live/events`, a.cookieHeader);
    const live = await openSse(`${w.url}/api/live/${conf}/events`, a.cookieHeader);
    try {
      assert.equal((await dash.next()).event, 'snapshot');
      assert.equal((await live.next()).event, 'snapshot');
      refused('00882123', '882', null);
      const d = await dash.next((f) => f.event !== ':');
      const l = await live.next((f) => f.event !== ':');
      for (const f of [d, l]) {
        assert.equal(f.event, 'dial-out-refused');
        assert.equal(f.data.target, '00882123');
      }
    } finally {
      dash.close();
      live.close();
    }
  });
});
