// The WebRTC gateway (bridge/webrtc/) end to end on 127.0.0.1: a werift peer
// connection plays the browser (Opus, 1 kHz tone), a tiny SIP UAS plays the
// bridge (PCMU, 440 Hz tone). Each side must hear the other's tone and not
// its own; hang-ups both ways, refusals, bad offers and listen-in fan-out.
// The first suite runs the gateway in its worker thread, the second in process.
// Ports: SIP 17320–17327, RTP/ICE 39200–39399.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError, WebrtcGateway } from '../../bridge/webrtc/gateway.ts';
import { steadyToneDb } from '../support/audio-check.ts';
import { waitUntil } from '../support/ports.ts';
import { ToneUas, type UasCall } from '../support/tone-uas.ts';
import { TestBrowser } from '../support/werift-browser.ts';

const HOST = '127.0.0.1';
const UAS_PORT = 17320;
const BROWSER_TONE = 1000;
const BRIDGE_TONE = 440;

/** Each browser gets its own ICE ports (39220–39259, four at a time). */
let nextBrowserPort = 39220;
function browser(direction: 'sendrecv' | 'recvonly' = 'sendrecv', codec: 'opus' | 'PCMU' = 'opus'): TestBrowser {
  const range: [number, number] = [nextBrowserPort, nextBrowserPort + 3];
  nextBrowserPort = nextBrowserPort + 4 > 39256 ? 39220 : nextBrowserPort + 4;
  return new TestBrowser(range, direction, codec);
}

/** steadyToneDb of a full-scale sine: levels below are relative to it (dBFS of a sine). */
const FULL_SCALE_DB = 10 * Math.log10(0.25 * 32768 ** 2);
/** Both tones are sent at amplitude 8000 (-12.2 dBFS); through G.711/G.722 and Opus they arrive at -11 to -17. */
const MIN_LEVEL_DBFS = -22;

/** The tone's level (dBFS) and its margin (dB) over the other tone, in a signal. */
function toneOf(x: Int16Array, hz: number, other: number, rate: number): { level: number; margin: number } {
  if (x.length < rate * 0.3) return { level: -Infinity, margin: -Infinity }; // at least 300 ms heard
  const level = steadyToneDb(x, hz, 40, rate) - FULL_SCALE_DB;
  return { level, margin: level - (steadyToneDb(x, other, 40, rate) - FULL_SCALE_DB) };
}

/** Waits until `get()` holds `hz` clearly (level > MIN_LEVEL_DBFS, 20 dB over `other`); asserts with the figures otherwise. */
async function assertHears(what: string, get: () => Int16Array, hz: number, other: number, rate = 8000): Promise<void> {
  const ok = (): boolean => { const t = toneOf(get(), hz, other, rate); return t.level > MIN_LEVEL_DBFS && t.margin > 20; };
  await waitUntil(ok, 8000, `${what} to hear ${hz} Hz`).catch(() => undefined);
  const t = toneOf(get(), hz, other, rate);
  if (process.env.SHOW_LEVELS) process.stdout.write(`# ${what}: ${hz} Hz ${t.level.toFixed(1)} dBFS, margin ${t.margin.toFixed(1)} dB\n`);
  assert.ok(t.level > MIN_LEVEL_DBFS && t.margin > 20, `${what}: ${hz} Hz at ${t.level.toFixed(1)} dBFS, ${t.margin.toFixed(1)} dB over ${other} Hz`);
}

/**
 * The gateway's packets to the bridge over the last second: sequence numbers
 * without holes, timestamps stepping by whole 20 ms frames and keeping to wall
 * time (a sender that bursts runs its timestamps ahead). Arrival times are
 * this thread's, which a loaded machine stalls now and then: the tolerance is
 * 10 frames, and one frame per tick, never more, is the unit test's
 * (test/unit/webrtc-parts.test.ts, the uplink).
 */
function assertPaced(call: UasCall): void {
  const last = call.arrivals.at(-1)!;
  const recent = call.arrivals.filter((a) => a.at >= last.at - 1000);
  assert.ok(recent.length >= 25, `${recent.length} packets in the last second`);
  for (let i = 1; i < recent.length; i++) {
    const p = recent[i - 1]!, q = recent[i]!;
    assert.equal((q.seq - p.seq) & 0xffff, 1, 'sequence numbers continue');
    const frames = ((q.ts - p.ts) >>> 0) / 160;
    assert.ok(Number.isInteger(frames) && frames >= 1, `timestamp step ${q.ts - p.ts}`);
  }
  const first = recent[0]!;
  const wallFrames = (last.at - first.at) / 20;
  const tsFrames = ((last.ts - first.ts) >>> 0) / 160;
  assert.ok(Math.abs(tsFrames - wallFrames) <= 10, `timestamps ${tsFrames} frames over ${wallFrames.toFixed(1)} frames of wall time`);
}

function nextCall(uas: ToneUas, timeoutMs = 5000): Promise<UasCall> {
  return uas.waitFor('call', timeoutMs).then(([c]) => c);
}

describe('WebRTC gateway (worker thread)', () => {
  let uas: ToneUas;
  let gw: WebrtcGateway;
  const browsers: TestBrowser[] = [];
  const open = (d: 'sendrecv' | 'recvonly' = 'sendrecv', codec: 'opus' | 'PCMU' = 'opus'): TestBrowser => { const b = browser(d, codec); browsers.push(b); return b; };

  before(async () => {
    uas = await ToneUas.start({ port: UAS_PORT, rtpMin: 39200, rtpMax: 39219, toneHz: BRIDGE_TONE });
    gw = new WebrtcGateway({ bridge: { host: HOST, port: UAS_PORT }, bindHost: HOST, rtpPortMin: 39260, rtpPortMax: 39339, sipPort: 17321, mediaTimeoutMs: 2000 });
    await gw.start();
  });

  after(async () => {
    await Promise.allSettled(browsers.map((b) => b.close()));
    await gw.close();
    await uas.close();
  });

  // One test's failure leaves nothing behind for the next: its sessions hung up, its browsers closed, the UAS answering.
  afterEach(async () => {
    await Promise.allSettled(uas.calls.filter((c) => !c.session.terminated).map((c) => c.bye()));
    await Promise.allSettled(browsers.splice(0).map((b) => b.close()));
    await waitUntil(() => gw.counts().sessions === 0, 5000, 'no sessions left').catch(() => undefined);
    uas.mode = { answer: true };
    uas.codec = 'PCMU';
  });

  test('a browser and the bridge hear each other; hangup() sends BYE and fires ended', async () => {
    uas.mode = { answer: true };
    const b = open();
    const callP = nextCall(uas);
    const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: { 'X-Bridge-Join': 'tok.123' }, fromName: 'Ann "A" Lee' });
    const call = await callP;
    assert.equal(call.requestUser, '4000');
    assert.equal(call.header('X-Bridge-Join'), 'tok.123');
    assert.equal(call.fromDisplayName, 'Ann A Lee');
    assert.match(call.offer, /m=audio \d+ RTP\/AVP 9 0 101/); // G.722 first, then PCMU, telephone-event
    assert.match(call.offer, /a=rtpmap:9 G722\/8000/);
    assert.match(call.offer, /a=rtpmap:101 telephone-event\/8000/);
    assert.equal(call.codec, 'PCMU'); // this bridge takes PCMU
    assert.deepEqual(gw.counts(), { sessions: 1, listeners: 0, legs: 1 });
    await b.connect(session.answerSdp);
    b.startTone(BROWSER_TONE);
    await assertHears('the bridge', () => call.heardTail(1000), BROWSER_TONE, BRIDGE_TONE);
    await assertHears('the browser', () => b.heardTail(1000), BRIDGE_TONE, BROWSER_TONE);
    await new Promise((r) => setTimeout(r, 1000));
    assertPaced(call);
    const ended = gw.waitFor('ended', 5000);
    await gw.hangup(session.id);
    assert.deepEqual(await ended, [session.id, 'hangup']);
    assert.equal(await call.endedBy, 'remote');
    assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
  });

  test('a G.722 bridge: wideband both ways (a 5 kHz tone from the browser reaches the bridge)', async () => {
    uas.mode = { answer: true };
    uas.codec = 'G722';
    try {
      const b = open();
      const callP = nextCall(uas);
      const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} });
      const call = await callP;
      assert.equal(call.codec, 'G722');
      await b.connect(session.answerSdp);
      b.startTone(5000); // beyond PCMU's band: only a 16 kHz path carries it
      await assertHears('the G.722 bridge', () => call.heardTail(1000), 5000, BRIDGE_TONE, 16000);
      await assertHears('the browser', () => b.heardTail(1000), BRIDGE_TONE, 5000);
      await gw.hangup(session.id);
      assert.equal(await call.endedBy, 'remote');
    } finally {
      uas.codec = 'PCMU';
    }
  });

  test('a PCMU-only browser on a G.722 bridge: 8↔16 kHz both ways', async () => {
    uas.mode = { answer: true };
    uas.codec = 'G722';
    const b = open('sendrecv', 'PCMU');
    const callP = nextCall(uas);
    const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} });
    const call = await callP;
    assert.equal(call.codec, 'G722');
    assert.match(session.answerSdp, /^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 0\r$/m);
    await b.connect(session.answerSdp);
    b.startTone(BROWSER_TONE);
    await assertHears('the G.722 bridge', () => call.heardTail(1000), BROWSER_TONE, BRIDGE_TONE, 16000);
    await assertHears('the PCMU browser', () => b.heardTail(1000), BRIDGE_TONE, BROWSER_TONE);
    await gw.hangup(session.id);
  });

  test('a re-INVITE from the bridge: the media follows the new port; an offer without our codec is refused 488, the call goes on', async () => {
    uas.mode = { answer: true };
    const b = open();
    const callP = nextCall(uas);
    const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} });
    const call = await callP;
    await b.connect(session.answerSdp);
    b.startTone(BROWSER_TONE);
    await assertHears('the bridge', () => call.heardTail(500), BROWSER_TONE, BRIDGE_TONE);
    const answer = await call.moveTo(39218);
    assert.match(answer, /m=audio \d+ RTP\/AVP 0 101/);
    const before = call.arrivals.length;
    call.heard.length = 0;
    await assertHears('the bridge on its new port', () => call.heardTail(500), BROWSER_TONE, BRIDGE_TONE);
    const moved = call.arrivals.slice(before + 5); // a few may have been on their way to the old port
    assert.ok(moved.length >= 5 && moved.every((x) => x.port === 39218), `packets since the re-INVITE reach port 39218: ${JSON.stringify([...new Set(moved.map((x) => x.port))])}`);
    const pcma = call.answerSdp.replace(/^m=audio (\d+) RTP\/AVP 0 101/m, 'm=audio 39218 RTP/AVP 8 101').replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000').replace(/^(o=\S+ \S+ )(\d+)/m, '$1' + '9');
    await assert.rejects(call.session.reinvite(pcma), (e: unknown) => e instanceof Error && /488/.test(e.message));
    call.heard.length = 0;
    await assertHears('the bridge after the refused re-INVITE', () => call.heardTail(500), BROWSER_TONE, BRIDGE_TONE);
    await gw.hangup(session.id);
  });

  test('the bridge hanging up (BYE) ends the session', async () => {
    uas.mode = { answer: true };
    const b = open();
    const callP = nextCall(uas);
    const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} });
    const call = await callP;
    await b.connect(session.answerSdp);
    const ended = gw.waitFor('ended', 5000);
    await call.bye();
    const [id, reason] = await ended;
    assert.equal(id, session.id);
    assert.match(reason, /bridge-hangup/);
    assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
  });

  test('a browser that goes away (no media) is hung up on the bridge', async () => {
    uas.mode = { answer: true };
    const b = open();
    const callP = nextCall(uas);
    const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} });
    const call = await callP;
    await b.connect(session.answerSdp);
    b.startTone(BROWSER_TONE);
    await assertHears('the bridge', () => call.heardTail(500), BROWSER_TONE, BRIDGE_TONE);
    const ended = gw.waitFor('ended', 8000);
    b.stopTone(); // the tab froze: no more packets, no goodbye
    const [id, reason] = await ended;
    assert.equal(id, session.id);
    assert.match(reason, /media-timeout|ice-/);
    assert.equal(await call.endedBy, 'remote');
  });

  test('a browser that closes its peer connection is hung up on the bridge', async () => {
    uas.mode = { answer: true };
    const b = open();
    const callP = nextCall(uas);
    const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} });
    const call = await callP;
    await b.connect(session.answerSdp);
    b.startTone(BROWSER_TONE);
    await assertHears('the bridge', () => call.heardTail(500), BROWSER_TONE, BRIDGE_TONE);
    const ended = gw.waitFor('ended', 8000);
    await b.close();
    const [id, reason] = await ended;
    if (process.env.SHOW_LEVELS) process.stdout.write(`# closed browser: ${reason}\n`);
    assert.equal(id, session.id);
    assert.match(reason, /ice-|media-timeout/);
    assert.equal(await call.endedBy, 'remote');
  });

  test('the bridge refusing the call is a GatewayError with its status', async () => {
    uas.mode = { reject: 486 };
    const b = open();
    await assert.rejects(gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} }), (e: unknown) => e instanceof GatewayError && e.status === 486);
    assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
    uas.mode = { answer: true };
  });

  test('bad offers and bad requests are refused with 400/488, never a crash', async () => {
    const good = await open().offer();
    const cases: Array<[string, unknown, number]> = [
      ['not SDP', 'hello', 400],
      ['empty', '', 400],
      ['not a string', 42, 400],
      ['no candidates (trickle)', good.replace(/a=candidate:.*\r\n/g, ''), 400],
      ['no fingerprint', good.replace(/a=fingerprint:.*\r\n/g, ''), 400],
      ['plain RTP', good.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP'), 400],
      ['no Opus nor PCMU', good.replace(/a=rtpmap:111 opus\/48000\/2/, 'a=rtpmap:111 G7221/16000').replace(/a=rtpmap:0 PCMU\/8000/, 'a=rtpmap:0 X/8000'), 488],
      ['huge', `v=0\r\n${'a=x\r\n'.repeat(20_000)}`, 400],
    ];
    for (const [what, sdp, status] of cases) {
      await assert.rejects(gw.join({ offerSdp: sdp as string, to: '4000', headers: {} }),
        (e: unknown) => e instanceof GatewayError && e.status === status, what);
    }
    const badHeaders: Array<Record<string, string>> = [{ Via: 'x' }, { 'X-A': 'a\r\nBYE sip:x SIP/2.0' }, { 'bad name': 'x' }];
    for (const headers of badHeaders) {
      await assert.rejects(gw.join({ offerSdp: good, to: '4000', headers }), (e: unknown) => e instanceof GatewayError && e.status === 400);
    }
    await assert.rejects(gw.join({ offerSdp: good, to: '40 00@evil', headers: {} }), (e: unknown) => e instanceof GatewayError && e.status === 400);
    assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
  });

  test('mutated offers (100, seeded): each join settles with an answer or a GatewayError, the gateway stays whole', async () => {
    uas.mode = { reject: 603 }; // a usable offer reaches the bridge and is refused there: no leg stays up
    const lines = (await open().offer()).split('\r\n');
    let seed = 17;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const statuses = new Map<number, number>();
    for (let i = 0; i < 100; i++) {
      const l = [...lines];
      for (let k = 1 + rnd(3); k > 0; k--) {
        const at = rnd(l.length);
        switch (rnd(4)) {
          case 0: l.splice(at, 1); break; // a line lost
          case 1: l[at] = l[at]!.slice(0, rnd(l[at]!.length + 1)); break; // a line cut short
          case 2: l.splice(at, 0, l[rnd(l.length)]!); break; // a line repeated elsewhere
          default: { const c = l[at]!; const j = rnd(c.length + 1); l[at] = c.slice(0, j) + '\u0000:;=/ 9x'.charAt(rnd(9)) + c.slice(j); }
        }
      }
      const status = await gw.join({ offerSdp: l.join('\r\n'), to: '4000', headers: {} }).then(
        async (sess) => { await gw.hangup(sess.id); return 200; },
        (e: unknown) => { assert.ok(e instanceof GatewayError, `not a GatewayError: ${String(e)}`); return e.status; },
      );
      assert.ok([200, 400, 488, 603].includes(status), `status ${status} for mutation ${i}`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    if (process.env.SHOW_LEVELS) process.stdout.write(`# mutated offers: ${JSON.stringify(Object.fromEntries(statuses))}\n`);
    assert.ok((statuses.get(400) ?? 0) > 0 && (statuses.get(603) ?? 0) > 0, 'both refusals seen');
    assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
  });

  test('listen-in: two recvonly browsers with one key share one SIP leg and both hear the bridge', async () => {
    uas.mode = { answer: true };
    const b1 = open('recvonly');
    const b2 = open('recvonly');
    const callsBefore = uas.calls.length;
    const callP = nextCall(uas);
    const [s1, s2] = await Promise.all([
      b1.offer().then((o) => gw.join({ offerSdp: o, to: '4000', headers: { 'X-Bridge-Join': 'listen' }, listenKey: 'room-7' })),
      b2.offer().then((o) => gw.join({ offerSdp: o, to: '4000', headers: { 'X-Bridge-Join': 'listen' }, listenKey: 'room-7' })),
    ]);
    const call = await callP;
    assert.equal(uas.calls.length, callsBefore + 1, 'one INVITE for both listeners');
    assert.match(call.offer, /a=recvonly/);
    assert.deepEqual(gw.counts(), { sessions: 2, listeners: 2, legs: 1 });
    assert.equal(gw.listeners('room-7'), 2);
    assert.match(s1.answerSdp, /a=sendonly/);
    await Promise.all([b1.connect(s1.answerSdp), b2.connect(s2.answerSdp)]);
    await assertHears('listener 1', () => b1.heardTail(1000), BRIDGE_TONE, BROWSER_TONE);
    await assertHears('listener 2', () => b2.heardTail(1000), BRIDGE_TONE, BROWSER_TONE);
    // A third listener joins the same leg after it is up.
    const b3 = open('recvonly');
    const s3 = await gw.join({ offerSdp: await b3.offer(), to: '4000', headers: {}, listenKey: 'room-7' });
    await b3.connect(s3.answerSdp);
    await assertHears('listener 3', () => b3.heardTail(600), BRIDGE_TONE, BROWSER_TONE);
    assert.equal(uas.calls.length, callsBefore + 1, 'still one INVITE');
    assert.deepEqual(gw.counts(), { sessions: 3, listeners: 3, legs: 1 });
    await gw.hangup(s1.id);
    await gw.hangup(s3.id);
    assert.equal(call.ended, false, 'the leg stays while a listener remains');
    assert.equal(gw.listeners('room-7'), 1);
    await gw.hangup(s2.id);
    assert.equal(await call.endedBy, 'remote', 'the last listener leaving hangs up the leg');
    assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
    assert.equal(gw.listeners('room-7'), 0);
  });
});

describe('WebRTC gateway limits (in process)', () => {
  let uas: ToneUas;
  let gw: WebrtcGateway;
  const browsers: TestBrowser[] = [];

  before(async () => {
    uas = await ToneUas.start({ port: 17322, rtpMin: 39210, rtpMax: 39219, toneHz: BRIDGE_TONE });
    gw = new WebrtcGateway({ bridge: { host: HOST, port: 17322 }, bindHost: HOST, rtpPortMin: 39340, rtpPortMax: 39399, sipPort: 17323, joinTimeoutMs: 1500, maxSessions: 1, inProcess: true });
    await gw.start();
  });

  after(async () => {
    await Promise.allSettled(browsers.map((b) => b.close()));
    await gw.close();
    await uas.close();
  });

  test('a bridge that never answers: 504 after the join timeout, the INVITE cancelled', async () => {
    uas.mode = { ring: true };
    const b = browser(); browsers.push(b);
    const callP = nextCall(uas);
    const t0 = Date.now();
    await assert.rejects(gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} }), (e: unknown) => e instanceof GatewayError && e.status === 504);
    const took = Date.now() - t0;
    assert.ok(took >= 1400 && took < 6000, `refused after ${took} ms`);
    const call = await callP;
    await call.endedBy; // CANCEL reached the UAS
    assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
  });

  test('max sessions: the next join is refused 503; close() hangs up everything', async () => {
    uas.mode = { answer: true };
    const b1 = browser(); browsers.push(b1);
    const b2 = browser(); browsers.push(b2);
    const callP = nextCall(uas);
    await gw.join({ offerSdp: await b1.offer(), to: '4000', headers: {} });
    const call = await callP;
    await assert.rejects(gw.join({ offerSdp: await b2.offer(), to: '4000', headers: {} }), (e: unknown) => e instanceof GatewayError && e.status === 503);
    const ended = gw.waitFor('ended', 5000);
    await gw.close();
    assert.equal((await ended)[1], 'gateway-closed');
    assert.equal(await call.endedBy, 'remote');
    await assert.rejects(gw.join({ offerSdp: await b2.offer(), to: '4000', headers: {} }), (e: unknown) => e instanceof GatewayError && e.status === 503);
  });
});

describe('WebRTC gateway worker death', () => {
  test('a dead worker: every live session ends, counts go to zero, joins fail 503', async () => {
    const uas = await ToneUas.start({ port: 17326, rtpMin: 39210, rtpMax: 39219, toneHz: BRIDGE_TONE });
    const gw = new WebrtcGateway({ bridge: { host: HOST, port: 17326 }, bindHost: HOST, rtpPortMin: 39340, rtpPortMax: 39399, sipPort: 17327 });
    const b = browser();
    try {
      await gw.start();
      const session = await gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} });
      assert.deepEqual(gw.counts(), { sessions: 1, listeners: 0, legs: 1 });
      const ended = gw.waitFor('ended', 5000);
      await gw.terminate();
      assert.deepEqual(await ended, [session.id, 'gateway-worker-died']);
      assert.deepEqual(gw.counts(), { sessions: 0, listeners: 0, legs: 0 });
      await assert.rejects(gw.join({ offerSdp: await b.offer(), to: '4000', headers: {} }), (e: unknown) => e instanceof GatewayError && e.status === 503);
    } finally {
      await b.close();
      await gw.close();
      await uas.close();
    }
  });
});
