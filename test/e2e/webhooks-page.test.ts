// The webhooks page in Debian's Chromium: the owner adds an endpoint (the
// secret shown once, gone after the reload), a forbidden URL is refused with
// its reason in the form, "Send test event" reaches a real HTTP server on
// 127.0.0.1 with a signature that verifies with the secret the page showed,
// the delivery log shows it delivered with HTTP 200, disable works; the page
// in both languages (screenshots in test-results/screenshots/).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO } from '../../core/seed.ts';
import { verifySignature } from '../../core/webhooks/signature.ts';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;

describe('webhooks page (Chromium)', () => {
  let w: TestWeb;
  let rx: WebhookReceiver;
  let browser: Browser;
  let page: Page;
  let secret = '';

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    rx = await WebhookReceiver.start();
    w = await startTestWeb({ config: { webhooks: { allow: ['127.0.0.1/32'], pollMs: 100, retryBaseMs: 300, retryMaxMs: 1000 } } });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => { void d.accept(); });
    await page.goto(`${w.url}/login`);
    await page.fill('#username', DEMO.owner.username);
    await page.fill('#password', DEMO.owner.password);
    await page.click('#login-submit');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  });
  after(async () => {
    await browser?.close();
    await w?.close();
    await rx?.close();
  });

  /** Switches the page's language to `locale` with the header's button (when it is not that already). */
  async function language(locale: 'en' | 'zh-CN'): Promise<void> {
    if (await page.getAttribute('html', 'lang') === locale) return;
    await Promise.all([page.waitForEvent('load'), page.click('#lang-switch')]);
    assert.equal(await page.getAttribute('html', 'lang'), locale);
  }

  it('adds an endpoint: the secret is shown once; a forbidden URL is refused in the form', async () => {
    await page.click('a[data-nav="/webhooks"]');
    await page.waitForURL((u) => u.pathname === '/webhooks');
    await language('en');
    await page.fill('#webhook-form input[name="url"]', 'http://169.254.169.254/latest/meta-data');
    await page.click('#webhook-form button[type="submit"]');
    const err = page.locator('#webhook-form .form-error');
    await err.waitFor({ state: 'visible' });
    assert.match(await err.textContent() ?? '', /169\.254\.169\.254: link-local address/);

    await page.fill('#webhook-form input[name="url"]', `${rx.url}/from-browser`);
    await page.fill('#webhook-form input[name="description"]', 'Our CRM');
    await page.uncheck('#webhook-form input[value="balance.low"]');
    await page.click('#webhook-form button[type="submit"]');
    await page.locator('#webhook-secret').waitFor({ state: 'visible' });
    secret = (await page.textContent('#webhook-secret-value')) ?? '';
    assert.match(secret, /^whsec_[A-Za-z0-9_-]{43}$/);
    assert.match(await page.textContent('#webhook-secret-label') ?? '', /shown this once/);
    await page.screenshot({ path: join(SHOTS, 'webhooks-secret-en.png'), fullPage: true });
    await Promise.all([page.waitForEvent('load'), page.click('#webhook-secret-done')]);
    const row = page.locator('#webhooks-table tr[data-webhook-id]');
    assert.equal(await row.count(), 1);
    assert.match(await row.textContent() ?? '', /from-browser[\s\S]*Our CRM/);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page again');
    const [ep] = await w.repos.webhooks.listEndpoints(w.seed.accountId);
    assert.ok(ep && !ep.events.includes('balance.low') && ep.events.includes('meeting.started'));
  });

  it('"Send test event" reaches the server signed; the log shows HTTP 200', async () => {
    const before = rx.received.length;
    await Promise.all([page.waitForEvent('load'), page.click('button.webhook-test')]);
    await rx.waitFor('the test event', (r) => r.length > before);
    const req = rx.received[before]!;
    assert.equal(verifySignature(secret, String(req.headers['x-bridge-signature']), req.raw).ok, true, 'signed with the secret the page showed');
    for (let i = 0; i < 50; i++) {
      await page.reload();
      if (await page.locator('#deliveries-table tr[data-status="delivered"]').count() === 1) break;
      await page.waitForTimeout(100);
    }
    const delivered = page.locator('#deliveries-table tr[data-status="delivered"]');
    assert.equal(await delivered.count(), 1);
    assert.match(await delivered.textContent() ?? '', /webhook\.test[\s\S]*delivered[\s\S]*HTTP 200/);
    await page.screenshot({ path: join(SHOTS, 'webhooks-page-en.png'), fullPage: true });
  });

  it('disables the endpoint, and shows the page in Chinese', async () => {
    await Promise.all([page.waitForEvent('load'), page.click('button.webhook-toggle')]);
    assert.equal((await page.textContent('#webhooks-table .webhook-state'))?.trim(), 'Disabled');
    assert.equal((await w.repos.webhooks.listEndpoints(w.seed.accountId))[0]!.enabled, false);
    await language('zh-CN');
    for (const text of ['推送记录', '发送测试事件', '已停用', '已送达', '启用']) assert.ok((await page.content()).includes(text), text);
    await page.screenshot({ path: join(SHOTS, 'webhooks-page-zh.png'), fullPage: true });
    await language('en');
  });
});
