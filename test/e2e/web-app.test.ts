// The web app end to end in Debian's Chromium (playwright-core, headless):
// log in, create a recurring meeting and see its number and PINs, import a
// contacts CSV with a duplicate, find the calls just made in this month's
// report with the right durations and costs, export the CSV, switch the
// language. Screenshots of the main pages go to test-results/screenshots/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DateTime } from 'luxon';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';
import { CdrRecorder } from '../../core/cdr/recorder.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const TIMEOUT = 15_000;

/**
 * Calls in the demo room, recorded through core's CdrRecorder exactly as the
 * bridge records them. STAND-IN: once the IVR puts callers into rooms, this
 * becomes real sipp callers dialling the demo room through the bridge.
 */
async function recordDemoCallsThroughCore(w: TestWeb, dir: string): Promise<{ inLeg: string; outLeg: string; start: Date }> {
  const now = Date.now();
  const start = new Date(now - 10 * 60_000);
  const acc = w.seed.accountId;
  const { conference } = await w.repos.conferences.startOrGet(acc, { roomId: w.seed.roomId, at: start });
  const rec = CdrRecorder.start({ journalPath: join(dir, 'cdr-journal.jsonl'), sink: w.repos.cdrs, nodeId: 'e2e' });
  const common = { accountId: acc, conferenceId: conference.id, roomId: w.seed.roomId, roomNumber: DEMO.room.number };
  // A caller dials 4006701018 and talks for 95 s: 2 billed minutes at ¥0.15 → ¥0.30.
  const inLeg = rec.open({ direction: 'in', caller: '+8613900139001', callee: '4006701018', startedAt: start, accessNumberId: w.seed.accessNumberIds['4006701018']!, accessNumber: '4006701018', role: 'chair', ...common });
  rec.answer(inLeg.id, new Date(start.getTime() + 2000));
  rec.close(inLeg.id, { at: new Date(start.getTime() + 2000 + 95_000), q850: 16 });
  // The bridge calls a mobile for 125 s: 6 s increments → 126 s at ¥0.12/min → ¥0.26.
  const outLeg = rec.open({ direction: 'out', caller: '4006701018', callee: '+8613900139002', startedAt: new Date(start.getTime() + 10_000), role: 'guest', ...common });
  rec.answer(outLeg.id, new Date(start.getTime() + 15_000));
  rec.close(outLeg.id, { at: new Date(start.getTime() + 15_000 + 125_000), q850: 16 });
  await rec.flush(10_000);
  await rec.stop({ flushTimeoutMs: 5000 });
  await w.repos.conferences.end(acc, conference.id, { at: new Date(start.getTime() + 150_000), reason: 'last_left' });
  return { inLeg: inLeg.id, outLeg: outLeg.id, start };
}

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

  it('finds the calls just made in this month\'s report with their durations and costs, and exports the CSV', async () => {
    const { inLeg, outLeg, start } = await recordDemoCallsThroughCore(w, tmp);
    const thisMonth = DateTime.now().setZone('Asia/Shanghai').toFormat('yyyy-MM');
    const callMonth = DateTime.fromJSDate(start).setZone('Asia/Shanghai').toFormat('yyyy-MM');
    // The default report is this month; right after midnight on the 1st the calls belong to last month.
    await page.goto(callMonth === thisMonth ? `${w.url}/billing` : `${w.url}/billing?period=month&month=${callMonth}`);
    const inRow = page.locator(`tr[data-leg-id="${inLeg}"]`);
    const outRow = page.locator(`tr[data-leg-id="${outLeg}"]`);
    assert.equal((await inRow.locator('.call-duration').textContent())!.trim(), '0:01:35');
    assert.equal((await inRow.locator('.call-minutes').textContent())!.trim(), '2.0');
    assert.equal((await inRow.locator('.call-cost').textContent())!.trim(), '¥0.30');
    assert.ok((await inRow.textContent())!.includes('4006701018'));
    assert.ok((await inRow.textContent())!.includes('139 0013 9001'));
    assert.equal((await outRow.locator('.call-duration').textContent())!.trim(), '0:02:05');
    assert.equal((await outRow.locator('.call-minutes').textContent())!.trim(), '2.1');
    assert.equal((await outRow.locator('.call-cost').textContent())!.trim(), '¥0.26');
    assert.equal((await page.textContent('#total-calls'))!.trim(), '2');
    assert.equal((await page.textContent('#total-cost'))!.trim(), '¥0.56');
    const meeting = page.locator('#meetings-table tbody tr');
    assert.equal(await meeting.count(), 1);
    assert.match((await meeting.textContent())!, /888888[\s\S]*0:02:30[\s\S]*2[\s\S]*¥0\.56/);
    await shot('billing');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-calls')]);
    const file = join(tmp, 'calls.csv');
    await download.saveAs(file);
    const lines = readFileSync(file, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    assert.equal(lines[0], 'start,answer,end,direction,caller,callee,access_number,room,role,billable_s,billed_s,rate_per_min_minor,cost_minor,q850');
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.includes(',in,+8613900139001,4006701018,4006701018,888888,chair,95,120,15,30,16')), lines.join('\n'));
    assert.ok(lines.some((l) => l.includes(',out,4006701018,+8613900139002,,888888,guest,125,126,12,26,16')), lines.join('\n'));
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

  it('lets the operator see the capacity page', async () => {
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
    await ctx.close();
  });
});
