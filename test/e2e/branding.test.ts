// Branding end to end in Debian's Chromium (issue 19): the owner uploads a
// logo (a PNG the test makes) on the account page — the preview shows it
// first, an SVG is refused with the server's reason — sets the primary and
// accent colours and a slogan with markup in it; then the dashboard, rooms
// and account pages in English and Chinese show the logo (loaded:
// naturalWidth > 0), the header in the chosen colour with white text (the
// contrast pick for a dark colour), the slogan as text; no CSP violation on
// the way. Screenshots into test-results/screenshots/. The operator sees the
// branding on the accounts page; reset brings the default header back.
// Real JPEG and WebP files from Chromium's encoders pass the logo check, and
// a branded mail's HTML renders with its logo (screenshot).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import { makePng } from '../support/png.ts';
import { LOGO_CID, withBranding } from '../../web/mail/branded.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const TIMEOUT = 15_000;
const PRIMARY = '#7a1f5c'; // dark: white text
const ACCENT = '#f2b705'; // light: black text on buttons
const SLOGAN = '让沟通更简单 <b>Talk</b> made simple';

/** A 160×48 logo: a white disc on a dark red field, a yellow bar below. */
const LOGO = makePng(160, 48, (x, y) => {
  if (y >= 40) return [242, 183, 5];
  return (x - 24) ** 2 + (y - 20) ** 2 < 256 ? [255, 255, 255] : [122, 31, 92];
});

describe('branding (Chromium)', { timeout: 120_000 }, () => {
  let w: TestWeb;
  let browser: Browser;
  let page: Page;
  const cspErrors: string[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    w = await startTestWeb();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    page = await ctx.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('dialog', (d) => { void d.accept(); });
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  async function logoLoaded(p: Page, selector: string): Promise<number> {
    await p.waitForFunction((sel) => {
      const img = document.querySelector(sel) as HTMLImageElement | null;
      return img !== null && img.complete;
    }, selector);
    return p.$eval(selector, (img) => (img as HTMLImageElement).naturalWidth);
  }

  async function headerColours(p: Page): Promise<{ background: string; color: string }> {
    return p.$eval('header.top', (h) => ({ background: getComputedStyle(h).backgroundColor, color: getComputedStyle(h).color }));
  }

  async function toLocale(locale: 'en' | 'zh-CN'): Promise<void> {
    if ((await page.getAttribute('html', 'lang')) === locale) return;
    await Promise.all([page.waitForEvent('load'), page.click('#lang-switch')]);
    assert.equal(await page.getAttribute('html', 'lang'), locale);
  }

  it('the owner uploads a logo (preview first; an SVG is refused with the reason), sets colours and a slogan', async () => {
    await page.goto(`${w.url}/login`);
    await page.fill('#username', DEMO.owner.username);
    await page.fill('#password', DEMO.owner.password);
    await page.click('#login-submit');
    await page.waitForURL(`${w.url}/`);
    await page.goto(`${w.url}/account`);
    await toLocale('en');
    // The default header before any branding.
    assert.deepEqual(await headerColours(page), { background: 'rgb(18, 50, 79)', color: 'rgb(255, 255, 255)' });

    await page.setInputFiles('#branding-logo-file', { name: 'evil.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>') });
    await page.click('#branding-logo-form [type="submit"]');
    await page.locator('#branding-logo-form .form-error').waitFor({ state: 'visible' });
    assert.match(await page.textContent('#branding-logo-form .form-error') ?? '', /SVG logos are not accepted/);

    await page.setInputFiles('#branding-logo-file', { name: 'logo.png', mimeType: 'image/png', buffer: LOGO });
    await page.locator('#branding-preview-box').waitFor({ state: 'visible' });
    assert.equal(await logoLoaded(page, '#branding-preview'), 160, 'the preview shows the chosen file');
    await Promise.all([page.waitForEvent('load'), page.click('#branding-logo-form [type="submit"]')]);
    assert.equal(await logoLoaded(page, '#brand-logo'), 160, 'the header shows the uploaded logo');

    await page.fill('#branding-form [name="primaryColor"]', PRIMARY);
    await page.fill('#branding-form [name="accentColor"]', ACCENT);
    await page.fill('#branding-form [name="slogan"]', SLOGAN);
    await Promise.all([page.waitForEvent('load'), page.click('#branding-form [type="submit"]')]);
    const b = await w.repos.branding.get(w.seed.accountId);
    assert.deepEqual({ p: b?.primaryColor, a: b?.accentColor, s: b?.slogan }, { p: PRIMARY, a: ACCENT, s: SLOGAN });
  });

  for (const locale of ['en', 'zh-CN'] as const) {
    it(`the dashboard, rooms and account pages are branded (${locale}): logo loaded, header colour, slogan as text`, async () => {
      await page.goto(`${w.url}/`);
      await toLocale(locale);
      for (const [path, name] of [['/', 'dashboard'], ['/rooms', 'rooms'], ['/account', 'account']] as const) {
        await page.goto(`${w.url}${path}`);
        assert.ok(await logoLoaded(page, '#brand-logo') > 0, `${path}: the logo loaded`);
        assert.deepEqual(await headerColours(page), { background: 'rgb(122, 31, 92)', color: 'rgb(255, 255, 255)' }, `${path}: the header in the primary colour, white text`);
        assert.equal(await page.textContent('#brand-slogan'), SLOGAN, `${path}: the slogan is text, not markup`);
        assert.equal(await page.$('#brand-slogan b'), null);
        // Buttons in the accent colour with black text (the contrast pick for a light colour).
        const button = await page.$eval('main button:not(.secondary):not(.danger):not(.link)', (el) => ({ bg: getComputedStyle(el).backgroundColor, fg: getComputedStyle(el).color })).catch(() => null);
        if (name === 'account') assert.ok(button, 'the account page has buttons to check');
        if (button) assert.deepEqual(button, { bg: 'rgb(242, 183, 5)', fg: 'rgb(0, 0, 0)' }, `${path}: accent buttons`);
        await page.screenshot({ path: `${SHOTS}branding-${name}-${locale}.png`, fullPage: true });
      }
      assert.deepEqual(cspErrors, [], 'no Content-Security-Policy violation');
    });
  }

  it('JPEG and WebP files made by Chromium\'s own encoders pass the check with their sizes; a branded mail renders with its logo', async () => {
    const results = await page.evaluate(async () => {
      const canvas = document.createElement('canvas');
      canvas.width = 120; canvas.height = 40;
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#7a1f5c'; g.fillRect(0, 0, 120, 40);
      g.fillStyle = '#f2b705'; g.fillRect(10, 10, 60, 20);
      const csrf = document.querySelector('meta[name="csrf-token"]')!.getAttribute('content')!;
      const out: Array<{ type: string; status: number; body: { logo?: { contentType: string; width: number; height: number } } }> = [];
      for (const type of ['image/jpeg', 'image/webp']) {
        const res = await fetch('/api/account/branding/logo', {
          method: 'PUT', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: JSON.stringify({ data: canvas.toDataURL(type, 0.9) }),
        });
        out.push({ type, status: res.status, body: await res.json() as never });
      }
      return out;
    });
    for (const r of results) {
      assert.equal(r.status, 200, `${r.type}: ${JSON.stringify(r.body)}`);
      assert.deepEqual(r.body.logo && { t: r.body.logo.contentType, w: r.body.logo.width, h: r.body.logo.height }, { t: r.type, w: 120, h: 40 });
    }
    await page.goto(`${w.url}/`);
    assert.equal(await logoLoaded(page, '#brand-logo'), 120, 'the WebP logo shows in the header');
    // Put the PNG logo back for the rest, and look at a branded mail as a mail client would show it (cid: → the inline part).
    await page.goto(`${w.url}/account`);
    await page.setInputFiles('#branding-logo-file', { name: 'logo.png', mimeType: 'image/png', buffer: LOGO });
    await page.locator('#branding-preview-box').waitFor({ state: 'visible' });
    await Promise.all([page.waitForEvent('load'), page.click('#branding-logo-form [type="submit"]')]);
    const account = await w.repos.accounts.get(w.seed.accountId);
    const mail = await withBranding(w.repos.branding, account, { subject: 'Invitation: Brand review', text: 'You are invited to Brand review.\n\nDial 4008001000, room 888888, PIN 5678.\nhttps://meet.example.com/rooms' }, 'en');
    assert.equal(mail.inline?.[0]?.cid, LOGO_CID);
    const shown = mail.html!.replace(`cid:${LOGO_CID}`, `data:image/png;base64,${mail.inline![0]!.content.toString('base64')}`);
    const mailPage = await browser.newPage({ viewport: { width: 700, height: 400 } });
    await mailPage.setContent(shown);
    assert.equal(await logoLoaded(mailPage, 'img'), 160);
    assert.equal(await mailPage.$eval('[data-brand="header"]', (el) => getComputedStyle(el).backgroundColor), 'rgb(122, 31, 92)');
    assert.equal(await mailPage.textContent('[data-brand="slogan"]'), SLOGAN);
    await mailPage.screenshot({ path: `${SHOTS}branding-mail-en.png`, fullPage: true });
    await mailPage.close();
  });

  it('the operator sees the branding on the accounts page; the owner\'s reset brings the default look back', async () => {
    const ctx = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
    const op = await ctx.newPage();
    op.setDefaultTimeout(TIMEOUT);
    await op.goto(`${w.url}/login`);
    await op.fill('#username', DEMO.operator.username);
    await op.fill('#password', DEMO.operator.password);
    await op.click('#login-submit');
    await op.waitForURL(`${w.url}/operator/accounts`);
    const row = `tr[data-account-id="${w.seed.accountId}"]`;
    assert.ok(await logoLoaded(op, `${row} img.logo-thumb`) > 0);
    assert.match(await op.textContent(`${row} .branding-summary`) ?? '', /Talk<\/b> made simple[\s\S]*#7a1f5c \/ #f2b705/);
    await op.screenshot({ path: `${SHOTS}branding-operator-accounts.png`, fullPage: true });
    await ctx.close();

    await page.goto(`${w.url}/account`);
    await Promise.all([page.waitForEvent('load'), page.click('#branding-reset')]);
    assert.equal(await page.$('#brand-logo'), null);
    assert.deepEqual(await headerColours(page), { background: 'rgb(18, 50, 79)', color: 'rgb(255, 255, 255)' });
    assert.equal(await w.repos.branding.get(w.seed.accountId), null);
  });
});
