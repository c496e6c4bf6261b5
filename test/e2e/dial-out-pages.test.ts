// Toll fraud in Debian's Chromium (playwright-core, headless): the operator
// blocks a prefix on the block-list page and removes it again, and sets an
// account's daily cap on the accounts page (and clears it: none); the owner
// sees a refusal on the account page; the live page shows a refused
// dial-out as a notice and a cap reached as an alert.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import { FakeLiveHost, fakeSnapshot } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';

const TIMEOUT = 15_000;

describe('dial-out pages (Chromium)', () => {
  let w: TestWeb;
  let host: FakeLiveHost;
  let browser: Browser;

  before(async () => {
    host = new FakeLiveHost();
    w = await startTestWeb({ live: new LocalLiveBus(host) });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  /** Waits (up to TIMEOUT) until the demo account's daily cap is `cap`. */
  async function capIs(cap: number | null): Promise<void> {
    const deadline = Date.now() + TIMEOUT;
    while ((await w.repos.dialOut.policy(w.seed.accountId)).dailyCapMinor !== cap) {
      if (Date.now() > deadline) throw new Error(`the daily cap never became ${cap}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function login(username: string, password: string, landing: string): Promise<Page> {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const p = await ctx.newPage();
    p.setDefaultTimeout(TIMEOUT);
    p.on('dialog', (d) => { void d.accept(); });
    await p.goto(`${w.url}/login`);
    await p.fill('#username', username);
    await p.fill('#password', password);
    await p.click('#login-submit');
    await p.waitForURL(`${w.url}${landing}`);
    return p;
  }

  it('the operator adds and removes a blocked prefix, and sets and clears a daily cap', async () => {
    const p = await login(DEMO.operator.username, DEMO.operator.password, '/operator/accounts');
    await p.click('a[data-nav="/operator/blocked-prefixes"]');
    await p.waitForURL(`${w.url}/operator/blocked-prefixes`);
    await p.fill('#block-form [name="prefix"]', '+4475');
    await p.fill('#block-form [name="description"]', 'E2E premium');
    await p.click('#block-form button[type="submit"]');
    const row = p.locator('#blocked-table tr[data-prefix="4475"]');
    await row.waitFor();
    assert.match(await row.innerText(), /\+4475\s+E2E premium/);
    assert.ok((await w.repos.dialOut.blocked()).some((b) => b.prefix === '4475'));
    await row.locator('button[data-action]').click();
    await row.waitFor({ state: 'detached' });
    assert.ok(!(await w.repos.dialOut.blocked()).some((b) => b.prefix === '4475'));

    await p.goto(`${w.url}/operator/accounts`);
    const form = p.locator(`form[data-api="PATCH /api/operator/accounts/${w.seed.accountId}/dial-out"]`);
    await form.locator('[name="dailyCapMinor"]').fill('50');
    await form.locator('input[value="international"]').uncheck();
    const reloaded = p.waitForEvent('load'); // the page reloads after a save
    await form.locator('button[type="submit"]').click();
    await reloaded;
    await capIs(5000);
    assert.deepEqual(await w.repos.dialOut.policy(w.seed.accountId), { classes: ['domestic_fixed', 'domestic_mobile'], maxOutboundCalls: 10, dailyCapMinor: 5000, guestsMayInvite: true });
    const again = p.locator(`form[data-api="PATCH /api/operator/accounts/${w.seed.accountId}/dial-out"]`);
    await again.locator('[name="dailyCapMinor"]').fill('');
    await again.locator('button[type="submit"]').click();
    await capIs(null);
    await p.context().close();
  });

  it('the owner sees a refusal on the account page, and a refused dial-out on the live page', async () => {
    await w.repos.audit.append({
      accountId: w.seed.accountId, actor: 'ivr', action: 'dial_out.refused', at: new Date(),
      data: { target: '0088212345', e164: '+88212345', reason: 'blocked', detail: '882', origin: 'keypad', roomNumber: DEMO.room.number },
    });
    const p = await login(DEMO.owner.username, DEMO.owner.password, '/');
    await p.click('a[data-nav="/account"]');
    await p.waitForURL(`${w.url}/account`);
    const cells = await p.locator('#refusals tbody tr').first().locator('td').allTextContents();
    assert.deepEqual(cells.slice(1), [DEMO.room.number, '0088212345', cells[3]]);
    assert.match(cells[3]!, /882/);

    const conf = (await w.repos.conferences.startOrGet(w.seed.accountId, { roomId: w.seed.roomId, at: new Date() })).conference.id;
    host.add(fakeSnapshot(conf, w.seed.accountId, { roomId: w.seed.roomId, roomNumber: DEMO.room.number }));
    await p.goto(`${w.url}/live/${conf}`);
    await p.waitForSelector('#live-page[data-stream="open"]');
    const alert = await w.repos.alerts.raise(w.seed.accountId, { roomId: w.seed.roomId, roomNumber: DEMO.room.number, conferenceId: conf, kind: 'dial_out', data: { reason: 'concurrent', limit: '10', target: '13900139001' }, at: new Date() });
    host.emit({ type: 'dial-out-refused', conferenceId: conf, accountId: w.seed.accountId, at: new Date().toISOString(), target: '13900139001', reason: 'concurrent', detail: '10', alertId: alert.id });
    await p.locator('#live-dial-out').waitFor({ state: 'visible' });
    assert.match(await p.locator('#live-dial-out').innerText(), /13900139001/);
    const li = p.locator(`#live-alerts li[data-alert-id="${alert.id}"]`);
    await li.waitFor();
    assert.match(await li.locator('.alert-text').innerText(), new RegExp(`${DEMO.room.number}.*10.*13900139001`));
    await p.context().close();
  });
});
