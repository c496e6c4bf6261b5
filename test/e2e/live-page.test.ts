// The live console page in Debian's Chromium (playwright-core, headless) on a
// FakeLiveHost running a conference of 1,000 participants: the page lists
// them all; a participant event shows within a second; a click on mute sends
// the command (the web user as actor) and the row changes when the event
// comes back; a help alert appears on the page and the dashboard and goes
// when dismissed; search and sort work; the controls (lock, extend, end)
// act; under a burst of events the page stays responsive. It prints the
// figures: load time, event-to-row and click-to-update times with 1,000 rows,
// the longest task during the burst. Screenshots go to test-results/screenshots/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { FakeLiveHost, fakeParticipant, fakeSnapshot } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import type { LiveEvent, LiveParticipant } from '../../core/live/messages.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const TIMEOUT = 15_000;
const N = 1000;
const OWNER = { username: 'live-vip', password: 'LiveVip#2026' };

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function participants(start: Date): LiveParticipant[] {
  return Array.from({ length: N }, (_, i) => fakeParticipant(`p${i + 1}`, {
    name: i % 10 === 9 ? null : `参会人 ${i + 1}`, number: `+86138${String(10_000_000 + i).slice(-8)}`, role: i < 3 ? 'chair' : 'guest',
    joinOrder: i + 1, joinedAt: new Date(start.getTime() + i * 1000).toISOString(), accessNumber: i % 2 ? '4008001000' : '4006701018',
    quality: { lossPct: (i % 7) * 0.9, jitterMs: 4 + (i % 5) * 10, rttMs: 40 + (i % 9) * 20, badge: i % 7 >= 6 ? 'poor' : i % 7 >= 2 ? 'fair' : 'good' },
  }));
}

describe('live console page in Chromium (1,000 participants)', () => {
  let w: TestWeb;
  let host: FakeLiveHost;
  let browser: Browser;
  let page: Page;
  let accountId = '';
  let conf = '';
  const dialogs: string[] = [];
  const base = () => ({ conferenceId: conf, accountId, at: new Date().toISOString() });
  const emit = (e: LiveEvent) => host.emit(e);
  const row = (id: string) => page.locator(`#live-participants tbody tr[data-id="${id}"]`);
  const shot = async (name: string) => { await page.screenshot({ path: join(SHOTS, `${name}.png`) }); };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    host = new FakeLiveHost();
    w = await startTestWeb({ live: new LocalLiveBus(host) });
    const now = w.clock.now;
    accountId = (await w.repos.accounts.create({ name: 'Live VIP Co.', tier: 'vip' })).id;
    await w.repos.users.create({ accountId, role: 'owner', username: OWNER.username, password: OWNER.password });
    const room = await w.repos.rooms.create(accountId, { name: '全员大会 All hands', number: '6660001', chairPin: '111222', guestPin: '333444', maxParticipants: 1200 }, { now });
    conf = (await w.repos.conferences.startOrGet(accountId, { roomId: room.id, at: now })).conference.id;
    host.add(fakeSnapshot(conf, accountId, {
      roomId: room.id, roomNumber: room.number, roomName: room.name, maxParticipants: 1200, tierMaxParticipants: null,
      startedAt: now.toISOString(), closesAt: new Date(now.getTime() + 90 * 60_000).toISOString(), participants: participants(now),
    }));
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.accept(); });
    await page.goto(`${w.url}/login`);
    await page.fill('#username', OWNER.username);
    await page.fill('#password', OWNER.password);
    await page.click('#login-submit');
    await page.waitForURL(`${w.url}/`);
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('lists the 1,000 participants with their state', async () => {
    const t0 = Date.now();
    await page.goto(`${w.url}/live/${conf}`);
    await page.waitForSelector('#live-page[data-stream="open"]');
    await page.waitForFunction((n) => document.querySelectorAll('#live-participants tbody tr').length === n, N);
    console.log(`# page load to 1,000 rows: ${Date.now() - t0} ms`);
    assert.equal(await page.textContent('#live-count'), String(N));
    assert.equal(await page.textContent('#live-max'), '1200');
    assert.equal(await page.textContent('#live-room-number'), '6660001');
    assert.match((await page.textContent('#live-time-left'))!, /^1:29:\d\d（至 \d\d:\d\d:\d\d）$/);
    assert.equal(await page.textContent('#live-locked'), '未锁定');
    const r5 = row('p5');
    assert.equal((await r5.locator('.c-name').innerText()).trim(), '参会人 5');
    assert.equal(await r5.locator('.c-number').textContent(), '+8613810000004');
    assert.equal(await r5.locator('.c-role').textContent(), '参会人');
    assert.equal(await row('p1').locator('.c-role').textContent(), '主持人');
    assert.equal(await r5.locator('.c-access').textContent(), '4006701018');
    assert.match((await r5.locator('.c-quality').textContent())!, /一般.*丢包 3\.6% · 抖动 44 ms · 往返 120 ms/);
    assert.equal((await row('p10').locator('.c-name').innerText()).trim(), '（未知）');
    await shot('live-console');
  });

  it('shows a participant event within a second; joins and leaves too', async () => {
    const times: number[] = [];
    for (const id of ['p500', 'p999', 'p2']) {
      const p = host.conferences.get(conf)!.participants.find((x) => x.id === id)!;
      const t0 = Date.now();
      emit({ type: 'participant', ...base(), participant: { ...p, muted: true, mutedBy: 'chair' }, by: { kind: 'participant', participantId: 'p1' } });
      await page.waitForFunction((id) => document.querySelector(`tr[data-id="${id}"] .c-muted`)?.textContent === '已静音（主持人）', id, { polling: 'raf' });
      times.push(Date.now() - t0);
    }
    console.log(`# bridge event to the row (3 events): ${times.join(', ')} ms`);
    assert.ok(Math.max(...times) < 1000, `event to row took ${Math.max(...times)} ms`);
    emit({ type: 'joined', ...base(), participant: fakeParticipant('late', { name: '迟到者', joinOrder: N + 1, joinedAt: new Date().toISOString() }) });
    await row('late').waitFor();
    assert.equal(await page.textContent('#live-count'), String(N + 1));
    emit({ type: 'left', ...base(), participantId: 'late', reason: 'hangup' });
    await row('late').waitFor({ state: 'detached' });
    assert.equal(await page.textContent('#live-count'), String(N));
  });

  it('sends mute on a click and shows it when the event comes back; measures click-to-update with 1,000 rows', async () => {
    const before = host.commands.length;
    const ms: number[] = [];
    for (let i = 0; i < 6; i++) {
      const elapsed = await page.evaluate(async (id) => {
        const cell = document.querySelector(`tr[data-id="${id}"] .c-muted`)!;
        const was = cell.textContent;
        const t0 = performance.now();
        return new Promise<number>((resolve) => {
          const obs = new MutationObserver(() => { if (cell.textContent !== was) { obs.disconnect(); resolve(performance.now() - t0); } });
          obs.observe(cell, { childList: true, characterData: true, subtree: true });
          (document.querySelector(`tr[data-id="${id}"] button[data-act="mute"]`) as HTMLButtonElement).click();
        });
      }, 'p700');
      ms.push(elapsed);
    }
    console.log(`# click-to-update with ${N} rows (mute/unmute ×6): median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms [${ms.map((x) => x.toFixed(0)).join(', ')}]`);
    assert.ok(Math.max(...ms) < 1000);
    const sent = host.commands.slice(before);
    assert.equal(sent.length, 6);
    assert.deepEqual(sent[0]!.command, { type: 'mute', participantId: 'p700', muted: true });
    assert.deepEqual(sent[1]!.command, { type: 'mute', participantId: 'p700', muted: false });
    assert.equal(sent[0]!.actor.kind, 'web');
    // A real click through Playwright, and the other row actions.
    await row('p701').locator('button[data-act="mute"]').click();
    await page.waitForFunction(() => document.querySelector('tr[data-id="p701"] .c-muted')?.textContent === '已静音（网页）');
    await row('p701').locator('button[data-act="role"]').click();
    await page.waitForFunction(() => document.querySelector('tr[data-id="p701"] .c-role')?.textContent === '主持人');
    await row('p701').locator('button[data-act="hold"]').click();
    await page.waitForFunction(() => document.querySelector('tr[data-id="p701"] .c-held')?.textContent === '保持中');
    await row('p701').locator('button[data-act="vol-up"]').click();
    await page.waitForFunction(() => document.querySelector('tr[data-id="p701"] .c-volume')?.textContent?.startsWith('说 3 ·'));
    await row('p702').locator('button[data-act="remove"]').click();
    await row('p702').waitFor({ state: 'detached' });
    assert.ok(dialogs.some((d) => d.includes('移出')), 'remove asks first');
    assert.deepEqual(host.commands.slice(-5).map((c) => c.command.type), ['mute', 'role', 'hold', 'volume', 'remove']);
  });

  it('shows a help alert on the page and the dashboard until dismissed', async () => {
    const p = host.conferences.get(conf)!.participants.find((x) => x.id === 'p42')!;
    const alert = await w.repos.alerts.raise(accountId, { roomId: null, roomNumber: '6660001', conferenceId: conf, kind: 'help', participantId: 'p42', data: { name: p.name, number: p.number }, at: new Date() });
    emit({ type: 'help', ...base(), participantId: 'p42', requested: true, alertId: alert.id });
    const item = page.locator(`#live-alerts li[data-alert-id="${alert.id}"]`);
    await item.waitFor();
    assert.match((await item.textContent())!, /参会人 42 \+8613810000041 请求帮助（\*0）/);
    assert.match((await row('p42').getAttribute('class')) ?? '', /\bhelp\b/);
    await shot('live-alert');
    // The dashboard, in another tab, shows it too (and a new lockout as it comes).
    const dash = await page.context().newPage();
    await dash.goto(`${w.url}/`);
    await dash.locator(`#dashboard-alerts li[data-alert-id="${alert.id}"]`).waitFor();
    await dash.waitForSelector('#dashboard[data-stream="open"]');
    assert.equal(await dash.getAttribute('#live-meetings a', 'href'), `/live/${conf}`);
    const lockout = await w.repos.alerts.raise(accountId, { roomId: null, roomNumber: '6660001', conferenceId: null, kind: 'lockout', data: { until: new Date(Date.now() + 180_000).toISOString() }, at: new Date() });
    emit({ type: 'lockout', ...base(), conferenceId: null, roomId: '00000000-0000-4000-8000-000000000001', roomNumber: '6660001', until: new Date().toISOString(), alertId: lockout.id });
    await dash.locator(`#dashboard-alerts li[data-alert-id="${lockout.id}"]`).waitFor();
    await dash.screenshot({ path: join(SHOTS, 'live-dashboard.png') });
    await dash.locator(`#dashboard-alerts li[data-alert-id="${lockout.id}"] button[data-dismiss]`).click();
    await dash.locator(`#dashboard-alerts li[data-alert-id="${lockout.id}"]`).waitFor({ state: 'detached' });
    await dash.close();
    // Dismissed on the live page.
    await item.locator('button[data-dismiss]').click();
    await item.waitFor({ state: 'detached' });
    const open = (await w.repos.alerts.listOpen(accountId)).map((a) => a.id);
    assert.ok(!open.includes(alert.id) && !open.includes(lockout.id), 'both dismissed in the database');
    emit({ type: 'help', ...base(), participantId: 'p42', requested: false, alertId: null });
    await page.waitForFunction(() => !document.querySelector('tr[data-id="p42"]')!.classList.contains('help'));
  });

  it('searches and sorts', async () => {
    await page.fill('#live-search', '参会人 77');
    // 77 and 771–779 (every tenth has no name, 770 among them).
    await page.waitForFunction(() => document.querySelectorAll('#live-participants tbody tr:not([hidden])').length === 10);
    assert.equal(await page.textContent('#live-shown'), `显示 10 / ${N - 1}`);
    await page.fill('#live-search', '13810000998');
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll<HTMLElement>('#live-participants tbody tr:not([hidden])')];
      return rows.length === 1 && rows[0]!.dataset.id === 'p999';
    });
    await page.fill('#live-search', '');
    await page.waitForFunction((n) => document.querySelectorAll('#live-participants tbody tr:not([hidden])').length === n, N - 1);
    const firstIds = () => page.$$eval('#live-participants tbody tr', (rows) => rows.slice(0, 3).map((r) => (r as HTMLElement).dataset.id));
    await page.selectOption('#live-sort', 'joined');
    assert.deepEqual(await firstIds(), ['p1', 'p2', 'p3']);
    await page.selectOption('#live-sort', 'name');
    assert.deepEqual(await firstIds(), ['p10', 'p20', 'p30'], 'the unnamed sort by their numbers first');
    await page.selectOption('#live-sort', 'talking');
    emit({ type: 'talking', ...base(), participantId: 'p888', talking: true });
    const t0 = Date.now();
    await page.waitForFunction(() => (document.querySelector('#live-participants tbody tr') as HTMLElement).dataset.id === 'p888');
    console.log(`# talking participant moved to the top after ${Date.now() - t0} ms (sort by talking, re-sorted at most every 0.7 s)`);
    assert.ok(await row('p888').locator('.talk-dot.on').count() === 1);
    emit({ type: 'talking', ...base(), participantId: 'p888', talking: false });
  });

  it('stays responsive under a burst of events with 1,000 rows', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __long: number[] };
      w.__long = [];
      new PerformanceObserver((l) => { for (const e of l.getEntries()) w.__long.push(e.duration); }).observe({ type: 'longtask', buffered: false });
    });
    const ids = host.conferences.get(conf)!.participants.map((p) => p.id);
    const burst = (round: number) => {
      for (const id of ids) emit({ type: 'talking', ...base(), participantId: id, talking: round % 2 === 0 });
      emit({ type: 'quality', ...base(), items: ids.map((id, i) => ({ participantId: id, quality: { lossPct: (i + round) % 9, jitterMs: 10, rttMs: 80, badge: (i + round) % 9 > 5 ? 'poor' as const : 'good' as const } })) });
      for (const id of ids.slice(0, 200)) {
        const p = host.conferences.get(conf)!.participants.find((x) => x.id === id)!;
        emit({ type: 'participant', ...base(), participant: { ...p, talkDb: round % 2 ? 3 : 0 }, by: null });
      }
    };
    const clicks: number[] = [];
    const pings: number[] = [];
    for (let round = 0; round < 10; round++) {
      burst(round);
      const t0 = Date.now();
      await page.evaluate(() => 1);
      pings.push(Date.now() - t0);
      if (round % 3 === 0) {
        clicks.push(await page.evaluate(async () => {
          const cell = document.querySelector('tr[data-id="p300"] .c-muted')!;
          const was = cell.textContent;
          const t = performance.now();
          return new Promise<number>((resolve) => {
            const obs = new MutationObserver(() => { if (cell.textContent !== was) { obs.disconnect(); resolve(performance.now() - t); } });
            obs.observe(cell, { childList: true, characterData: true, subtree: true });
            (document.querySelector('tr[data-id="p300"] button[data-act="mute"]') as HTMLButtonElement).click();
          });
        }));
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.waitForFunction(() => document.querySelector('tr[data-id="p1"] .c-volume')?.textContent?.startsWith('说 3 ·'));
    const long = await page.evaluate(() => (window as unknown as { __long: number[] }).__long);
    const longest = long.length ? Math.max(...long) : 0;
    console.log(`# burst of 10 × (1,000 talking + quality of 1,000 + 200 state) events: page round trip median ${median(pings)} ms, max ${Math.max(...pings)} ms; click-to-update during it ${clicks.map((x) => x.toFixed(0)).join(', ')} ms; long tasks ${long.length}, longest ${longest.toFixed(0)} ms`);
    assert.ok(Math.max(...clicks) < 1000, 'clicks answered within a second under load');
    assert.ok(longest < 500, `a task of ${longest} ms froze the page`);
  });

  it('locks, extends and ends from the controls', async () => {
    await page.click('#ctl-lock');
    await page.waitForFunction(() => document.getElementById('live-locked')?.textContent === '已锁定');
    assert.equal(await page.isVisible('#ctl-unlock'), true);
    assert.equal(await page.isVisible('#ctl-lock'), false);
    const before = host.conferences.get(conf)!.closesAt;
    await page.click('#ctl-extend-15');
    await page.waitForFunction(() => /^1:[34]\d:\d\d/.test(document.getElementById('live-time-left')?.textContent ?? ''));
    assert.equal(Date.parse(host.conferences.get(conf)!.closesAt) - Date.parse(before), 15 * 60_000);
    await page.click('#ctl-record-start');
    await page.waitForFunction(() => document.getElementById('live-recording')?.textContent === '录音中');
    await page.fill('#limit-input', '1100');
    await page.click('#ctl-limit button');
    await page.waitForFunction(() => document.getElementById('live-max')?.textContent === '1100');
    await page.click('#ctl-mute-all');
    await page.waitForFunction(() => document.getElementById('live-all-muted')?.textContent === '全体静音');
    await shot('live-controls');
    await page.click('#ctl-end');
    await page.waitForSelector('#live-page[data-stream="ended"]');
    assert.equal(await page.textContent('#live-banner'), '会议已结束');
    assert.ok(dialogs.some((d) => d.includes('结束会议')), 'end asks first');
    assert.deepEqual(host.commands.slice(-6).map((c) => c.command.type), ['lock', 'extend', 'record', 'limit', 'mute-all', 'end']);
    assert.equal(await page.isDisabled('#ctl-lock'), true);
  });
});
