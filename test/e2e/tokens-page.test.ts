// The API tokens page in Debian's Chromium (issue 19): the owner makes a
// token with two scopes; the page shows it once, in place; the token works
// from outside the browser (no cookie, no CSRF token) within its scopes;
// after "I have saved it" the page lists it by prefix with its last use and
// never shows it again; the revoke button ends it (401). Screenshots of the
// page in both languages in test-results/screenshots/.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO } from '../../core/seed.ts';
import { startTestWeb, type TestWeb } from '../support/web.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;

describe('API tokens page (Chromium)', () => {
  let w: TestWeb;
  let browser: Browser;
  let page: Page;
  let token = '';
  const shot = async (name: string) => { await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }); };
  const bearer = (method: string, path: string, body?: unknown) => fetch(`${w.url}${path}`, {
    method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}),
  });

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    w = await startTestWeb();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => { void d.accept(); });
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('makes a token and shows it once, in place', async () => {
    await page.goto(`${w.url}/login`);
    await page.fill('#username', DEMO.owner.username);
    await page.fill('#password', DEMO.owner.password);
    await page.click('#login-submit');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.click('[data-nav="/account/tokens"]');
    await page.waitForURL(/\/account\/tokens$/);
    assert.equal(await page.locator('#tokens-empty').count(), 1);
    await page.fill('#token-form input[name="name"]', '客户系统 CRM');
    await page.check('#token-form input[value="read"]');
    await page.check('#token-form input[value="meetings"]');
    await page.fill('#token-form input[name="expiresInDays"]', '30');
    await page.click('#token-form button[type="submit"]');
    await page.locator('#token-created').waitFor({ state: 'visible' });
    token = (await page.textContent('#token-secret')) ?? '';
    assert.match(token, /^cbt_[0-9a-f]{10}_[A-Za-z0-9_-]{43}$/);
    assert.equal(await page.locator('#token-form').isHidden(), true);
    await shot('tokens-created-zh');
  });

  it('the token works from outside the browser, within its scopes', async () => {
    assert.equal((await bearer('GET', '/api/rooms')).status, 200);
    const made = await bearer('POST', '/api/rooms', { name: 'CRM 会议' });
    assert.equal(made.status, 201);
    assert.equal((await bearer('GET', '/api/billing/report')).status, 403, 'no billing scope');
  });

  it('after "I have saved it" the page lists it by prefix with its last use, never the token again', async () => {
    await Promise.all([page.waitForEvent('load'), page.click('#token-done')]);
    const row = page.locator('#tokens-table tbody tr');
    assert.equal(await row.count(), 1);
    assert.equal(await row.getAttribute('data-state'), 'active');
    const text = (await row.textContent()) ?? '';
    assert.ok(text.includes(`cbt_${token.slice(4, 14)}_…`), text);
    assert.ok(text.includes('127.0.0.1'), `the last use with its address: ${text}`);
    assert.ok(!(await page.content()).includes(token.slice(15)), 'the page shows the secret again');
    await Promise.all([page.waitForEvent('load'), page.click('#lang-switch')]);
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal((await page.textContent('[data-nav="/account/tokens"]'))!.trim(), 'API tokens');
    await shot('tokens-en');
  });

  it('the revoke button ends it at once', async () => {
    await Promise.all([page.waitForEvent('load'), page.click('#tokens-table button.danger')]);
    assert.equal(await page.locator('#tokens-table tbody tr').getAttribute('data-state'), 'revoked');
    const res = await bearer('GET', '/api/rooms');
    assert.equal(res.status, 401);
    assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
    await shot('tokens-revoked-en');
    await Promise.all([page.waitForEvent('load'), page.click('#lang-switch')]);
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
    await shot('tokens-revoked-zh');
  });
});
