// The owner's meeting-records settings over HTTP: summary mail off and
// retention 0 (forever) by default; set and read back; bad input is a 400;
// only an owner may (the operator is refused); the account page shows them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO } from '../../core/seed.ts';
import { startTestWeb, type TestWeb } from '../support/web.ts';

describe('meeting-records settings', () => {
  let w: TestWeb;
  before(async () => { w = await startTestWeb({ now: new Date('2026-06-01T02:00:00Z') }); });
  after(() => w.close());

  it('default off and forever; the owner sets both; bad input is refused; the account page shows them', async () => {
    const owner = await w.login(DEMO.owner.username, DEMO.owner.password);
    assert.deepEqual((await owner.get('/api/account/meeting-records')).json(), { summaryMail: false, summaryMailSince: null, retentionDays: 0 });
    const put = await owner.put('/api/account/meeting-records', { summaryMail: true, retentionDays: 90 });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json(), { summaryMail: true, summaryMailSince: '2026-06-01T02:00:00.000Z', retentionDays: 90 });
    assert.deepEqual((await owner.get('/api/account/meeting-records')).json<{ retentionDays: number }>().retentionDays, 90);
    for (const bad of [{ retentionDays: -1 }, { retentionDays: 3651 }, { retentionDays: 1.5 }, { summaryMail: 'yes' }, { other: 1 }]) {
      const r = await owner.put('/api/account/meeting-records', bad);
      assert.equal(r.status, 400, `${JSON.stringify(bad)}: ${r.text}`);
    }
    const page = (await owner.get('/account')).text;
    assert.match(page, /id="meeting-records-form"/);
    assert.match(page, /name="summaryMail" checked/);
    assert.match(page, /name="retentionDays"[^>]*value="90"/);
    // Turned off: cleared.
    assert.equal((await owner.put('/api/account/meeting-records', { summaryMail: false })).json<{ summaryMail: boolean }>().summaryMail, false);
    const audit = await w.db('audit_log').where({ action: 'account.meeting_records' }).count({ n: '*' });
    assert.equal(Number(audit[0]!.n), 2, 'each change is audited');

    const operator = await w.login(DEMO.operator.username, DEMO.operator.password);
    assert.equal((await operator.put('/api/account/meeting-records', { retentionDays: 1 })).status, 403);
  });
});
