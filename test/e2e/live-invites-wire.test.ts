// The console's invites end to end (issue 13), in Debian's Chromium against
// the whole product on the wire: the IVR on the embedded engine and the web
// app over one PGlite (what `make run` does), sipp as the carrier trunk.
// A chair (baresip, 440 Hz) opens the room; the owner, on /live/:id, invites
// a contact group of two at once:
//   - the first callee answers, presses 1 and sends 1250 Hz: its row moves
//     live to "joined" and the chair hears 1250 Hz (Goertzel);
//   - the second is busy (486): its row says so, with the SIP status;
//   - redial on that row: the callee answers this time (the trunk now points
//     at a carrier that answers, sending 1 and 1600 Hz), the row moves to
//     "joined" and the chair hears 1600 Hz;
//   - end from the page: both callees get the BYE, each sipp ends clean.
// Ports: bridge SIP 17400, RTP 37000–37499; chair SIP 17430 (+1, +2), RTP
// 17440–17449; carriers SIP 17410 / 17411, media 17420 / 17424.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { DEMO } from '../../core/seed.ts';
import type { InviteState } from '../../core/invites/states.ts';
import { startUas } from '../support/ivr-calls.ts';
import { listen, Phone } from '../support/ivr-phones.ts';
import { inProcessStack, type LiveStack } from '../support/live-stack.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { startSipp } from '../support/sipp.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const ACCESS = '4008001000';
const ANSWERS = '13900139041';
const BUSY = '13900139042'; // carrier-busy-by-number.xml answers …139042 with 486
const work = mkdtempSync(join(tmpdir(), 'live-invites-wire-'));
let browser: Browser;
let stack: LiveStack;

before(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  stack = await inProcessStack({ sipPort: 17400, rtpMin: 37000, rtpMax: 37499, operatorTarget: 'sip:operator@127.0.0.1:17499' });
});
after(async () => {
  await browser?.close();
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

async function trunkTo(port: number): Promise<void> {
  const trunk = (await stack.repos.trunks.list()).find((t) => t.name === 'demo-carrier');
  assert.ok(trunk, 'the demo trunk');
  await stack.repos.trunks.update(trunk.id, { port });
}

/** The invite row for a callee (the page shows the target as typed or the contact's name). */
const row = (page: Page, name: string) => page.locator('#live-invites tbody tr', { hasText: name });
const rowState = (page: Page, name: string) => row(page, name).getAttribute('data-state');

async function waitState(page: Page, name: string, state: InviteState, timeoutMs: number): Promise<void> {
  await row(page, name).and(page.locator(`[data-state="${state}"]`)).waitFor({ timeout: timeoutMs })
    .catch(async (err: Error) => { throw new Error(`${name}: row state ${await rowState(page, name)}, wanted ${state}: ${err.message}`); });
}

describe('console invites on the wire', () => {
  it('a group invited from the page: one joins, one is busy, redial → joined; the chair hears both', { timeout: 180_000 }, async () => {
    const room = await stack.repos.rooms.create(stack.accountId, { name: 'Invites on the wire', number: '7014001', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
    const a = (await stack.repos.contacts.create(stack.accountId, { name: 'Answers Ann', phone: ANSWERS })).contact;
    const b = (await stack.repos.contacts.create(stack.accountId, { name: 'Busy Bob', phone: BUSY })).contact;
    const group = await stack.repos.contacts.createGroup(stack.accountId, 'Wire team');
    await stack.repos.contacts.addToGroup(stack.accountId, group.id, [a.id, b.id]);

    // Carrier 1: Ann answers (2 s of the greeting, then 1, then 1250 Hz); Bob is busy.
    const pcap1 = join(work, 'ann.pcap');
    makePcap(pcap1, ['silence:2', 'dtmf:1:120:100', 'tone:1250:90']);
    const carrier1 = startSipp({
      scenario: 'carrier-busy-by-number.xml', localPort: 17410, mediaPort: 17420, calls: 2, keys: { pcap: pcap1 },
      timeoutS: 150, recvTimeoutMs: 140_000, dir: mkdtempSync(join(work, 'carrier1-')),
    });
    await trunkTo(17410);

    const chair = await Phone.start({ work, name: 'wirechair', toneHz: 440, sipPort: 17430, rtpBase: 17440, lifetimeS: 170 });
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => { void d.accept(); });
    let carrier2: ReturnType<typeof startUas> | undefined;
    try {
      await chair.dial(`sip:${ACCESS}@127.0.0.1:${stack.sipPort}`);
      await chair.keys(`${room.number}#4321#`);
      let conferenceId = '';
      for (let i = 0; i < 100 && !conferenceId; i++) {
        conferenceId = (await stack.repos.conferences.findLive(stack.accountId, room.id))?.id ?? '';
        if (!conferenceId) await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(conferenceId, 'the chair opened a conference');

      await page.goto(`${stack.webUrl}/login`);
      await page.fill('#username', DEMO.owner.username);
      await page.fill('#password', DEMO.owner.password);
      await page.click('#login-submit');
      await page.waitForURL((u) => !u.pathname.startsWith('/login'));
      await page.goto(`${stack.webUrl}/live/${conferenceId}`);
      await page.waitForSelector('#live-page[data-stream="open"]');
      await new Promise((r) => setTimeout(r, 2000)); // the chair's own prompts end
      const quiet = await listen(2000);

      // The whole group at once.
      await page.selectOption('#invite-group', group.id);
      await page.click('#invite-bulk-call');
      await waitState(page, 'Answers Ann', 'joined', 40_000);
      await waitState(page, 'Busy Bob', 'busy', 40_000);
      assert.match((await row(page, 'Busy Bob').locator('td:nth-child(2)').textContent()) ?? '', /486/, 'the busy row shows the SIP status');
      await shot(page, 'live-invites-wire-busy');
      await new Promise((r) => setTimeout(r, 3000)); // Ann's count prompt
      const annIn = await listen(2500);

      // Redial Bob: this time the carrier answers (the trunk moves to one that does).
      carrier2 = startUas({ localPort: 17411, mediaPort: 17424, toneHz: 1600, seconds: 90, segments: ['silence:2', 'dtmf:1:120:100', 'tone:1600:90'] });
      await trunkTo(17411);
      await row(page, 'Busy Bob').locator('button[data-invite="redial"]').click();
      await waitState(page, 'Busy Bob', 'joined', 40_000);
      await new Promise((r) => setTimeout(r, 3000)); // Bob's count prompt
      const bobIn = await listen(2500);
      await shot(page, 'live-invites-wire-joined');

      const level = (hz: number, w: [number, number]) => chair.levelOf(hz, w[0], w[1]);
      console.log(`# the chair hears 1250 Hz (Ann) ${level(1250, quiet).toFixed(0)} → ${level(1250, annIn).toFixed(0)} dB; 1600 Hz (Bob) ${level(1600, annIn).toFixed(0)} → ${level(1600, bobIn).toFixed(0)} dB`);
      assert.ok(level(1250, annIn) - level(1250, quiet) > 30, 'the room hears Ann once she joined');
      assert.ok(level(1600, bobIn) - level(1600, annIn) > 30, 'the room hears Bob once the redial joined him');

      // The rows' history as the database keeps it: one busy attempt, then the redial that joined.
      const invites = await stack.db('invites').where({ conference_id: conferenceId }).select('id', 'target', 'state', 'sip_status');
      assert.equal(invites.length, 2, 'one row per callee (a redial reuses its row)');
      const byTarget = new Map(invites.map((r: { target: string; id: string; state: string }) => [r.target, r]));
      const bob = [...byTarget.entries()].find(([t]) => t.endsWith(BUSY))?.[1] as { id: string; state: string } | undefined;
      assert.equal(bob?.state, 'joined');
      const bobHistory = (await stack.repos.invites.history(stack.accountId, bob!.id)).map((h) => h.state);
      assert.deepEqual(bobHistory.slice(0, bobHistory.indexOf('busy') + 1), ['queued', 'calling', 'busy']);
      assert.deepEqual(bobHistory.slice(bobHistory.indexOf('busy') + 1), ['queued', 'calling', 'ringing', 'answered', 'joined']);

      // End from the page: both callees get the BYE; each carrier ends clean.
      await page.locator('#ctl-end').click();
      await chair.closed(20_000);
      const [c1, c2] = await Promise.all([carrier1.done, carrier2.done]);
      assert.equal(c1.code, 0, c1.summary);
      assert.equal(c1.successful, 2, 'carrier 1: Ann answered and Bob refused busy, both calls clean');
      assert.equal(c2.result.code, 0, c2.result.summary);
    } finally {
      await context.close();
      await chair.quit().catch(() => undefined);
      await carrier1.stop(500).catch(() => undefined);
      await carrier2?.stop().catch(() => undefined);
    }
  });
});

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}
