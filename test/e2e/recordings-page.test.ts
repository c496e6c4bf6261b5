// The recordings page end to end (issue 14), in Debian's Chromium after a
// REAL recorded meeting: a baresip phone sending a 440 Hz tone dials the
// bridge (embedded engine, IVR, in-process web over one PGlite), enters a
// room as chair, presses *7 ("recording started"), talks, and hangs up (the
// last to leave: the recording stops with the meeting). Then the owner's
// browser: the page lists the recording; the <audio> player plays it to the
// `ended` event and seeks (a 206 answer to a Range request); the WAV download
// is a RIFF/WAVE file holding the caller's tone; the MP3 download is MPEG
// Layer III frames end to end; another account's browser gets 404 for the
// recording's id and both file URLs; delete removes the row and the file.
// The same real call is rated: the owner set the low-balance level just under
// the balance on the account page, so its charge sends exactly one warning
// mail and raises the dashboard's banner.
// Ports: bridge SIP 17200, RTP 35000–35499; phone SIP 17210 (+1 TLS, +2
// ctrl), RTP 35500–35509; web on an ephemeral port.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { DEMO } from '../../core/seed.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { readWav } from '../../bridge/rtp/wav.ts';
import { startWebServer } from '../../web/server.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { Phone } from '../support/ivr-phones.ts';
import { goertzelPower } from '../support/audio-check.ts';
import { mp3Frames } from '../support/mp3-frames.ts';
import { waitUntil } from '../support/ports.ts';
import type { Recording } from '../../core/recordings/store.ts';
import type { MailMessage } from '../../web/mail/mailer.ts';

const SHOTS = new URL('../../test-results/screenshots/', import.meta.url).pathname;
const EN_ACCESS = '4008001000';
const SIP_PORT = 17200;
const OWNER_B = { username: 'owner-rec-b', password: 'OwnerB#2026' };
const TONE_HZ = 440;

describe('recordings page after a real recorded meeting (Chromium)', () => {
  const work = mkdtempSync(join(tmpdir(), 'rec-e2e-'));
  let browser: Browser;
  let bridge: IvrBridge;
  let live: LocalLiveBus;
  let web: { url: string; close(): Promise<void> };
  let owner: BrowserContext;
  let page: Page;
  let rec: Recording;
  const mails: MailMessage[] = [];

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 35000, rtpMax: 35499, config: { pinLockout: { carrierAddresses: ['127.0.0.1'] } } });
    live = new LocalLiveBus(bridge.ivr.live);
    web = await startWebServer({
      repos: bridge.repos, live, host: '127.0.0.1', port: 0, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 100 },
      mailer: { send: async (m) => { mails.push(m); } }, lowBalanceSweepMs: 100,
    });
    const accB = await bridge.repos.accounts.create({ name: 'Rec B Ltd', tier: 'formal' });
    await bridge.repos.users.create({ accountId: accB.id, role: 'owner', username: OWNER_B.username, password: OWNER_B.password });
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium', headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
        '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
    });
    owner = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await owner.newPage();
    page.setDefaultTimeout(15_000);
    page.on('dialog', (d) => { void d.accept(); });
  });
  after(async () => {
    await browser?.close();
    await web?.close();
    await live?.close();
    await bridge?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('the owner sets a low-balance warning level just under the balance on the account page', async () => {
    await page.goto(`${web.url}/login`);
    await page.fill('#username', DEMO.owner.username);
    await page.fill('#password', DEMO.owner.password);
    await page.click('#login-submit');
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    const balance = (await bridge.repos.accounts.get(bridge.seed.accountId)).balanceMinor;
    await page.goto(`${web.url}/account`);
    await page.fill('#low-balance-form input[name="thresholdMinor"]', ((balance - 1) / 100).toFixed(2));
    await page.click('#low-balance-form button[type="submit"]');
    await page.locator('#low-balance-done').waitFor();
    assert.equal((await bridge.repos.lowBalance.get(bridge.seed.accountId)).thresholdMinor, balance - 1);
    await page.goto(`${web.url}/`);
    assert.equal(await page.locator('#low-balance-warning').count(), 0, 'no banner before the call');
  });

  it('records a real meeting: the chair dials in, presses *7, talks, hangs up; the row is finished with its file', async () => {
    const accountId = bridge.seed.accountId;
    const room = await bridge.repos.rooms.create(accountId, { name: 'Recorded board', number: '7014001', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
    const chair = await Phone.start({ work, name: 'recchair', toneHz: TONE_HZ, sipPort: 17210, rtpBase: 35500, lifetimeS: 120 });
    try {
      await chair.dial(`sip:${EN_ACCESS}@127.0.0.1:${SIP_PORT}`);
      await chair.keys(`${room.number}#4321#`);
      const inRoom = () => bridge.ivr.rooms.byNumber(room.number)?.list().some((p) => p.role === 'chair' && p.away === null) ?? false;
      await waitUntil(inRoom, 30_000, 'the chair in the room');
      await new Promise((r) => setTimeout(r, 3000)); // the joiner's prompts play out before the menu key
      await chair.keys('*7');
      await waitUntil(() => bridge.ivr.rooms.byNumber(room.number)?.recording === true, 20_000, 'recording on (announced)');
      // The file is written from the end of "recording started" on: its row says so.
      for (let i = 0; i < 100 && (await bridge.repos.recordings.list(accountId, { roomId: room.id })).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 5000)); // the chair talks (its tone) into the recording
      await chair.hangup();
      let rows: Recording[] = [];
      for (let i = 0; i < 100; i++) {
        rows = await bridge.repos.recordings.list(accountId, { roomId: room.id });
        if (rows.length === 1 && rows[0]!.endedAt !== null) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.ok(rows.length === 1 && rows[0]!.endedAt !== null, 'the recording row finished');
      rec = rows[0]!;
    } finally {
      await chair.quit();
    }
    assert.ok(rec.durationMs! >= 4000 && rec.durationMs! < 30_000, `recorded ${rec.durationMs} ms`);
    assert.ok(existsSync(rec.path));
    assert.equal(rec.sizeBytes, readFileSync(rec.path).length);
    assert.equal(rec.failure, null);
  });

  it('lists it and plays it in the page to the end; the player seeks with a 206 range answer', async () => {
    assert.ok(rec, 'recorded');
    await page.goto(`${web.url}/`);
    await page.click('a[data-nav="/recordings"]');
    await page.waitForURL((u) => u.pathname === '/recordings');
    const row = page.locator(`tr[data-recording-id="${rec.id}"]`);
    await row.waitFor();
    assert.match(await row.textContent() ?? '', /Recorded board \(7014001\)/);
    assert.match(await page.locator('#recordings-storage').textContent() ?? '', /(Storage used: .*\(1 recordings\)|已用存储：.*（1 个录音）)/);
    await page.screenshot({ path: join(SHOTS, 'recordings-page.png'), fullPage: true });

    const ranges: Array<{ status: number; contentRange: string | null }> = [];
    page.on('response', (r) => {
      if (r.url().includes(`/api/recordings/${rec.id}/audio.wav`)) ranges.push({ status: r.status(), contentRange: r.headers()['content-range'] ?? null });
    });
    const seconds = rec.durationMs! / 1000;
    const played = await row.locator('audio').evaluate((el: HTMLMediaElement, timeoutMs: number) => new Promise<{ ended: boolean; duration: number; error: string | null }>((resolve) => {
      const timer = setTimeout(() => resolve({ ended: false, duration: el.duration, error: el.error ? String(el.error.code) : null }), timeoutMs);
      el.addEventListener('ended', () => { clearTimeout(timer); resolve({ ended: true, duration: el.duration, error: null }); }, { once: true });
      el.addEventListener('error', () => { clearTimeout(timer); resolve({ ended: false, duration: el.duration, error: el.error ? String(el.error.code) : 'error' }); }, { once: true });
      el.playbackRate = 2;
      el.play().catch((e: unknown) => { clearTimeout(timer); resolve({ ended: false, duration: el.duration, error: String(e) }); });
    }), Math.round(seconds * 1000 + 15_000));
    assert.deepEqual({ ended: played.ended, error: played.error }, { ended: true, error: null }, 'the player reached the end');
    assert.ok(Math.abs(played.duration - seconds) < 0.5, `the player's duration ${played.duration} s, the row's ${seconds} s`);

    // Seek back into the middle: the browser asks for a byte range and gets 206.
    const seeked = await row.locator('audio').evaluate((el: HTMLMediaElement) => new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      el.addEventListener('seeked', () => { clearTimeout(timer); resolve(true); }, { once: true });
      el.currentTime = el.duration / 2;
    }));
    assert.ok(seeked, 'seeked');
    assert.ok(ranges.some((r) => r.status === 206 && /^bytes \d+-\d+\/\d+$/.test(r.contentRange ?? '')), `range answers: ${JSON.stringify(ranges)}`);
  });

  it('downloads the WAV (RIFF/WAVE holding the caller\'s tone) and the MP3 (Layer III frames end to end)', async () => {
    const row = page.locator(`tr[data-recording-id="${rec.id}"]`);
    const [wavDl] = await Promise.all([page.waitForEvent('download'), row.locator('a.download-wav').click()]);
    assert.match(wavDl.suggestedFilename(), /^recording-.*\.wav$/);
    const wavPath = join(work, 'download.wav');
    await wavDl.saveAs(wavPath);
    const wavBytes = readFileSync(wavPath);
    assert.equal(wavBytes.subarray(0, 4).toString('ascii'), 'RIFF');
    assert.equal(wavBytes.subarray(8, 12).toString('ascii'), 'WAVE');
    assert.equal(wavBytes.readUInt32LE(4), wavBytes.length - 8, 'the RIFF size was fixed when the recording stopped');
    const wav = readWav(wavBytes);
    assert.equal(wav.sampleRate, 8000);
    assert.ok(Math.abs(wav.samples.length / 8 - rec.durationMs!) < 100, 'as long as the row says');
    // The caller's tone is in the mix: 440 Hz stands far above a frequency nobody sent.
    const tone = 10 * Math.log10(goertzelPower(wav.samples, TONE_HZ));
    const other = 10 * Math.log10(Math.max(goertzelPower(wav.samples, 1700), 1e-12));
    assert.ok(tone - other > 20, `440 Hz at ${tone.toFixed(0)} dB, 1700 Hz at ${other.toFixed(0)} dB`);

    const [mp3Dl] = await Promise.all([page.waitForEvent('download'), row.locator('a.download-mp3').click()]);
    assert.match(mp3Dl.suggestedFilename(), /^recording-.*\.mp3$/);
    const mp3Path = join(work, 'download.mp3');
    await mp3Dl.saveAs(mp3Path);
    const mp3 = readFileSync(mp3Path);
    const frames = mp3Frames(mp3);
    assert.ok(frames.length > 0 && frames.every((f) => f.version === '2.5' && f.sampleRate === 8000), 'MPEG-2.5 Layer III at 8 kHz');
    const mp3Seconds = frames.reduce((n, f) => n + f.samples, 0) / 8000;
    assert.ok(Math.abs(mp3Seconds - rec.durationMs! / 1000) < 0.5, `MP3 of ${mp3Seconds} s`);
  });

  it('the rated call drew the balance under the level: exactly one warning mail, and the banner on the dashboard', async () => {
    const cdrs = await bridge.db('call_legs').where({ account_id: bridge.seed.accountId }).whereNotNull('charged_at');
    assert.ok(cdrs.length >= 1 && cdrs.some((c: { cost_minor: unknown }) => Number(c.cost_minor) > 0), 'the chair\'s leg was rated and charged');
    for (let i = 0; i < 100 && mails.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(mails.length, 1, 'one mail');
    assert.equal(mails[0]!.to, 'demo@example.com');
    await page.goto(`${web.url}/`);
    const banner = page.locator('#low-balance-warning');
    await banner.waitFor();
    assert.match(await banner.textContent() ?? '', /(余额不足|Low balance)/);
    await page.screenshot({ path: join(SHOTS, 'low-balance-dashboard.png'), fullPage: true });
    await new Promise((r) => setTimeout(r, 500)); // several sweeps (every 100 ms) pass: still one mail
    assert.equal(mails.length, 1, 'still one mail');
  });

  it('gives another account 404 for the recording\'s id and both file URLs', async () => {
    const other = await browser.newContext({ locale: 'en-US' });
    try {
      const p = await other.newPage();
      await p.goto(`${web.url}/login`);
      await p.fill('#username', OWNER_B.username);
      await p.fill('#password', OWNER_B.password);
      await p.click('#login-submit');
      await p.waitForURL((u) => !u.pathname.startsWith('/login'));
      for (const path of [`/api/recordings/${rec.id}`, `/api/recordings/${rec.id}/audio.wav`, `/api/recordings/${rec.id}/audio.mp3?download=1`]) {
        const res = await p.request.get(`${web.url}${path}`, { headers: { range: 'bytes=0-15' } });
        assert.equal(res.status(), 404, path);
        assert.ok(!(await res.body()).includes(Buffer.from('RIFF')), path);
      }
      await p.goto(`${web.url}/recordings`);
      assert.equal(await p.locator(`tr[data-recording-id="${rec.id}"]`).count(), 0, 'not in B\'s list');
    } finally {
      await other.close();
    }
  });

  it('deletes it from the page: gone from the list, its files removed', async () => {
    await page.goto(`${web.url}/recordings`);
    const row = page.locator(`tr[data-recording-id="${rec.id}"]`);
    await row.locator('button.delete-recording').click(); // the confirm dialog is accepted
    await page.waitForFunction((id) => !document.querySelector(`tr[data-recording-id="${id}"]`), rec.id, { timeout: 15_000 });
    assert.ok(!existsSync(rec.path), 'the WAV is removed');
    assert.ok(!existsSync(rec.path.replace(/\.wav$/, '.mp3')), 'the MP3 is removed');
    const res = await page.request.get(`${web.url}/api/recordings/${rec.id}/audio.wav`);
    assert.equal(res.status(), 404);
  });
});
