// Operator trunks and dial plans through the web API (the password is
// write-only, failover checks, the dial-plan "try" on unsaved rules), and
// the owner's convener binding (bind, duplicate refused, unbind).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestWeb, type Client, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';

const NOW = new Date('2026-06-01T02:00:00Z');
const SECRET = 'Tr-unk$ecret-7781';

describe('operator trunks, dial plans; owner conveners', () => {
  let w: TestWeb;
  let a: Client;
  let op: Client;

  before(async () => {
    w = await startTestWeb({ now: NOW });
    [a, op] = await Promise.all([w.login(DEMO.owner.username, DEMO.owner.password), w.login(DEMO.operator.username, DEMO.operator.password)]);
  });
  after(async () => { await w?.close(); });

  it('adds, edits, disables and deletes a trunk; the password never comes back', async () => {
    const r = await op.post('/api/operator/trunks', { name: 'Carrier T1', host: '127.0.0.1', port: 5090, transport: 'udp', authUsername: 'bridge', authPassword: SECRET, maxConcurrent: 10, maxCallsPerSecond: 2, callerId: '+862100000000' });
    assert.equal(r.status, 201, r.text);
    const t = r.json();
    assert.equal(t.hasPassword, true);
    assert.ok(!r.text.includes(SECRET));
    assert.equal('authPassword' in t, false);
    const list = await op.get('/api/operator/trunks');
    assert.ok(!list.text.includes(SECRET));
    assert.ok(list.json<Array<{ id: string }>>().some((x) => x.id === t.id));

    const kept = await op.patch(`/api/operator/trunks/${t.id}`, { authPassword: '', maxConcurrent: 20, enabled: false });
    assert.equal(kept.status, 200, kept.text);
    assert.deepEqual([kept.json().maxConcurrent, kept.json().enabled, kept.json().hasPassword], [20, false, true]);
    assert.equal((await w.repos.trunks.get(t.id)).authPassword, SECRET);

    const page = await op.get('/operator/trunks');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('Carrier T1') && !page.text.includes(SECRET));
    const ownerPage = await a.get('/operator/trunks');
    assert.notEqual(ownerPage.status, 200, 'an owner is sent away from the operator page');
    assert.ok(!ownerPage.text.includes('Carrier T1'));

    const cleared = await op.patch(`/api/operator/trunks/${t.id}`, { clearPassword: true });
    assert.equal(cleared.json().hasPassword, false);
    assert.equal((await w.repos.trunks.get(t.id)).authPassword, null);

    const audit = await w.db('audit_log').where({ action: 'trunk.update' }).select('data');
    assert.ok(audit.length >= 2);
    assert.ok(!JSON.stringify(audit).includes(SECRET));

    assert.equal((await op.delete(`/api/operator/trunks/${t.id}`)).status, 204);
    assert.equal((await op.get('/api/operator/trunks')).json<Array<{ id: string }>>().some((x) => x.id === t.id), false);
    assert.equal((await op.delete(`/api/operator/trunks/${t.id}`)).status, 404);
  });

  it('refuses bad fields, failover to itself and a cycle of two', async () => {
    const bad = await op.post('/api/operator/trunks', { name: 'x', host: 'h', port: 70000 });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().issues[0].path, 'port');
    const t1 = (await op.post('/api/operator/trunks', { name: 'Primary', host: '127.0.0.1' })).json();
    const t2 = (await op.post('/api/operator/trunks', { name: 'Backup', host: '127.0.0.2', failoverTrunkId: t1.id })).json();
    assert.equal(t2.failoverTrunkId, t1.id);
    const self = await op.patch(`/api/operator/trunks/${t1.id}`, { failoverTrunkId: t1.id });
    assert.equal(self.status, 400);
    assert.equal(self.json().field, 'failoverTrunkId');
    const cycle = await op.patch(`/api/operator/trunks/${t1.id}`, { failoverTrunkId: t2.id });
    assert.equal(cycle.status, 400);
    assert.equal(cycle.json().field, 'failoverTrunkId');
    // Deleting the primary leaves the backup without a failover, not dangling.
    assert.equal((await op.delete(`/api/operator/trunks/${t1.id}`)).status, 204);
    assert.equal((await w.repos.trunks.get(t2.id)).failoverTrunkId, null);
  });

  it('saves, lists, edits and deletes a dial plan; a bad pattern names the rule', async () => {
    const rules = [{ pattern: '^\\+86(1\\d{10})$', replacement: '0$1', description: 'CN mobile' }, { pattern: '^\\+(\\d+)$', replacement: '00$1' }];
    const r = await op.post('/api/operator/dial-plans', { name: 'Plan A', rules });
    assert.equal(r.status, 201, r.text);
    const plan = r.json();
    assert.equal(plan.rules.length, 2);
    assert.equal(plan.rules[1].description, '');
    const edited = await op.put(`/api/operator/dial-plans/${plan.id}`, { name: 'Plan A2', rules: [rules[1]] });
    assert.deepEqual([edited.json().name, edited.json().rules.length], ['Plan A2', 1]);
    const bad = await op.put(`/api/operator/dial-plans/${plan.id}`, { name: 'Plan A2', rules: [rules[0], { pattern: '([0-9', replacement: '' }] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().field, 'rules.1.pattern');
    assert.equal((await w.repos.trunks.getDialPlan(plan.id)).rules.length, 1, 'the bad save changed nothing');

    const t = (await op.post('/api/operator/trunks', { name: 'Planned', host: '127.0.0.3', dialPlanId: plan.id })).json();
    const page = await op.get('/operator/dial-plans');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`data-plan-id="${plan.id}"`));
    assert.equal((await op.delete(`/api/operator/dial-plans/${plan.id}`)).status, 400, 'in use by a trunk');
    await op.patch(`/api/operator/trunks/${t.id}`, { dialPlanId: null });
    assert.equal((await op.delete(`/api/operator/dial-plans/${plan.id}`)).status, 204);
    assert.equal((await op.get('/api/operator/dial-plans')).json<Array<{ id: string }>>().some((p) => p.id === plan.id), false);
    assert.equal((await op.post('/api/operator/trunks', { name: 'Nope', host: 'h', dialPlanId: plan.id })).json().field, 'dialPlanId');
  });

  it('tries unsaved rules on samples without saving', async () => {
    const before = (await op.get('/api/operator/dial-plans')).json<unknown[]>().length;
    const r = await op.post('/api/operator/dial-plans/try', {
      rules: [{ pattern: '^\\+86(1\\d{10})$', replacement: '0$1' }, { pattern: '^\\+(\\d+)$', replacement: '00$1' }],
      samples: ['13800138000', '+14155550100', 'not a number'],
    });
    assert.equal(r.status, 200, r.text);
    const res = r.json().results;
    assert.deepEqual(res[0], { input: '13800138000', e164: '+8613800138000', rule: 0, digits: '013800138000' });
    assert.deepEqual([res[1].rule, res[1].digits], [1, '0014155550100']);
    assert.deepEqual([res[2].e164, res[2].rule], [null, null]);
    assert.ok(res[2].error);
    const bad = await op.post('/api/operator/dial-plans/try', { rules: [{ pattern: '(', replacement: '' }], samples: ['1'] });
    assert.equal(bad.status, 400);
    assert.equal(bad.json().field, 'rules.0.pattern');
    assert.equal((await op.get('/api/operator/dial-plans')).json<unknown[]>().length, before);
  });

  it('keeps owners out of the operator routes', async () => {
    assert.equal((await a.get('/api/operator/trunks')).status, 403);
    assert.equal((await a.post('/api/operator/trunks', { name: 'x', host: 'h' })).status, 403);
    assert.equal((await a.post('/api/operator/dial-plans/try', { rules: [], samples: ['1'] })).status, 403);
    assert.equal((await w.client().get('/api/operator/dial-plans')).status, 401);
  });

  it('binds a convener number, refuses it twice, unbinds it', async () => {
    const r = await a.post('/api/account/conveners', { number: '139 1234 5678', name: 'Zhang' });
    assert.equal(r.status, 201, r.text);
    const b = r.json();
    assert.equal(b.number, '+8613912345678');
    assert.ok(b.roomId);
    assert.ok((await a.get('/api/account/conveners')).json<Array<{ id: string }>>().some((x) => x.id === b.id));
    const dup = await a.post('/api/account/conveners', { number: '+8613912345678' });
    assert.equal(dup.status, 409);
    assert.equal(dup.json().field, 'number');
    const bad = await a.post('/api/account/conveners', { number: 'abc' });
    assert.equal(bad.status, 400);
    const noCsrf = await a.request('POST', '/api/account/conveners', { body: { number: '13900000001' }, csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal((await op.post('/api/account/conveners', { number: '13900000002' })).status, 403);
    const page = await a.get('/account');
    assert.ok(page.text.includes('id="convener-form"') && page.text.includes(`DELETE /api/account/conveners/${b.id}`));
    assert.equal((await a.delete(`/api/account/conveners/${b.id}`)).status, 204);
    assert.equal((await a.get('/api/account/conveners')).json<Array<{ id: string }>>().some((x) => x.id === b.id), false);
    assert.equal((await a.delete(`/api/account/conveners/${b.id}`)).status, 404);
  });
});
