// Port conformance, calls the engine places (originate) with sipp as the
// callee: answered (ringing or early media reported, the callee's audio recorded and checked
// as audio, the callee hangs up with a Reason cause), hung up by us with a
// cause, refused with each failure status (its Q.850 cause, RFC 3398
// §8.2.6.1), ringing without an answer (CANCEL at the timeout, cause 19),
// never ringing (cause 18), cancelled by the caller's AbortSignal (CANCEL,
// cause 16 / 487), and a target that is no SIP URI.
// Ports: engine SIP 18124, RTP 54160–54199; sipp SIP 18185–18199, media 54360–54399.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallFailedError } from '../../common/errors.ts';
import type { CallProgress, HangupInfo } from '../../bridge/port.ts';
import { Q850, q850FromSip } from '../../bridge/q850.ts';
import { dominantFrequency, readSamples, slice } from '../support/audio-check.ts';
import { waitForPort } from '../support/ports.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { startSipp } from '../support/sipp.ts';
import { forEachEngine, PortRange } from './support/suite.ts';
import { PORT_SCENARIOS, reasonCause, receivedMessages } from './support/sip-trace.ts';

const SIPP_PORTS = new PortRange(18185, 18199);
const MEDIA_PORTS = new PortRange(54360, 54396, 4);
const sippPort = () => SIPP_PORTS.take();
const mediaPort = () => MEDIA_PORTS.take();
const work = mkdtempSync(join(tmpdir(), 'port-originate-'));
after(() => { if (!process.env.KEEP_MEDIA_TMP) rmSync(work, { recursive: true, force: true }); });

const FROM = { from: { user: '4008001000' } };
const isFailure = (cause: number, status?: number) => (err: unknown) => {
  assert.ok(err instanceof CallFailedError, `a CallFailedError, not ${String(err)}`);
  assert.equal(err.q850, cause, `cause ${err.q850} (${err.message})`);
  if (status !== undefined) assert.equal(err.sipStatus, status, `status ${err.sipStatus}`);
  return true;
};

forEachEngine('originate', { sipPort: 18124, rtpMin: 54160, rtpMax: 54199 }, (ctx) => {
  test('answered: "ringing" reported, the callee\'s 1 kHz recorded from the leg and mixed in a conference, the callee hangs up with Reason cause 31 → hangup {remote, 31}', async () => {
    const { eut } = ctx();
    const pcap = join(work, 'callee.pcap');
    makePcap(pcap, ['tone:1000:7']);
    const port = sippPort();
    const uas = startSipp({ scenario: join(PORT_SCENARIOS, 'port-uas-pcap-bye.xml'), localPort: port, mediaPort: mediaPort(), calls: 1, durationMs: 5000, keys: { pcap, cause: String(Q850.NORMAL_UNSPECIFIED) }, timeoutS: 30 });
    await waitForPort(port);
    const progress: CallProgress[] = [];
    const leg = await eut.engine.originate({ uri: `sip:answer@127.0.0.1:${port}` }, { ...FROM, onProgress: (p) => progress.push(p) });
    const ended = new Promise<HangupInfo>((resolve) => leg.on('hangup', resolve));
    assert.deepEqual(progress, ['ringing']);
    assert.equal(leg.direction, 'out');
    assert.equal(leg.to, 'answer');
    assert.equal(leg.codec, 'PCMU');
    const path = join(work, 'callee.wav');
    const rec = await leg.record({ path, maxMs: 1500 });
    assert.equal(rec.endedBy, 'max');
    const tone = dominantFrequency(slice(readSamples(path), 300, 1400));
    assert.equal(tone.hz, 1000, `the originated leg hears the callee: ${tone.hz} Hz`);
    assert.ok(tone.share > 0.9, `1 kHz share ${tone.share}`);
    // The called party in a conference: mixed like any caller (the recording of the mix holds its 1 kHz).
    const conference = eut.engine.createConference('originated');
    const member = await conference.join(leg);
    const mixPath = join(work, 'originated-mix.wav');
    await conference.startRecording(mixPath);
    await new Promise((r) => setTimeout(r, 1200)); // 1.2 s of the mix
    const mix = await conference.stopRecording();
    await member.leave();
    await conference.close();
    assert.ok(mix && mix.durationMs >= 1000, `mix of ${mix?.durationMs} ms`);
    const mixed = dominantFrequency(slice(readSamples(mixPath), 300, 1000));
    assert.equal(mixed.hz, 1000, `the conference mixes the called party: ${mixed.hz} Hz`);
    const info = await ended;
    assert.equal(info.by, 'remote');
    assert.equal(info.cause, Q850.NORMAL_UNSPECIFIED, 'the cause of the callee\'s Reason header');
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
  });

  test('answered, then we hang up with cause 16: the callee gets a BYE with Reason: Q.850;cause=16', async () => {
    const { eut } = ctx();
    const port = sippPort();
    const dir = mkdtempSync(join(work, 'local-'));
    const uas = startSipp({ scenario: 'uas-answer.xml', localPort: port, mediaPort: mediaPort(), calls: 1, timeoutS: 30, dir, extraArgs: ['-trace_msg'] });
    await waitForPort(port);
    const leg = await eut.engine.originate({ uri: `sip:local@127.0.0.1:${port}` }, FROM);
    const ended = new Promise<HangupInfo>((resolve) => leg.on('hangup', resolve));
    await leg.hangup(Q850.NORMAL_CLEARING);
    assert.deepEqual({ ...(await ended), sipStatus: undefined }, { by: 'local', cause: Q850.NORMAL_CLEARING, sipStatus: undefined });
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
    const bye = receivedMessages(dir).find((m) => m.method === 'BYE');
    assert.equal(reasonCause(bye?.header('Reason')), Q850.NORMAL_CLEARING, `BYE Reason: ${bye?.header('Reason')}`);
  });

  test('early media: a 183 with SDP → onProgress("early-media"), then the answer', async () => {
    const { eut } = ctx();
    const port = sippPort();
    const uas = startSipp({ scenario: join(PORT_SCENARIOS, 'port-uas-early-answer.xml'), localPort: port, mediaPort: mediaPort(), calls: 1, timeoutS: 30 });
    await waitForPort(port);
    const progress: CallProgress[] = [];
    const leg = await eut.engine.originate({ uri: `sip:early@127.0.0.1:${port}` }, { ...FROM, onProgress: (p) => progress.push(p) });
    assert.deepEqual(progress, ['early-media']);
    await leg.hangup(Q850.NORMAL_CLEARING);
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
  });

  const REFUSED = [486, 404, 403, 480, 488, 500, 502, 503, 603];
  test(`refused by the callee with ${REFUSED.join(', ')}: CallFailedError with the status and its Q.850 cause (busy = 17; a Reason header's cause wins: 503 with cause 34 → 34)`, async () => {
    const { eut } = ctx();
    const template = readFileSync(join(PORT_SCENARIOS, 'port-uas-refuse.xml'), 'utf8');
    const callees = REFUSED.map((status) => {
      const scenario = join(work, `refuse-${status}.xml`);
      // The 503 carries a Reason (RFC 3326): its cause, not the status's, is the call's.
      const reason = status === 503 ? `Reason: Q.850;cause=${Q850.NO_CIRCUIT_AVAILABLE}` : '';
      writeFileSync(scenario, template.replaceAll('__STATUS__', String(status)).replace(/^([ \t]*)__REASON__\r?\n/m, reason ? `$1${reason}\n` : ''));
      const port = sippPort();
      return { status, port, uas: startSipp({ scenario, localPort: port, calls: 1, timeoutS: 40 }) };
    });
    for (const c of callees) await waitForPort(c.port);
    const outcomes = await Promise.allSettled(callees.map((c) => eut.engine.originate({ uri: `sip:fail@127.0.0.1:${c.port}` }, FROM)));
    for (const [i, c] of callees.entries()) {
      const o = outcomes[i]!;
      assert.ok(o.status === 'rejected', `${c.status}: refused`);
      isFailure(c.status === 503 ? Q850.NO_CIRCUIT_AVAILABLE : q850FromSip(c.status), c.status)(o.reason);
    }
    assert.equal(q850FromSip(486), Q850.USER_BUSY);
    for (const c of callees) { const r = await c.uas.done; assert.equal(r.code, 0, r.summary); }
  });

  test('ringing without an answer: CANCEL at noAnswerTimeoutMs, cause 19; never ringing: cause 18', async () => {
    const { eut } = ctx();
    const ringing = sippPort();
    const silent = sippPort();
    const uasRing = startSipp({ scenario: 'uas-no-answer.xml', localPort: ringing, calls: 1, timeoutS: 30 });
    const uasSilent = startSipp({ scenario: join(PORT_SCENARIOS, 'port-uas-silent.xml'), localPort: silent, calls: 1, timeoutS: 30 });
    await waitForPort(ringing);
    await waitForPort(silent);
    const t0 = Date.now();
    const [a, b] = await Promise.allSettled([
      eut.engine.originate({ uri: `sip:rings@127.0.0.1:${ringing}` }, { ...FROM, noAnswerTimeoutMs: 1500 }),
      eut.engine.originate({ uri: `sip:silent@127.0.0.1:${silent}` }, { ...FROM, noAnswerTimeoutMs: 1500 }),
    ]);
    const waited = Date.now() - t0;
    assert.ok(a.status === 'rejected' && isFailure(Q850.NO_ANSWER)(a.reason));
    assert.ok(b.status === 'rejected' && isFailure(Q850.NO_USER_RESPONSE)(b.reason));
    assert.ok(waited >= 1400 && waited < 6000, `gave up after ${waited} ms`);
    for (const r of [await uasRing.done, await uasSilent.done]) assert.equal(r.code, 0, r.summary); // each saw CANCEL → 487 → ACK
  });

  test('cancelled by its AbortSignal while ringing: CANCEL on the wire, cause 16 with 487; a target that is no SIP URI: a clear CallFailedError', async () => {
    const { eut } = ctx();
    const port = sippPort();
    const uas = startSipp({ scenario: 'uas-no-answer.xml', localPort: port, calls: 1, timeoutS: 30 });
    await waitForPort(port);
    const abort = new AbortController();
    const call = eut.engine.originate({ uri: `sip:cancel@127.0.0.1:${port}` }, { ...FROM, signal: abort.signal, onProgress: (p) => { if (p === 'ringing') abort.abort(); } });
    await assert.rejects(call, isFailure(Q850.NORMAL_CLEARING, 487));
    const r = await uas.done;
    assert.equal(r.code, 0, r.summary);
    await assert.rejects(eut.engine.originate({ uri: 'not a sip uri' }, FROM), (err: unknown) => err instanceof CallFailedError && typeof err.q850 === 'number');
  });
}, [SIPP_PORTS, MEDIA_PORTS]);
