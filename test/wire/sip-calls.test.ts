// Wire-level SIP tests: the embedded engine on 127.0.0.1 against sipp as the
// real peer (calls in over UDP and TCP, CANCEL, retransmitted INVITE, OPTIONS,
// 488, BYE from the bridge, originate to answering / busy / silent callees),
// and malformed packets on the raw socket.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { configSchema } from '../../common/config.ts';
import { CallFailedError } from '../../common/errors.ts';
import { EmbeddedEngine } from '../../bridge/embedded/engine.ts';
import { MediaPool } from '../../bridge/embedded/media/control/media-pool.ts';
import type { CallLeg, HangupInfo, IncomingCall } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { runSipp, startSipp } from '../support/sipp.ts';
import { waitForPort, waitUntil } from '../support/ports.ts';

const SIP_PORT = 15060;
const REMOTE = `127.0.0.1:${SIP_PORT}`;
let nextSippPort = 15100;
const sippPort = () => (nextSippPort += 2);
let nextMediaPort = 16100;
const mediaPort = () => (nextMediaPort += 10);

const config = configSchema.parse({
  sip: { host: '127.0.0.1', port: SIP_PORT, noAnswerTimeoutS: 30 },
  rtp: { host: '127.0.0.1', portMin: 30000, portMax: 30999, workers: 1 },
});
const engine = new EmbeddedEngine({ config, media: new MediaPool(config.rtp) });

interface Seen { call: IncomingCall; leg?: CallLeg; hangup?: HangupInfo; cancelled?: boolean }
const seen: Seen[] = [];
const byTo = (to: string) => seen.filter((s) => s.call.to === to);
const holds = new Map<string, boolean[]>();
const codecs = new Map<string, string>();

before(async () => {
  engine.onIncoming((call) => {
    const s: Seen = { call };
    seen.push(s);
    call.onCancel(() => { s.cancelled = true; });
    const answer = () => call.answer().then((leg) => {
      s.leg = leg;
      leg.on('hold', (held) => holds.set(call.callId, [...(holds.get(call.callId) ?? []), held]));
      leg.on('hangup', (h) => { s.hangup = h; codecs.set(call.callId, leg.codec); });
      return leg;
    }, () => undefined);
    if (call.to === 'ring') { call.ring(); return; } // rings until the caller gives up
    if (call.to === 'slow') { setTimeout(answer, 1000); return; } // answers after 1 s
    if (call.to === 'hangup') {
      void answer().then((leg) => { if (leg) setTimeout(() => { void leg.hangup(Q850.NORMAL_CLEARING); }, 800); });
      return;
    }
    call.ring();
    void answer();
  });
  await engine.start();
});

after(async () => { await engine.close(); });

describe('calls into the bridge (sipp UAC)', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    test(`basic call over ${transport.toUpperCase()}: INVITE/100/180/200/ACK … BYE/200`, async () => {
      const service = `basic-${transport}`;
      const r = await runSipp({ scenario: 'uac-call.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), transport, service, calls: 1, durationMs: 1500, timeoutS: 30 });
      assert.equal(r.code, 0, r.summary);
      assert.equal(r.successful, 1, r.summary);
      const calls = byTo(service);
      assert.equal(calls.length, 1);
      await waitUntil(() => calls[0]!.hangup !== undefined, 3000, 'the leg to end');
      assert.deepEqual(calls[0]!.hangup, { by: 'remote', cause: Q850.NORMAL_CLEARING, sipStatus: undefined });
      assert.equal(calls[0]!.call.transport, transport);
    });
  }

  test('RFC 3261 §9.2: CANCEL before the answer gets 200, then 487 to the INVITE', async () => {
    const r = await runSipp({ scenario: 'uac-cancel.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'ring', calls: 1, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary);
    const calls = byTo('ring');
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.cancelled, true);
    assert.equal(calls[0]!.leg, undefined);
  });

  test('RFC 3261 §17.2.1: a retransmitted INVITE is answered once and makes one call', async () => {
    const r = await runSipp({ scenario: 'uac-retransmit.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'slow', calls: 1, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary);
    assert.equal(byTo('slow').length, 1, 'one incoming call for two copies of the INVITE');
  });

  test('RFC 3264 §8.4: re-INVITE puts the call on hold (recvonly), resumes it, and changes the codec to PCMA', async () => {
    const r = await runSipp({ scenario: 'uac-hold.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'hold', calls: 1, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary);
    const calls = byTo('hold');
    assert.equal(calls.length, 1);
    await waitUntil(() => calls[0]!.hangup !== undefined, 3000, 'the leg to end');
    assert.deepEqual(holds.get(calls[0]!.call.callId), [true, false]);
    assert.equal(codecs.get(calls[0]!.call.callId), 'PCMA', 'the leg uses the codec of the last offer');
  });

  test('OPTIONS: 200 with Allow, Accept and Supported', async () => {
    const r = await runSipp({ scenario: 'uac-options.xml', remote: REMOTE, localPort: sippPort(), service: 'options', calls: 1, timeoutS: 10 });
    assert.equal(r.code, 0, r.summary);
  });

  test('RFC 3264: no common codec → 488 Not Acceptable Here, and no call reaches the application', async () => {
    const r = await runSipp({ scenario: 'uac-no-codec.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'nocodec', calls: 1, timeoutS: 10 });
    assert.equal(r.code, 0, r.summary);
    assert.equal(byTo('nocodec').length, 0);
  });

  test('BYE from our side, with Reason: Q.850;cause=16', async () => {
    const r = await runSipp({ scenario: 'uac-expect-bye.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'hangup', calls: 1, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary);
    const calls = byTo('hangup');
    await waitUntil(() => calls[0]?.hangup !== undefined, 3000, 'the leg to end');
    assert.equal(calls[0]!.hangup!.by, 'local');
  });
});

describe('originate() to a sipp UAS', () => {
  test('a callee that answers: the leg is up, then we hang up with BYE', async () => {
    const port = sippPort();
    const uas = startSipp({ scenario: 'uas-answer.xml', localPort: port, mediaPort: mediaPort(), calls: 1, timeoutS: 30 });
    await waitForPort(port);
    const progress: string[] = [];
    const leg = await engine.originate({ uri: `sip:uas@127.0.0.1:${port}` }, { from: { user: '4008001000' }, onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress, ['ringing']);
    assert.equal(leg.direction, 'out');
    assert.equal(leg.codec, 'PCMU');
    const ended = new Promise<HangupInfo>((resolve) => leg.on('hangup', resolve));
    await leg.hangup(Q850.NORMAL_CLEARING);
    assert.equal((await ended).by, 'local');
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
  });

  test('a busy callee: rejects with Q.850 17 (486 Busy Here), ACK sent', async () => {
    const port = sippPort();
    const uas = startSipp({ scenario: 'uas-busy.xml', localPort: port, calls: 1, timeoutS: 20 });
    await waitForPort(port);
    await assert.rejects(
      engine.originate({ uri: `sip:busy@127.0.0.1:${port}` }, { from: { user: '4008001000' } }),
      (err: unknown) => err instanceof CallFailedError && err.q850 === Q850.USER_BUSY && err.sipStatus === 486,
    );
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
  });

  test('a callee that never answers: CANCEL after the no-answer timeout, Q.850 19', async () => {
    const port = sippPort();
    const uas = startSipp({ scenario: 'uas-no-answer.xml', localPort: port, calls: 1, timeoutS: 20 });
    await waitForPort(port);
    const t0 = Date.now();
    await assert.rejects(
      engine.originate({ uri: `sip:silent@127.0.0.1:${port}` }, { from: { user: '4008001000' }, noAnswerTimeoutMs: 1500 }),
      (err: unknown) => err instanceof CallFailedError && err.q850 === Q850.NO_ANSWER,
    );
    assert.ok(Date.now() - t0 >= 1400, 'gave up at the timeout, not before');
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
  });

  test('an unreachable callee: Timer B (408) becomes Q.850 102 — with short timers on a fake peer port', async () => {
    // Nothing listens on this port: ICMP port unreachable is ignored by UDP
    // sockets here, so the INVITE retransmits until Timer B.
    const fast = new EmbeddedEngine({
      config: configSchema.parse({ sip: { host: '127.0.0.1', port: SIP_PORT + 2, transports: ['udp'] }, rtp: { host: '127.0.0.1', portMin: 31000, portMax: 31099 } }),
      media: new MediaPool({ host: '127.0.0.1', portMin: 31000, portMax: 31099, workers: 1 }),
      timers: { T1: 20, T2: 160, T4: 200 },
    });
    await fast.start();
    try {
      await assert.rejects(
        fast.originate({ uri: `sip:nobody@127.0.0.1:${sippPort()}` }, { from: { user: 'bridge' } }),
        (err: unknown) => err instanceof CallFailedError && err.q850 === Q850.RECOVERY_ON_TIMER_EXPIRE && err.sipStatus === 408,
      );
    } finally {
      await fast.close();
    }
  });
});

describe('malformed input on the wire', () => {
  function exchange(payload: string | Buffer, waitMs = 500): Promise<string[]> {
    const sock = dgram.createSocket('udp4');
    const got: string[] = [];
    return new Promise((resolve) => {
      sock.on('message', (m) => got.push(m.toString('latin1')));
      sock.bind(0, '127.0.0.1', () => {
        sock.send(payload, SIP_PORT, '127.0.0.1');
        setTimeout(() => { sock.close(); resolve(got); }, waitMs);
      });
    });
  }

  test('a request with good Via/From/To/Call-ID/CSeq but a broken header gets 400; garbage is dropped; the bridge still answers', async () => {
    const bad = [
      'OPTIONS sip:x@127.0.0.1 SIP/2.0',
      'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKbad1;rport',
      'From: <sip:a@127.0.0.1>;tag=1',
      'To: <sip:x@127.0.0.1>',
      'Call-ID: bad-1',
      'CSeq: 1 OPTIONS',
      'Max-Forwards: 70',
      'Content-Length: 99999',
      '', ''].join('\r\n');
    const replies = await exchange(bad);
    assert.equal(replies.length, 1, 'one reply');
    assert.match(replies[0]!, /^SIP\/2\.0 400 /);
    assert.match(replies[0]!, /Call-ID: bad-1/);
    const mailto = bad.replace('OPTIONS sip:x@127.0.0.1 SIP/2.0', 'OPTIONS mailto:x@example.com SIP/2.0').replace('Content-Length: 99999', 'Content-Length: 0').replace('bad-1', 'bad-2');
    const scheme = await exchange(mailto);
    assert.equal(scheme.length, 1);
    assert.match(scheme[0]!, /^SIP\/2\.0 416 Unsupported URI Scheme/, 'RFC 3261 §8.2.2.1');
    assert.deepEqual(await exchange(Buffer.from([0x80, 0, 1, 2, 3, 0xff, 0xfe]), 300), [], 'binary garbage: no reply');
    assert.deepEqual(await exchange('INVITE\r\n\r\n', 300), [], 'no usable headers: no reply');
    const r = await runSipp({ scenario: 'uac-options.xml', remote: REMOTE, localPort: sippPort(), service: 'options', calls: 1, timeoutS: 10 });
    assert.equal(r.code, 0, r.summary);
  });
});
