// The operator's dial-plan page in Debian's Chromium (playwright-core,
// headless): edit a saved plan's rules in the page (change one, add one),
// try sample numbers, see each result and the matching rule — and the plan
// in the database is still the saved one; a bad pattern marks its input.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';

const TIMEOUT = 15_000;

describe('dial-plan page (Chromium)', () => {
  let w: TestWeb;
  let browser: Browser;

  before(async () => {
    w = await startTestWeb();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('tries edited, unsaved rules on a sample number and shows the result', async () => {
    const plan = await w.repos.trunks.saveDialPlan({ name: 'E2E plan', rules: [{ pattern: '^\\+(\\d+)$', replacement: '00$1', description: 'international' }] });
    const ctx = await browser.newContext({ locale: 'en-US' });
    const p = await ctx.newPage();
    p.setDefaultTimeout(TIMEOUT);
    await p.goto(`${w.url}/login`);
    await p.fill('#username', DEMO.operator.username);
    await p.fill('#password', DEMO.operator.password);
    await p.click('#login-submit');
    await p.waitForURL(`${w.url}/operator/accounts`);
    await p.goto(`${w.url}/operator/dial-plans`);
    const form = p.locator(`form.dial-plan[data-plan-id="${plan.id}"]`);
    // A new first rule for Chinese mobiles: add a row, then move the values.
    await form.locator('button.add-rule').click();
    const rows = form.locator('table.rules tbody tr.rule');
    assert.equal(await rows.count(), 2);
    await rows.nth(0).locator('[name="pattern"]').fill('^\\+86(1\\d{10})$');
    await rows.nth(0).locator('[name="replacement"]').fill('0$1');
    await rows.nth(1).locator('[name="pattern"]').fill('^\\+(\\d+)$');
    await rows.nth(1).locator('[name="replacement"]').fill('00$1');
    await form.locator('[name="samples"]').fill('13800138000\n+14155550100');
    await form.locator('button.try-plan').click();
    const results = form.locator('table.try-results tbody tr');
    await results.nth(1).waitFor();
    // The demo operator's own language decides the words ('rule 1' / '规则 1').
    const [r0, r1] = [await results.nth(0).locator('td').allTextContents(), await results.nth(1).locator('td').allTextContents()];
    assert.deepEqual(r0.slice(0, 3), ['13800138000', '+8613800138000', '013800138000']);
    assert.match(r0[3]!, /^(rule|规则) 1$/);
    assert.deepEqual(r1.slice(0, 3), ['+14155550100', '+14155550100', '0014155550100']);
    assert.match(r1[3]!, /^(rule|规则) 2$/);
    // Nothing saved.
    assert.equal((await w.repos.trunks.getDialPlan(plan.id)).rules.length, 1);

    await rows.nth(0).locator('[name="pattern"]').fill('([0-9');
    await form.locator('button.try-plan').click();
    await form.locator('.form-error').waitFor({ state: 'visible' });
    assert.equal(await rows.nth(0).locator('[name="pattern"]').getAttribute('aria-invalid'), 'true');
    await ctx.close();
  });
});
