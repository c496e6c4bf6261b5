// Port conformance, incoming calls: answered and ended by either side with
// its cause (RFC 3326 Reason both ways), refused with the SIP status of each
// Q.850 cause (RFC 3398 §7.2.4.1, one sipp run for every cause), CANCEL
// before the answer (RFC 3261 §9.2), and hold / resume by re-INVITE (RFC 3264
// §8.4) as the leg's 'hold' event; misuse of a leg (clear errors);
// readiness(), and draining
// (refuseNewCalls: 503 with Retry-After, originate refused). sipp is the caller.
// Ports: engine SIP 18120, RTP 54000–54039; sipp SIP 18150–18159, media 54200–54239.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CallFailedError, InvalidStateError } from '../../common/errors.ts';
import type { HangupInfo } from '../../bridge/port.ts';
import { Q850, sipFromQ850 } from '../../bridge/q850.ts';
import { waitUntil } from '../support/ports.ts';
import { runSipp } from '../support/sipp.ts';
import { forEachEngine, PortRange } from './support/suite.ts';
import { PORT_SCENARIOS, reasonCause, receivedMessages } from './support/sip-trace.ts';

const SIPP_PORTS = new PortRange(18150, 18159);
const MEDIA_PORTS = new PortRange(54200, 54236, 4);
const sippPort = () => SIPP_PORTS.take();
const mediaPort = () => MEDIA_PORTS.take();
const work = mkdtempSync(join(tmpdir(), 'port-calls-'));
after(() => { if (!process.env.KEEP_MEDIA_TMP) rmSync(work, { recursive: true, force: true }); });

/** Causes refused with, and the status RFC 3398 §7.2.4.1 gives each (the table is bridge/q850.ts; these are the literal statuses). */
const REFUSALS: Array<[cause: number, status: number]> = [
  [Q850.UNALLOCATED_NUMBER, 404], [Q850.NORMAL_CLEARING, 480], [Q850.USER_BUSY, 486], [Q850.NO_USER_RESPONSE, 408],
  [Q850.NO_ANSWER, 480], [Q850.CALL_REJECTED, 403], [Q850.NUMBER_CHANGED, 410], [Q850.DESTINATION_OUT_OF_ORDER, 502],
  [Q850.INVALID_NUMBER_FORMAT, 484], [Q850.NO_CIRCUIT_AVAILABLE, 503], [Q850.TEMPORARY_FAILURE, 503],
  [Q850.SERVICE_NOT_IMPLEMENTED, 501], [Q850.INCOMPATIBLE_DESTINATION, 488], [Q850.RECOVERY_ON_TIMER_EXPIRE, 504], [Q850.INTERWORKING, 500],
];

forEachEngine('calls', { sipPort: 18120, rtpMin: 54000, rtpMax: 54039 }, (ctx) => {
  test('answered; the caller hangs up with a plain BYE → hangup {remote, 16}; with Reason Q.850 cause 17 → cause 17', async () => {
    const { eut, router } = ctx();
    const hold = async () => new Promise<void>((r) => setTimeout(r, 100)); // the handler returns; the call goes on
    router.route('plain-bye', { answer: hold });
    router.route('reason-bye', { answer: hold });
    const plain = await runSipp({ scenario: 'uac-call.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'plain-bye', calls: 1, durationMs: 800, timeoutS: 20 });
    assert.equal(plain.code, 0, plain.summary);
    const withReason = await runSipp({ scenario: join(PORT_SCENARIOS, 'port-uac-bye-reason.xml'), remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'reason-bye', calls: 1, durationMs: 800, keys: { cause: String(Q850.USER_BUSY) }, timeoutS: 20 });
    assert.equal(withReason.code, 0, withReason.summary);
    const [a] = router.to('plain-bye');
    const [b] = router.to('reason-bye');
    await waitUntil(() => a?.hangup !== undefined && b?.hangup !== undefined, 5000, 'both legs to end');
    assert.equal(a!.hangup!.by, 'remote');
    assert.equal(a!.hangup!.cause, Q850.NORMAL_CLEARING);
    assert.equal(b!.hangup!.by, 'remote');
    assert.equal(b!.hangup!.cause, Q850.USER_BUSY, 'the Reason header of the BYE (RFC 3326)');
    assert.equal(a!.leg!.direction, 'in');
    assert.equal(a!.call.from, 'caller1');
    assert.ok(a!.leg!.codec === 'PCMU', `codec ${a!.leg!.codec}`);
  });

  test('over TCP: the incoming call tells its transport, source, caller (number and display name), dialled number, Request-URI and headers', async () => {
    const { eut, router } = ctx();
    router.route('tcp-call', { answer: async () => undefined });
    const r = await runSipp({ scenario: 'uac-call.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), transport: 'tcp', service: 'tcp-call', calls: 1, durationMs: 500, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary);
    const [c] = router.to('tcp-call');
    await waitUntil(() => c?.hangup !== undefined, 5000, 'the leg to end');
    const call = c!.call;
    assert.equal(call.transport, 'tcp');
    assert.equal(call.sourceAddress, '127.0.0.1');
    assert.equal(call.from, 'caller1');
    assert.equal(call.fromDisplayName, 'sipp 1');
    assert.equal(call.to, 'tcp-call');
    assert.match(call.requestUri, /^sip:tcp-call@127\.0\.0\.1/);
    assert.equal(call.header('User-Agent'), 'sipp-uac-call');
    assert.equal(c!.leg!.from, 'caller1');
    assert.equal(c!.leg!.to, 'tcp-call');
    assert.ok(c!.leg!.callId.length > 0 && c!.leg!.callId === call.callId);
    assert.deepEqual({ by: c!.hangup!.by, cause: c!.hangup!.cause }, { by: 'remote', cause: Q850.NORMAL_CLEARING });
  });

  test('answered; the engine hangs up with cause 41 → BYE with Reason: Q.850;cause=41, hangup {local, 41}', async () => {
    const { eut, router } = ctx();
    router.route('local-bye', { answer: async (leg) => { await new Promise((r) => setTimeout(r, 500)); await leg.hangup(Q850.TEMPORARY_FAILURE); } });
    const dir = mkdtempSync(join(work, 'local-bye-'));
    const r = await runSipp({ scenario: join(PORT_SCENARIOS, 'port-uac-expect-bye.xml'), remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'local-bye', calls: 1, timeoutS: 20, dir, extraArgs: ['-trace_msg'] });
    assert.equal(r.code, 0, r.summary);
    const c = await router.finished('local-bye');
    assert.equal(c.error, undefined, String(c.error));
    assert.deepEqual({ by: c.hangup?.by, cause: c.hangup?.cause }, { by: 'local', cause: Q850.TEMPORARY_FAILURE } satisfies Partial<HangupInfo>);
    const bye = receivedMessages(dir).find((m) => m.method === 'BYE');
    assert.ok(bye, 'sipp received a BYE');
    assert.equal(reasonCause(bye.header('Reason')), Q850.TEMPORARY_FAILURE, `Reason: ${bye.header('Reason')}`);
  });

  test(`refused with ${REFUSALS.length} Q.850 causes: each gets its RFC 3398 status and a Reason with the cause; 503 and 486 carry Retry-After`, async () => {
    const { eut, router } = ctx();
    for (const [cause] of REFUSALS) router.route(`reject-${cause}`, { reject: cause, ...(cause === Q850.TEMPORARY_FAILURE || cause === Q850.USER_BUSY ? { retryAfterS: 30 } : {}) });
    const inf = join(work, 'rejects.csv');
    writeFileSync(inf, ['SEQUENTIAL', ...REFUSALS.map(([cause]) => `reject-${cause};`)].join('\n') + '\n');
    const dir = mkdtempSync(join(work, 'rejects-'));
    const r = await runSipp({ scenario: join(PORT_SCENARIOS, 'port-uac-reject.xml'), remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), calls: REFUSALS.length, rate: 10, timeoutS: 30, dir, extraArgs: ['-inf', inf, '-trace_msg'] });
    assert.equal(r.code, 0, r.summary);
    const finals = receivedMessages(dir).filter((m) => m.status !== undefined && m.status >= 300);
    const got = new Map(finals.map((m) => [/sip:reject-(\d+)@/.exec(m.header('To') ?? '')?.[1], m]));
    for (const [cause, status] of REFUSALS) {
      assert.equal(sipFromQ850(cause), status, `bridge/q850.ts maps ${cause} to ${status}`);
      const m = got.get(String(cause));
      assert.ok(m, `a final response for cause ${cause}`);
      assert.equal(m.status, status, `cause ${cause}: ${m.firstLine}`);
      assert.equal(reasonCause(m.header('Reason')), cause, `cause ${cause}: Reason ${m.header('Reason')}`);
      const retry = cause === Q850.TEMPORARY_FAILURE || cause === Q850.USER_BUSY;
      assert.equal(m.header('Retry-After'), retry ? '30' : undefined, `cause ${cause}: Retry-After`);
    }
    assert.equal(router.calls.filter((c) => c.call.to.startsWith('reject-') && c.leg).length, 0, 'no refused call was answered');
  });

  test('RFC 3261 §9.2: the caller cancels while it rings → onCancel, no leg', async () => {
    const { eut, router } = ctx();
    router.route('ring', { ringOnly: true });
    const r = await runSipp({ scenario: 'uac-cancel.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'ring', calls: 1, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary);
    const [c] = router.to('ring');
    await waitUntil(() => c?.cancelled === true, 3000, 'onCancel');
    assert.equal(c!.leg, undefined);
  });

  test('RFC 3264 §8.4: a re-INVITE puts the leg on hold (recvonly answered) and takes it off → hold events [true, false]', async () => {
    const { eut, router } = ctx();
    const holds: boolean[] = [];
    router.route('hold', { answer: async (leg) => { leg.on('hold', (h) => holds.push(h)); } });
    const r = await runSipp({ scenario: 'uac-hold.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'hold', calls: 1, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary); // the scenario checks a=recvonly, then a=sendrecv, then PCMA
    const [c] = router.to('hold');
    await waitUntil(() => c?.hangup !== undefined, 3000, 'the leg to end');
    assert.deepEqual(holds, [true, false]);
    assert.equal(c!.leg!.codec, 'PCMA', 'the codec of the last offer');
  });

  test('misuse gets a clear error and loses nothing: bad keys to sendDtmf(); after the end, play/record/sendDtmf/join reject (InvalidStateError), collect() gives "", hangup() again is a no-op', async () => {
    const { eut, router } = ctx();
    const conference = eut.engine.createConference('misuse');
    router.route('misuse', {
      answer: async (leg) => {
        const badKeys = await leg.sendDtmf('1x').then(() => 'sent', (err: unknown) => err);
        await leg.hangup(Q850.NORMAL_CLEARING);
        await leg.hangup(Q850.NORMAL_CLEARING);
        const settle = (p: Promise<unknown>) => p.then(() => 'resolved', (err: unknown) => err);
        return {
          badKeys, ended: leg.ended,
          play: await settle(leg.play({ silenceMs: 100 })),
          record: await settle(leg.record({ path: join(work, 'never.wav'), maxMs: 100 })),
          send: await settle(leg.sendDtmf('1')),
          join: await settle(conference.join(leg)),
          collect: await leg.collect({ max: 1, firstTimeoutMs: 2000, interTimeoutMs: 100 }),
        };
      },
    });
    const r = await runSipp({ scenario: join(PORT_SCENARIOS, 'port-uac-expect-bye.xml'), remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'misuse', calls: 1, timeoutS: 20 });
    assert.equal(r.code, 0, r.summary); // one BYE, answered
    const c = await router.finished('misuse');
    assert.equal(c.error, undefined, String(c.error));
    const res = c.result as Record<string, unknown>;
    assert.ok(res.badKeys instanceof Error && res.badKeys.message.includes('1x'), `sendDtmf('1x'): ${String(res.badKeys)}`);
    assert.equal(res.ended, true);
    for (const op of ['play', 'record', 'send', 'join']) assert.ok(res[op] instanceof InvalidStateError, `${op} after the end: ${String(res[op])}`);
    assert.equal(res.collect, '');
    await conference.close();
  });

  test('readiness(): every part ready on a started engine', async () => {
    const { eut } = ctx();
    const parts = await eut.engine.readiness();
    assert.ok(Object.keys(parts).length > 0, 'at least one part');
    for (const [part, state] of Object.entries(parts)) assert.equal(state, true, `${part}: ${String(state)}`);
  });

  // Last: draining cannot be undone.
  test('refuseNewCalls(): draining; a new INVITE gets 503 with Retry-After (RFC 3261 §21.5.4), originate() fails with 41 / 503, no call reaches the application', async () => {
    const { eut, router } = ctx();
    router.route('drain', { answer: async () => undefined });
    assert.equal(eut.engine.draining, false);
    eut.engine.refuseNewCalls({ retryAfterS: 7 });
    assert.equal(eut.engine.draining, true);
    const dir = mkdtempSync(join(work, 'drain-'));
    const r = await runSipp({ scenario: 'uac-expect-503.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'drain', calls: 1, timeoutS: 20, dir, extraArgs: ['-trace_msg'] });
    assert.equal(r.code, 0, r.summary);
    const refusal = receivedMessages(dir).find((m) => m.status === 503);
    assert.equal(refusal?.header('Retry-After'), '7');
    assert.equal(router.to('drain').length, 0);
    await assert.rejects(eut.engine.originate({ uri: `sip:x@127.0.0.1:${sippPort()}` }, { from: { user: 'bridge' } }),
      (err: unknown) => err instanceof CallFailedError && err.q850 === Q850.TEMPORARY_FAILURE && err.sipStatus === 503);
  });
}, [SIPP_PORTS, MEDIA_PORTS]);
