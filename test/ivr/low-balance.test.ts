// The owner's low-balance warning after real rated calls (issue 14): the IVR
// on the fake engine with the real CDR recorder, rating and charging (the
// demo dial-in rate: 15 minor per started minute), and the web app over the
// same database with a captured mail transport and a fast sweep. The owner
// sets the threshold on the API; the call that draws the balance below it
// sends exactly one mail and raises the dashboard's banner; further calls
// below it send none; a recharge back above it clears the banner and re-arms
// the warning, and the next fall below sends the second mail.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';
import { Client } from '../support/web.ts';
import { startWebServer } from '../../web/server.ts';
import type { MailMessage } from '../../web/mail/mailer.ts';
import { LowBalanceMailer } from '../../web/account/low-balance.ts';
import { MailService } from '../../web/mail/mailer.ts';
import { DEMO } from '../../core/seed.ts';

const DIAL_IN_PER_MINUTE = 15;

describe('low-balance warning after rated calls', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let web: { url: string; close(): Promise<void> };
  let owner: Client;
  const sent: MailMessage[] = [];
  let n = 0;

  before(async () => {
    base = await FakeIvrDb.open();
    await base.db('rates').where({ direction: 'in' }).update({ per_minute_minor: DIAL_IN_PER_MINUTE, increment_s: 60 });
    await base.db('accounts').where({ id: base.seed.accountId }).update({ balance_minor: 100 });
    web = await startWebServer({
      repos: base.repos, host: '127.0.0.1', port: 0, lowBalanceSweepMs: 50,
      config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 100 },
      mailer: { send: async (m) => { sent.push(m); } },
    });
    owner = new Client(web.url);
    assert.equal((await owner.login(DEMO.owner.username, DEMO.owner.password)).status, 200);
    t = FakeIvr.start(base);
  });
  after(async () => { await t?.close(); await web?.close(); await base?.close(); });

  const balance = async () => (await base.repos.accounts.get(base.seed.accountId)).balanceMinor;

  /** One chair dials in, talks 50 s (one started minute: 15) and hangs up; resolves when its CDR is charged. */
  async function ratedCall(): Promise<void> {
    const room = await t.room(`74050${String(++n).padStart(2, '0')}`);
    const before = await balance();
    const leg = await t.enter(`caller${n}`, room.number, '4321');
    await t.clock.advance(50_000);
    leg.remoteHangup();
    await t.run(() => t.calls.length >= n, 'the call to end');
    await base.cdrs.flush(10_000);
    for (let i = 0; i < 200 && (await balance()) === before; i++) await t.clock.advance(100);
    assert.equal(await balance(), before - DIAL_IN_PER_MINUTE, 'the call was rated and charged');
  }

  /** Waits (real time, bounded) for the web's sweep to have sent `count` mails. */
  async function mails(count: number): Promise<void> {
    const until = Date.now() + 5000;
    while (sent.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(sent.length, count, `${count} mail(s)`);
    // Nothing else waits to be mailed: a sweep of our own finds nothing to claim.
    const mailer = new LowBalanceMailer(base.repos, new MailService(base.repos.outbox, { send: async () => { throw new Error('not expected'); } }, () => new Date()), () => new Date());
    assert.deepEqual(await mailer.sweep(), []);
  }

  const dashboard = async () => (await owner.get('/')).text;

  test('one mail and a banner when a rated call crosses the threshold; none for the next call; re-armed by a recharge', async () => {
    const set = await owner.put('/api/account/low-balance', { thresholdMinor: 80 });
    assert.equal(set.status, 200);
    assert.deepEqual(set.json().thresholdMinor, 80);
    assert.equal((await owner.put('/api/account/low-balance', { thresholdMinor: -1 })).status, 400);
    assert.equal((await owner.put('/api/account/low-balance', { thresholdMinor: 1.5 })).status, 400);

    await ratedCall(); // 100 → 85: above 80
    await mails(0);
    assert.doesNotMatch(await dashboard(), /id="low-balance-warning"/);

    await ratedCall(); // 85 → 70: below
    await mails(1);
    assert.equal(sent[0]!.to, 'demo@example.com');
    assert.match(sent[0]!.subject, /余额不足/);
    assert.match(sent[0]!.text, /¥0\.70/);
    assert.match(sent[0]!.text, /¥0\.80/);
    assert.match(await dashboard(), /<p class="banner warn" id="low-balance-warning">余额不足：当前余额 ¥0\.70，低于提醒金额 ¥0\.80/);
    const state = (await owner.get('/api/account/low-balance')).json();
    assert.equal(state.low, true);
    assert.ok(state.mailedAt);

    await ratedCall(); // 70 → 55: still below, no second mail
    await mails(1);
    assert.match(await dashboard(), /id="low-balance-warning"/);

    await base.repos.accounts.recharge(base.seed.accountId, 100, { note: 'top-up' }); // 155: back above
    assert.doesNotMatch(await dashboard(), /id="low-balance-warning"/);
    assert.equal((await owner.get('/api/account/low-balance')).json().low, false);

    assert.equal((await owner.put('/api/account/low-balance', { thresholdMinor: 150 })).status, 200); // 155 ≥ 150: not low
    await ratedCall(); // 155 → 140: below again → the second mail
    await mails(2);
    assert.match(sent[1]!.text, /¥1\.40/);
    assert.match(await dashboard(), /id="low-balance-warning"/);

    const audit = await base.db('audit_log').where({ account_id: base.seed.accountId, action: 'balance.low' });
    assert.equal(audit.length, 2, 'one audit row per crossing');
    const outbox = await base.repos.outbox.list();
    assert.equal(outbox.filter((m) => m.status === 'sent' && /余额不足|low balance/i.test(m.subject)).length, 2);
  });

  test('the account page shows the threshold form; 0 turns the warning off', async () => {
    const page = (await owner.get('/account')).text;
    assert.match(page, /<form class="card" data-api="PUT \/api\/account\/low-balance"[^>]*id="low-balance-form">/);
    assert.match(page, /name="thresholdMinor" data-scale="100" step="0.01" min="0" required value="1.50"/);
    assert.equal((await owner.put('/api/account/low-balance', { thresholdMinor: 0 })).json().low, false);
    assert.doesNotMatch(await dashboard(), /id="low-balance-warning"/);
    const before = sent.length;
    await ratedCall();
    await mails(before);
  });
});
