// The members page end to end in Debian's Chromium (issue 19): the owner adds
// an organizer on the page and previews and imports a small directory CSV
// (its duplicate row listed); the new member opens the set-password link of
// the invitation mail (taken from the captured mail), sets a password, logs
// in and sees only their own rooms (another organizer's and the owner's are
// not listed, another organizer's room page is a 404), and no Members,
// Billing or Audit entries. Screenshots of the members page in both
// languages and of the set-password page go to test-results/screenshots/.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { DEMO } from '../../core/seed.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const TIMEOUT = 15_000;
const NEW = { name: '赵六 Zhao Liu', email: 'zhao.liu@example.com', password: 'Zhao#Liu2026' };

describe('members page in Chromium', () => {
  let w: TestWeb;
  let browser: Browser;
  let owner: Page;
  let member: Page;
  let otherRoomId = '';
  const shot = async (p: Page, name: string) => { await p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }); };

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    w = await startTestWeb({ mail: 'capture' });
    const other = await w.repos.users.create({ accountId: w.seed.accountId, role: 'organizer', username: 'other-organizer', password: 'Other#2026x', displayName: '孙七 Sun Qi' });
    otherRoomId = (await w.repos.rooms.create(w.seed.accountId, { name: 'Other organizer room', organizerUserId: other.id }, { now: w.clock.now })).id;
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    owner = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
    member = await (await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 } })).newPage();
    for (const p of [owner, member]) { p.setDefaultTimeout(TIMEOUT); p.on('dialog', (d) => { void d.accept(); }); }
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  async function login(p: Page, username: string, password: string, next: string): Promise<void> {
    await p.goto(`${w.url}/login?next=${encodeURIComponent(next)}`);
    await p.fill('#username', username);
    await p.fill('#password', password);
    await p.click('#login-submit');
    await p.waitForURL(`${w.url}${next}`);
  }

  it('the owner adds a member on the page; the invitation is mailed', async () => {
    await login(owner, DEMO.owner.username, DEMO.owner.password, '/members');
    await owner.fill('#member-form input[name="name"]', NEW.name);
    await owner.fill('#member-form input[name="email"]', NEW.email);
    await owner.fill('#member-form input[name="department"]', 'Sales 销售部');
    await owner.selectOption('#member-form select[name="role"]', 'organizer');
    await owner.click('#member-add');
    const row = owner.locator(`tr[data-username="${NEW.email}"]`);
    await row.waitFor();
    // The demo owner's saved language is Chinese.
    assert.match(await row.textContent() ?? '', /已邀请，未设置密码/);
    assert.match(await row.textContent() ?? '', /组织者/);
    assert.ok(w.sent.some((m) => m.to === NEW.email), 'the invitation mail went out');
  });

  it('the owner previews and imports a directory CSV; the duplicate row is listed', async () => {
    const csv = `姓名,邮箱,手机,部门\n周八,zhou.ba@example.com,13800138111,财务部\n吴九,wu.jiu@example.com,13800138112,财务部\n重复,zhou.ba@example.com,13800138113,财务部\n`;
    await owner.setInputFiles('#members-csv', { name: 'directory.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await owner.locator('#members-preview').waitFor({ state: 'visible' });
    assert.equal(await owner.textContent('#members-summary'), '可导入 2 人，重复 1 行，错误 0 行。');
    assert.match(await owner.textContent('#members-problems tbody') ?? '', /4与第 2 行重复的邮箱：zhou\.ba@example\.com/);
    await shot(owner, 'members-import-preview-zh');
    await owner.click('#members-import-confirm');
    await owner.locator('#members-report').waitFor({ state: 'visible' });
    assert.match(await owner.textContent('#members-report') ?? '', /已导入 2 人/);
    await owner.reload();
    for (const u of ['zhou.ba@example.com', 'wu.jiu@example.com']) await owner.locator(`tr[data-username="${u}"]`).waitFor();
    assert.equal(await owner.textContent('h1'), '成员');
    await shot(owner, 'members-zh');
    await owner.click('#lang-switch');
    await owner.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await owner.textContent('h1'), 'Members');
    assert.match(await owner.textContent(`tr[data-username="${NEW.email}"]`) ?? '', /Invited, no password yet/);
    await shot(owner, 'members-en');
    // The audit log shows who did it, filterable by member.
    await owner.goto(`${w.url}/audit?member=${w.seed.ownerUserId}`);
    const actions = await owner.locator('#audit-table tbody tr').evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
    for (const a of ['member.add', 'member.import']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
    assert.match(await owner.textContent('#audit-table tbody') ?? '', /Demo owner/);
    await shot(owner, 'members-audit-en');
  });

  it('the member sets a password with the mailed link, logs in and sees only their own rooms', async () => {
    const mail = w.sent.find((m) => m.to === NEW.email)!;
    const link = /https?:\/\/\S+\/invite\/[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
    assert.ok(link, mail.text);
    const me = (await w.repos.members.list(w.seed.accountId)).find((u) => u.username === NEW.email)!;
    await w.repos.rooms.create(w.seed.accountId, { name: 'Zhao Liu weekly', organizerUserId: me.id }, { now: w.clock.now });
    await member.goto(link);
    assert.match(await member.textContent('#invite-welcome') ?? '', /Your username is zhao\.liu@example\.com/);
    await shot(member, 'members-set-password-en');
    await member.fill('#invite-password', NEW.password);
    await member.click('#invite-submit');
    await member.waitForURL(/\/login/);
    await member.fill('#username', NEW.email);
    await member.fill('#password', NEW.password);
    await member.click('#login-submit');
    await member.waitForURL(`${w.url}/`);
    await member.goto(`${w.url}/rooms`);
    const rooms = await member.textContent('main') ?? '';
    assert.match(rooms, /Zhao Liu weekly/);
    assert.doesNotMatch(rooms, /Other organizer room/);
    assert.doesNotMatch(rooms, new RegExp(DEMO.room.number), 'not the owner\'s demo room');
    const nav = await member.locator('header nav a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    for (const hidden of ['/members', '/billing', '/audit']) assert.ok(!nav.includes(hidden), `nav shows ${hidden}`);
    assert.ok(nav.includes('/rooms'));
    await shot(member, 'members-organizer-rooms');
    const other = await member.goto(`${w.url}/rooms/${otherRoomId}`);
    assert.equal(other?.status(), 404);
    // The link worked once.
    const again = await member.goto(link);
    assert.equal(again?.status(), 404);
  });
});
