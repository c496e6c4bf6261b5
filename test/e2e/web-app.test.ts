// The web app end to end in Debian's Chromium (playwright-core, headless):
// log in, create a recurring meeting and see its number and PINs, import a
// contacts CSV with a duplicate, find the calls just made through the real
// bridge (sipp callers in the demo room, via the IVR) in this month's report
// with the right durations and costs, export the CSV, switch the language. Screenshots of the main pages go to test-results/screenshots/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { startSippCall } from '../support/ivr-calls.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const TIMEOUT = 15_000;

interface BridgeCall { cdrId: string; access: string; role: 'chair' | 'guest'; sippAnsweredMs: number }

/**
 * Two callers dial the demo room through the real bridge: the IVR on the
 * embedded engine, on the web app's own database, with sipp callers on
 * 127.0.0.1 — one on each meeting access number, one with the chair PIN and
 * one with the guest PIN. They talk for a few seconds and hang up.
 */
async function callTheDemoRoom(w: TestWeb): Promise<BridgeCall[]> {
  const bridge = await IvrBridge.start({ sipPort: 17000, rtpMin: 48000, rtpMax: 48199, existing: { db: w.db, repos: w.repos, seed: w.seed } });
  try {
    const plan = [
      { access: '4006701018', role: 'chair' as const, pin: DEMO.room.chairPin, localPort: 17010, mediaPort: 17020, durationMs: 8000 },
      { access: '4008001000', role: 'guest' as const, pin: DEMO.room.guestPin, localPort: 17012, mediaPort: 17030, durationMs: 6000 },
    ];
    const done = await Promise.all(plan.map((c) => startSippCall({
      bridge, sipPort: 17000, to: c.access, localPort: c.localPort, mediaPort: c.mediaPort, scenario: 'uac-pcap.xml', durationMs: c.durationMs,
      segments: ['silence:0.5', `dtmf:${DEMO.room.number}#:100:100`, 'silence:0.3', `dtmf:${c.pin}#:100:100`, 'tone:440:3'],
    }).done));
    for (const d of done) {
      assert.equal(d.result.code, 0, d.result.summary);
      assert.equal(d.summary.outcome, 'joined');
    }
    return done.map((d, i) => ({ cdrId: d.summary.cdrId, access: plan[i]!.access, role: plan[i]!.role, sippAnsweredMs: d.sippAnsweredMs }));
  } finally {
    await bridge.close(); // flushes the CDR journal into the database
  }
}

/** H:MM:SS as the report shows it. */
const hms = (s: number) => `${Math.floor(s / 3600)}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;

describe('web app in Chromium', () => {
  let w: TestWeb;
  let browser: Browser;
  let page: Page;
  let tmp: string;
  const dialogs: string[] = [];

  const shot = async (name: string) => { await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }); };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    tmp = mkdtempSync(join(tmpdir(), 'web-e2e-'));
    w = await startTestWeb();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  });
  after(async () => {
    await browser?.close();
    await w?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('logs in', async () => {
    await page.goto(`${w.url}/rooms`);
    await page.waitForURL(/\/login\?next=/);
    await shot('login');
    await page.fill('#username', DEMO.owner.username);
    await page.fill('#password', 'wrong password');
    await page.click('#login-submit');
    await page.locator('#login-error').waitFor({ state: 'visible' });
    assert.equal(await page.textContent('#login-error'), '用户名或密码错误', 'a wrong password is said as such, not as an ended session');
    await page.fill('#password', DEMO.owner.password);
    await page.click('#login-submit');
    await page.waitForURL(`${w.url}/rooms`);
    assert.equal(await page.getAttribute('html', 'lang'), 'zh-CN');
    await page.goto(`${w.url}/`);
    await shot('dashboard');
  });

  it('creates a recurring meeting and shows its room number, PINs and next occurrences', async () => {
    await page.goto(`${w.url}/rooms/new`);
    await page.fill('input[name="name"]', '周例会 Weekly sync');
    const suggested = await page.inputValue('input[name="number"]');
    assert.match(suggested, /^[0-9]{8}$/);
    await page.selectOption('#recurrence-freq', 'weekly');
    await page.check('input[name="recurrence.byDay"][value="MO"]');
    await page.check('input[name="recurrence.byDay"][value="WE"]');
    await page.check('input[name="recurrence.end"][value="count"]');
    await page.fill('input[name="recurrence.count"]', '8');
    await page.fill('input[name="durationHours"]', '1.5');
    await shot('room-form');
    await page.click('#room-save');
    await page.waitForURL(/\/rooms\/[0-9a-f-]{36}$/);
    const id = page.url().split('/').pop()!;
    const number = (await page.textContent('#room-number'))!.trim();
    const chair = (await page.textContent('#chair-pin'))!.trim();
    const guest = (await page.textContent('#guest-pin'))!.trim();
    assert.equal(number, suggested);
    assert.match(chair, /^[0-9]{6}$/);
    assert.match(guest, /^[0-9]{6}$/);
    assert.notEqual(chair, guest);
    const room = await w.repos.rooms.get(w.seed.accountId, id);
    assert.deepEqual([room.number, room.chairPin, room.guestPin], [number, chair, guest]);
    assert.equal(room.schedule.rrule, 'FREQ=WEEKLY;BYDAY=MO,WE;COUNT=8');
    assert.equal(room.schedule.durationMinutes, 90);
    const items = await page.locator('#next-occurrences li').allTextContents();
    assert.equal(items.length, 5);
    for (const text of items) assert.match(text, /\((周一|周三)\)/, text);
    await shot('room-detail');
    await page.goto(`${w.url}/rooms`);
    assert.ok((await page.textContent('#rooms-planned'))!.includes('周例会 Weekly sync'));
    await shot('rooms');
  });

  it('imports a contacts CSV with a duplicate, flagged in the preview', async () => {
    await page.goto(`${w.url}/contacts/import`);
    const csv = '姓名,电话,邮箱,分组\n诸葛亮,13811112222,kongming@example.com,顾问\n周瑜,13811113333,,顾问\n诸葛孔明,138 1111 2222,,\n王芳,13900139002,,\n';
    await page.setInputFiles('#csv-file', { name: 'contacts.csv', mimeType: 'text/csv', buffer: Buffer.from(csv, 'utf8') });
    await page.locator('#import-preview').waitFor({ state: 'visible' });
    const statuses = await page.locator('#import-rows tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.status));
    assert.deepEqual(statuses, ['ok', 'ok', 'duplicateInFile', 'existing']);
    await shot('contacts-import-preview');
    await page.click('#import-confirm');
    await page.locator('#import-report').waitFor({ state: 'visible' });
    await page.goto(`${w.url}/contacts`);
    const names = await page.locator('#contacts-table .contact-name').allTextContents();
    assert.ok(names.includes('诸葛亮') && names.includes('周瑜'));
    assert.ok(!names.includes('诸葛孔明'), 'the duplicate line was not imported');
    const row = page.locator('#contacts-table tr', { hasText: '诸葛亮' });
    assert.ok((await row.textContent())!.includes('138 1111 2222'), 'national format');
    await shot('contacts');
  });

  it('finds the calls just made through the bridge in this month\'s report with their durations and costs, and exports the CSV', async () => {
    const calls = await callTheDemoRoom(w);
    const rows = await w.db('call_legs').whereIn('id', calls.map((c) => c.cdrId)).select('id', 'billable_seconds', 'cost_minor', 'state', 'answered_at') as Array<{ id: string; billable_seconds: number; cost_minor: number; state: string; answered_at: Date }>;
    assert.equal(rows.length, 2);
    const start = new Date(Math.min(...rows.map((r) => new Date(r.answered_at).getTime())));
    const thisMonth = DateTime.now().setZone('Asia/Shanghai').toFormat('yyyy-MM');
    const callMonth = DateTime.fromJSDate(start).setZone('Asia/Shanghai').toFormat('yyyy-MM');
    // The default report is this month; right after midnight on the 1st the calls belong to last month.
    await page.goto(callMonth === thisMonth ? `${w.url}/billing` : `${w.url}/billing?period=month&month=${callMonth}`);
    let totalCost = 0;
    for (const c of calls) {
      const row = rows.find((r) => r.id === c.cdrId)!;
      assert.equal(row.state, 'closed');
      // The CDR's billable time is what the caller saw (sipp: answer to hang-up), within a second.
      assert.ok(Math.abs(row.billable_seconds - c.sippAnsweredMs / 1000) <= 1, `billable ${row.billable_seconds} s, sipp ${c.sippAnsweredMs} ms`);
      // Dial-in at 15 fen a minute, 60 s increments: under a minute bills one minute.
      assert.equal(row.cost_minor, 15);
      totalCost += row.cost_minor;
      const tr = page.locator(`tr[data-leg-id="${c.cdrId}"]`);
      assert.equal((await tr.locator('.call-duration').textContent())!.trim(), hms(row.billable_seconds));
      assert.equal((await tr.locator('.call-minutes').textContent())!.trim(), '1.0');
      assert.equal((await tr.locator('.call-cost').textContent())!.trim(), '¥0.15');
      assert.ok((await tr.textContent())!.includes(c.access));
    }
    assert.equal((await page.textContent('#total-calls'))!.trim(), '2');
    assert.equal((await page.textContent('#total-cost'))!.trim(), `¥${(totalCost / 100).toFixed(2)}`);
    const meeting = page.locator('#meetings-table tbody tr');
    assert.equal(await meeting.count(), 1);
    assert.match((await meeting.textContent())!, /888888[\s\S]*2[\s\S]*¥0\.30/);
    await shot('billing');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-calls')]);
    const file = join(tmp, 'calls.csv');
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    assert.equal(lines[0], 'start,answer,end,direction,caller,callee,access_number,room,role,billable_s,billed_s,rate_per_min_minor,cost_minor,q850');
    assert.equal(lines.length, 3);
    for (const c of calls) {
      const secs = rows.find((r) => r.id === c.cdrId)!.billable_seconds;
      assert.ok(lines.some((l) => l.includes(`,in,`) && l.includes(`,${c.access},${c.access},888888,${c.role},${secs},60,15,15,16`)), lines.join('\n'));
    }
    // The meeting's history page with its log.
    await page.click('#meetings-table tbody tr a');
    await page.waitForURL(/\/history\/[0-9a-f-]{36}$/);
    assert.equal(await page.locator('#participants-table tbody tr').count(), 2);
    await shot('history-detail');
  });

  it('shows script in a name as text in the browser', async () => {
    await w.repos.rooms.create(w.seed.accountId, { name: '<img src=x onerror=alert(1)><script>alert(2)</script>' }, { now: new Date() });
    await page.goto(`${w.url}/rooms`);
    assert.ok((await page.textContent('#rooms-table'))!.includes('<img src=x onerror=alert(1)>'));
    assert.equal(await page.locator('#rooms-table img').count(), 0);
    assert.deepEqual(dialogs, []);
  });

  it('switches the language and remembers it', async () => {
    await page.goto(`${w.url}/billing`);
    await Promise.all([page.waitForEvent('load'), page.click('#lang-switch')]);
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal((await page.textContent('[data-nav="/rooms"]'))!.trim(), 'Rooms');
    await shot('billing-en');
    await page.goto(`${w.url}/rooms`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    const user = await w.repos.users.get({ accountId: w.seed.accountId }, w.seed.ownerUserId);
    assert.equal(user.locale, 'en');
    await Promise.all([page.waitForEvent('load'), page.click('#lang-switch')]);
    await page.waitForFunction(() => document.documentElement.lang === 'zh-CN');
  });

  it('lets the operator see the capacity page, and the rates form shows the fields of the chosen destination', async () => {
    const ctx = await browser.newContext({ locale: 'en-US' });
    const p = await ctx.newPage();
    p.setDefaultTimeout(TIMEOUT);
    await p.goto(`${w.url}/login`);
    assert.equal(await p.getAttribute('html', 'lang'), 'en');
    await p.fill('#username', DEMO.operator.username);
    await p.fill('#password', DEMO.operator.password);
    await p.click('#login-submit');
    await p.waitForURL(`${w.url}/operator/accounts`);
    await p.screenshot({ path: join(SHOTS, 'operator-accounts.png'), fullPage: true });
    await p.goto(`${w.url}/operator/capacity`);
    assert.equal((await p.textContent('#cap-licensed'))!.trim(), '1000');
    await p.screenshot({ path: join(SHOTS, 'operator-capacity.png'), fullPage: true });
    // The new-rate form shows the prefix only for international rates (labels hidden by the attribute).
    await p.goto(`${w.url}/operator/rates`);
    const prefix = p.locator('label[data-show-when="destinationClass=international"]');
    assert.equal(await prefix.isVisible(), false, 'no prefix field for an access-number rate');
    await p.selectOption('select[name="destinationClass"]', 'international');
    assert.equal(await prefix.isVisible(), true, 'the prefix field for an international rate');
    await ctx.close();
  });
});
