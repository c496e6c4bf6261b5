// Joining from the browser and listening in (issue 17), on the wire: the IVR
// on the embedded engine, the WebRTC gateway (bridge/webrtc/) calling it, and
// the web app, over one in-memory PGlite; Debian's Chromium with a fake
// microphone playing a 1 kHz WAV; a sipp chair sending 440 Hz, its received
// RTP captured with tcpdump and decoded.
//   - the page joins with the guest PIN: the page hears 440 Hz (Web Audio on
//     the remote stream), the sipp caller hears 1 kHz; the console API lists
//     the browser (kind 'browser'); mute on the page → 1 kHz gone at sipp and
//     the console shows the participant muted;
//   - a listen-in link: a wrong password is refused (403, its message on the
//     page); the right one hears the mix (440 Hz, in the page); the console's
//     listener count is 1;
//   - a bad join token at the SIP level is refused 403 (the gateway's GatewayError);
//   - removed from the console, the page ends; the browser's CDR has direction 'webrtc'.
// Ports: bridge SIP 17340, gateway SIP 17341, web 17342, sipp SIP 17343 and
// media 17350; bridge RTP 39400–39599, gateway media 39600–39799.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { JoinTokenSigner, JOIN_HEADER } from '../../core/rooms/join-token.ts';
import { DEMO, seedDemo } from '../../core/seed.ts';
import { WebrtcGateway } from '../../bridge/webrtc/gateway.ts';
import { startWebServer } from '../../web/server.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { RtpCapture } from '../support/rtp-capture.ts';
import { startSipp } from '../support/sipp.ts';
import { Client } from '../support/web.ts';

const SIP = 17340;
const GATEWAY_SIP = 17341;
const WEB = 17342;
const SIPP_SIP = 17343;
const SIPP_MEDIA = 17350;
const ROOM = '7017001';
const CHAIR_PIN = '4321';
const GUEST_PIN = '8765';

const work = mkdtempSync(join(tmpdir(), 'webrtc-join-'));
let browser: Browser;
let bridge: IvrBridge;
let gateway: WebrtcGateway;
let web: { url: string; close(): Promise<void> };
let live: LocalLiveBus;
let repos: Repositories;
let accountId: string;
const tokens = new JoinTokenSigner('e2e-join-secret-0123456789');

/** 1 kHz, 48 kHz 16-bit mono, 10 s (Chromium loops it as the microphone). */
function toneWav(file: string, hz: number, seconds: number): void {
  const rate = 48_000;
  const n = rate * seconds;
  const b = Buffer.alloc(44 + n * 2);
  b.write('RIFF', 0); b.writeUInt32LE(36 + n * 2, 4); b.write('WAVE', 8); b.write('fmt ', 12);
  b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(n * 2, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 12_000), 44 + i * 2);
  writeFileSync(file, b);
}

before(async () => {
  const mic = join(work, 'mic-1khz.wav');
  toneWav(mic, 1000, 10);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium', headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${mic}`,
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
  const db = await openDatabase({ inMemory: true });
  repos = createRepositories(db, { defaultRegion: 'CN' });
  const seed = await seedDemo(db, { now: new Date() });
  accountId = seed.accountId;
  bridge = await IvrBridge.start({
    sipPort: SIP, rtpMin: 39400, rtpMax: 39599, workers: 1, joinTokens: tokens,
    existing: { db, repos, seed }, config: { pinLockout: { carrierAddresses: ['127.0.0.1'] } },
  });
  gateway = new WebrtcGateway({ bridge: { host: '127.0.0.1', port: SIP }, bindHost: '127.0.0.1', rtpPortMin: 39600, rtpPortMax: 39799, sipPort: GATEWAY_SIP });
  await gateway.start();
  live = new LocalLiveBus(bridge.ivr.live);
  web = await startWebServer({
    repos, live, host: '127.0.0.1', port: WEB, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 1000 },
    browserJoin: { gateway, tokens },
  });
});

after(async () => {
  await browser?.close();
  await web?.close();
  await gateway?.close();
  await live?.close();
  await bridge?.close();
  await bridge?.db.destroy();
  rmSync(work, { recursive: true, force: true });
});

/**
 * Level (dB) of each frequency in what the page's <audio> element plays,
 * measured in the page: an AnalyserNode on its stream, a Goertzel per block
 * of getFloatTimeDomainData, the median over `ms`.
 */
async function pageLevels(page: Page, selector: string, freqs: number[], ms: number): Promise<Record<number, number>> {
  return page.evaluate(async ({ selector, freqs, ms }) => {
    const el = document.querySelector(selector) as HTMLAudioElement;
    const ctx = new AudioContext();
    await ctx.resume();
    const an = ctx.createAnalyser();
    an.fftSize = 2048;
    ctx.createMediaStreamSource(el.srcObject as MediaStream).connect(an);
    const buf = new Float32Array(an.fftSize);
    const levels: Record<number, number[]> = {};
    for (const f of freqs) levels[f] = [];
    const end = performance.now() + ms;
    while (performance.now() < end) {
      await new Promise((r) => setTimeout(r, 60));
      an.getFloatTimeDomainData(buf);
      for (const f of freqs) {
        const k = 2 * Math.cos((2 * Math.PI * f) / ctx.sampleRate);
        let s1 = 0; let s2 = 0;
        for (let i = 0; i < buf.length; i++) { const s0 = buf[i]! + k * s1 - s2; s2 = s1; s1 = s0; }
        levels[f]!.push((s1 * s1 + s2 * s2 - k * s1 * s2) / (buf.length * buf.length));
      }
    }
    await ctx.close();
    const out: Record<number, number> = {};
    for (const f of freqs) {
      const l = levels[f]!.sort((a, b) => a - b);
      out[f] = 10 * Math.log10(Math.max(l[l.length >> 1] ?? 0, 1e-12));
    }
    return out;
  }, { selector, freqs, ms });
}

async function waitFor(what: string, cond: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function conferenceId(roomId: string): Promise<string> {
  let id = '';
  await waitFor('the conference', async () => { id = (await repos.conferences.findLive(accountId, roomId))?.id ?? ''; return id !== ''; }, 20_000);
  return id;
}

describe('join from the browser and listen in, on the wire', () => {
  it('browser and sipp hear each other; mute silences the browser; a listen-in page hears the mix; a wrong password is refused', { timeout: 150_000 }, async () => {
    const room = await repos.rooms.create(accountId, { name: 'WebRTC room', number: ROOM, chairPin: CHAIR_PIN, guestPin: GUEST_PIN }, { now: new Date() });
    // The sipp chair: dials the room's SIP URI, its PIN after the welcome, then 440 Hz until the end.
    const pcap = join(work, 'chair.pcap');
    makePcap(pcap, ['silence:1.5', `dtmf:${CHAIR_PIN}#:100:100`, 'tone:440:100']);
    const capture = await RtpCapture.start(join(work, 'sipp-received.pcap'), SIPP_MEDIA);
    const sipp = startSipp({
      scenario: 'uac-pcap.xml', remote: `127.0.0.1:${SIP}`, localPort: SIPP_SIP, mediaPort: SIPP_MEDIA, service: ROOM, calls: 1,
      durationMs: 110_000, keys: { pcap }, timeoutS: 140, dir: mkdtempSync(join(work, 'sipp-')),
    });
    const context = await browser.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    try {
      const confId = await conferenceId(room.id);
      await waitFor('the chair in the room', async () => (await live.snapshot(accountId, confId)).participants.length === 1, 20_000);

      // The page joins with the guest PIN.
      await page.goto(`${web.url}/join?room=${ROOM}`);
      assert.equal(await page.inputValue('#join-room'), ROOM, 'the room number from the link');
      await page.fill('#join-pin', GUEST_PIN);
      await page.fill('#join-name', 'Web Wendy');
      await page.click('#join-submit');
      await page.waitForSelector('#join-status[data-state="joined"]', { timeout: 30_000 });

      // The console lists the browser.
      const owner = new Client(web.url);
      assert.equal((await owner.login(DEMO.owner.username, DEMO.owner.password)).status, 200);
      const snap = (await owner.get(`/api/live/${confId}`)).json<{ snapshot: { participants: Array<{ id: string; kind: string; name: string | null; muted: boolean }> } }>().snapshot;
      const wendy = snap.participants.find((p) => p.kind === 'browser');
      assert.ok(wendy, `the console lists the browser: ${JSON.stringify(snap.participants)}`);
      assert.equal(wendy.name, 'Web Wendy');

      await new Promise((r) => setTimeout(r, 2500)); // the join's count prompt ends; audio flows (not a synchronisation)
      const heard = await pageLevels(page, '#join-audio', [440, 1000, 1900], 2500);
      const unmutedFrom = Date.now() - 2500;
      const unmutedTo = Date.now();
      console.log(`# the page hears 440 Hz ${heard[440]!.toFixed(1)} dB (1000 Hz ${heard[1000]!.toFixed(1)}, 1900 Hz ${heard[1900]!.toFixed(1)})`);
      assert.ok(heard[440]! - heard[1900]! > 20, 'the page hears the sipp caller (440 Hz)');

      // Mute on the page: the track off and the participant muted on the bridge.
      await page.click('#join-mute');
      await page.waitForSelector('#join-mute[data-muted="yes"]');
      const after = (await owner.get(`/api/live/${confId}`)).json<{ snapshot: { participants: Array<{ id: string; muted: boolean; mutedBy: string | null }> } }>().snapshot;
      const muted = after.participants.find((p) => p.id === wendy.id);
      assert.equal(muted?.muted, true, 'the console shows the browser muted');
      assert.equal(muted?.mutedBy, 'self');
      await new Promise((r) => setTimeout(r, 3000));
      const mutedFrom = Date.now() - 2500;
      const mutedTo = Date.now();

      // Listen-in: a link, a wrong password, then the right one.
      const made = await owner.post(`/api/rooms/${room.id}/listen-links`, { password: 'listen-secret', validMinutes: 30, maxListeners: 5 });
      assert.equal(made.status, 201, made.text);
      const link = made.json<{ id: string; path: string }>();
      const lp = await context.newPage();
      await lp.goto(`${web.url}${link.path}`);
      await lp.fill('#listen-password', 'not-the-password');
      await lp.click('#listen-submit');
      await lp.waitForSelector('#listen-error:not([hidden])');
      assert.equal(await lp.getAttribute('#listen-error', 'data-status'), '403');
      assert.match(await lp.textContent('#listen-error') ?? '', /wrong password/);
      await lp.fill('#listen-password', 'listen-secret');
      await lp.click('#listen-submit');
      await lp.waitForSelector('#listen-status[data-state="listening"]', { timeout: 30_000 });
      await new Promise((r) => setTimeout(r, 1500));
      const mix = await pageLevels(lp, '#listen-audio', [440, 1900], 2500);
      console.log(`# the listen-in page hears 440 Hz ${mix[440]!.toFixed(1)} dB (1900 Hz ${mix[1900]!.toFixed(1)})`);
      assert.ok(mix[440]! - mix[1900]! > 20, 'the listener hears the mix');
      const count = (await owner.get(`/api/live/${confId}/listeners`)).json<{ listeners: number }>();
      assert.equal(count.listeners, 1, 'the console counts one listener');
      // The listener is not a participant.
      const withListener = (await owner.get(`/api/live/${confId}`)).json<{ snapshot: { participants: unknown[] } }>().snapshot;
      assert.equal(withListener.participants.length, 2, 'the listener is not in the participant list');

      // A forged token at the SIP level is refused.
      const forged = new JoinTokenSigner('another-secret-0123456789').sign({ room: ROOM, role: 'chair', kind: 'webrtc', name: 'x' }, Date.now());
      const offer = await page.evaluate(async () => {
        const pc = new RTCPeerConnection();
        pc.addTransceiver('audio', { direction: 'recvonly' });
        await pc.setLocalDescription(await pc.createOffer());
        await new Promise((r) => setTimeout(r, 500));
        const sdp = pc.localDescription!.sdp;
        pc.close();
        return sdp;
      });
      await assert.rejects(gateway.join({ offerSdp: offer, to: ROOM, headers: { [JOIN_HEADER]: forged } }), (err: Error & { status?: number }) => err.status === 403);

      // Removed from the console: the gateway's call ends, the page says so; the browser's CDR has its own direction.
      assert.equal((await owner.post(`/api/live/${confId}/participants/${encodeURIComponent(wendy.id)}/remove`)).status, 200);
      await page.waitForSelector('#join-status[data-state="ended"]', { timeout: 20_000 });
      const browserCall = await bridge.call((c) => c.from === 'webrtc' && c.outcome === 'joined');
      assert.equal((await bridge.cdr(browserCall.cdrId)).direction, 'webrtc');

      // What sipp heard: 1 kHz from the browser while unmuted, gone once muted.
      await lp.close();
      await page.close();
      const received = await capture.stop();
      const on = received.levelOf(1000, unmutedFrom, unmutedTo);
      const off = received.levelOf(1000, mutedFrom, mutedTo);
      console.log(`# sipp hears 1 kHz ${on.toFixed(1)} dB unmuted, ${off.toFixed(1)} dB muted (${received.packets} packets)`);
      assert.ok(on - off > 25, 'the browser is heard by the caller, and muting silences it');
      assert.ok(on > 30, 'the browser is clearly heard');
    } finally {
      await context.close();
      await capture.stop().catch(() => undefined);
      await sipp.stop(2000);
    }
  });
});
