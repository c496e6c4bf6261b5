// The live page's invite panel in Debian's Chromium (playwright-core,
// headless) over a FakeLiveHost: a bulk invite of a contact group from the
// console (the host gets one `invite` with the group's numbers and names),
// the rows' states changing live as `invite` events come (joined, busy with
// its SIP status), one redial after the busy, a single number with a name,
// and cancel on a ringing one.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startTestWeb, type TestWeb } from '../support/web.ts';
import { FakeLiveHost, fakeParticipant, fakeSnapshot } from '../support/fake-live-host.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import type { LiveInvite } from '../../core/live/messages.ts';

const TIMEOUT = 15_000;
const OWNER = { username: 'inv-page', password: 'InvPage#2026' };

describe('live page invites in Chromium', () => {
  let w: TestWeb;
  let host: FakeLiveHost;
  let browser: Browser;
  let page: Page;
  let accountId = '';
  let conf = '';
  let group = '';
  const state = (id: string) => page.locator(`#live-invites tbody tr[data-id="${id}"] td:nth-child(2)`);
  const invites = () => host.conferences.get(conf)!.invites ?? [];
  const move = (i: LiveInvite, patch: Partial<LiveInvite>) => {
    Object.assign(i, patch, { updatedAt: new Date().toISOString() });
    host.emit({ type: 'invite', conferenceId: conf, accountId, at: i.updatedAt, invite: { ...i } });
  };

  before(async () => {
    host = new FakeLiveHost();
    w = await startTestWeb({ live: new LocalLiveBus(host) });
    const now = w.clock.now;
    accountId = (await w.repos.accounts.create({ name: 'Invite Page Co.', tier: 'formal' })).id;
    await w.repos.users.create({ accountId, role: 'owner', username: OWNER.username, password: OWNER.password });
    const room = await w.repos.rooms.create(accountId, { name: '周会', number: '6660101', chairPin: '111222', guestPin: '333444' }, { now });
    conf = (await w.repos.conferences.startOrGet(accountId, { roomId: room.id, at: now })).conference.id;
    host.add(fakeSnapshot(conf, accountId, { roomId: room.id, roomNumber: room.number, roomName: room.name, participants: [fakeParticipant('p1', { role: 'chair', name: '主持人' })] }));
    const c1 = (await w.repos.contacts.create(accountId, { name: '王五', phone: '13900139031' })).contact;
    const c2 = (await w.repos.contacts.create(accountId, { name: '赵六', phone: '13900139032' })).contact;
    group = (await w.repos.contacts.createGroup(accountId, '销售部')).id;
    await w.repos.contacts.addToGroup(accountId, group, [c1.id, c2.id]);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    const context = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(TIMEOUT);
    await page.goto(`${w.url}/login`);
    await page.fill('#username', OWNER.username);
    await page.fill('#password', OWNER.password);
    await page.click('#login-submit');
    await page.waitForURL(`${w.url}/`);
    await page.goto(`${w.url}/live/${conf}`);
    await page.waitForSelector('#live-page[data-stream="open"]');
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('invites a whole group from the console; the states change live to joined and busy; one redial after the busy', async () => {
    assert.equal(await page.isVisible('#invite-none'), true);
    await page.selectOption('#invite-group', group);
    await page.click('#invite-bulk-call');
    await page.waitForSelector('#live-invites tbody tr:nth-child(2)');
    const cmd = host.commands.at(-1)!;
    assert.equal(cmd.command.type, 'invite');
    assert.deepEqual(cmd.command.type === 'invite' && cmd.command.targets.map((t) => [t.target, t.name]), [['+8613900139031', '王五'], ['+8613900139032', '赵六']]);
    assert.equal(cmd.actor.kind, 'web');
    const [a, b] = invites() as [LiveInvite, LiveInvite];
    await page.waitForFunction((id) => document.querySelector(`#live-invites tr[data-id="${id}"] td:nth-child(2)`)?.textContent === '排队中', a.id);
    move(a, { state: 'calling' });
    move(a, { state: 'ringing' });
    move(b, { state: 'calling' });
    await page.waitForFunction((id) => document.querySelector(`#live-invites tr[data-id="${id}"]`)?.getAttribute('data-state') === 'ringing', a.id);
    move(a, { state: 'answered' });
    move(a, { state: 'joined', participantId: 'p2' });
    move(b, { state: 'busy', sipStatus: 486, q850Cause: 17 });
    await page.waitForFunction((id) => document.querySelector(`#live-invites tr[data-id="${id}"]`)?.getAttribute('data-state') === 'joined', a.id);
    await page.waitForFunction((id) => document.querySelector(`#live-invites tr[data-id="${id}"]`)?.getAttribute('data-state') === 'busy', b.id);
    assert.equal(await state(a.id).textContent(), '已入会');
    assert.match((await state(b.id).textContent()) ?? '', /^忙 \(SIP 486, Q\.850 原因 17\)$/);
    assert.equal(await page.locator(`#live-invites tr[data-id="${a.id}"] button`).count(), 0, 'nothing to do on a joined invite');
    await page.click(`#live-invites tr[data-id="${b.id}"] button[data-invite="redial"]`);
    await page.waitForFunction((id) => document.querySelector(`#live-invites tr[data-id="${id}"]`)?.getAttribute('data-state') === 'queued', b.id);
    assert.deepEqual(host.commands.at(-1)!.command, { type: 'invite-redial', inviteId: b.id });
  });

  it('invites one number with a name, and cancels it while it rings', async () => {
    await page.fill('#invite-target', '13900139033*88');
    await page.fill('#invite-name', '孙七');
    await page.click('#invite-call');
    await page.waitForSelector('#live-invites tbody tr:nth-child(3)');
    assert.equal(await page.inputValue('#invite-target'), '', 'the form is cleared once accepted');
    const c = invites().at(-1)!;
    assert.deepEqual({ target: c.target, name: c.name }, { target: '13900139033*88', name: '孙七' });
    move(c, { state: 'ringing' });
    await page.waitForFunction((id) => document.querySelector(`#live-invites tr[data-id="${id}"]`)?.getAttribute('data-state') === 'ringing', c.id);
    await page.click(`#live-invites tr[data-id="${c.id}"] button[data-invite="cancel"]`);
    await page.waitForFunction((id) => document.querySelector(`#live-invites tr[data-id="${id}"]`)?.getAttribute('data-state') === 'cancelled', c.id);
    assert.deepEqual(host.commands.at(-1)!.command, { type: 'invite-cancel', inviteId: c.id });
  });
});
