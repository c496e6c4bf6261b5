// Wire-level DTMF into the embedded engine from sipp as the real caller:
// RFC 4733 telephone-events (PCMU and PCMA calls), SIP INFO (dtmf-relay and
// dtmf bodies), and in-band dual tones inside G.711 audio, with and without
// telephone-event negotiated. collect() must return exactly the digits sent,
// each reported with its source. Ports: engine SIP 15601, RTP 40200–40399;
// sipp SIP 15640–15699, sipp media 15700–15749.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallLeg, CollectOptions } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { TestEngine } from '../support/media-engine.ts';
import { runSipp } from '../support/sipp.ts';

const SIP_PORT = 15601;
const REMOTE = `127.0.0.1:${SIP_PORT}`;
let nextSippPort = 15640;
const sippPort = () => (nextSippPort += 2);
let nextMediaPort = 15700;
const mediaPort = () => (nextMediaPort += 4);

const engine = new TestEngine({ sipPort: SIP_PORT, rtpMin: 40200, rtpMax: 40399 });
const work = mkdtempSync(join(tmpdir(), 'media-dtmf-'));

const COLLECT: CollectOptions = { max: 10, terminator: '#', firstTimeoutMs: 5000, interTimeoutMs: 3000 };

/** Handler: collect digits, then hang up (the sipp caller waits for our BYE). */
async function collectThenHangUp(leg: CallLeg): Promise<{ digits: string; codec: string }> {
  const digits = await leg.collect(COLLECT);
  const codec = leg.codec;
  await leg.hangup(Q850.NORMAL_CLEARING);
  return { digits, codec };
}

before(async () => { await engine.start(); });
after(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

describe('DTMF from sipp', () => {
  test('RFC 4733 telephone-events (PT 101, PCMU): collect() returns exactly "1234"', async () => {
    const pcap = join(work, 'rfc4733.pcap');
    makePcap(pcap, ['silence:1', 'dtmf:1234#:100:100', 'silence:1']);
    engine.handle('rfc4733', collectThenHangUp);
    const r = await runSipp({ scenario: 'uac-pcap-expect-bye.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'rfc4733', calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 10_000 });
    assert.equal(r.code, 0, r.summary);
    const h = await engine.finished('rfc4733');
    assert.equal(h.error, undefined, String(h.error));
    assert.deepEqual(h.result, { digits: '1234', codec: 'PCMU' });
    assert.equal(h.dtmf.map((e) => e.digit).join(''), '1234#');
    assert.deepEqual(new Set(h.dtmf.map((e) => e.source)), new Set(['rfc4733']));
    for (const e of h.dtmf) assert.ok(e.durationMs !== undefined && Math.abs(e.durationMs - 100) <= 20, `digit ${e.digit}: ${e.durationMs} ms`);
    assert.equal(h.hangup?.by, 'local');
  });

  test('RFC 4733 on a PCMA call (offer PCMA + telephone-event only): "1234"', async () => {
    const pcap = join(work, 'rfc4733-pcma.pcap');
    makePcap(pcap, ['silence:1', 'dtmf:1234#:100:100', 'silence:1'], { codec: 'pcma' });
    engine.handle('pcma', collectThenHangUp);
    const r = await runSipp({ scenario: 'uac-pcap-pcma-expect-bye.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'pcma', calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 10_000 });
    assert.equal(r.code, 0, r.summary);
    const h = await engine.finished('pcma');
    assert.equal(h.error, undefined, String(h.error));
    assert.deepEqual(h.result, { digits: '1234', codec: 'PCMA' });
    assert.equal(h.dtmf.map((e) => e.digit).join(''), '1234#');
    assert.deepEqual(new Set(h.dtmf.map((e) => e.source)), new Set(['rfc4733']));
  });

  test('SIP INFO (application/dtmf-relay and application/dtmf): each INFO gets 200, collect() returns "5*73"', async () => {
    engine.handle('info', collectThenHangUp);
    const r = await runSipp({ scenario: 'uac-info-dtmf.xml', remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: 'info', calls: 1, timeoutS: 30, recvTimeoutMs: 10_000 });
    assert.equal(r.code, 0, r.summary);
    const h = await engine.finished('info');
    assert.equal(h.error, undefined, String(h.error));
    assert.deepEqual(h.result, { digits: '5*73', codec: 'PCMU' });
    assert.deepEqual(h.dtmf.map((e) => [e.digit, e.source]), [['5', 'info'], ['*', 'info'], ['7', 'info'], ['3', 'info'], ['#', 'info']]);
    assert.equal(h.dtmf[0]!.durationMs, 160);
  });

  for (const variant of [
    { name: 'telephone-event offered', scenario: 'uac-pcap-expect-bye.xml', number: 'inband-te' },
    { name: 'no telephone-event', scenario: 'uac-pcap-no-te-expect-bye.xml', number: 'inband' },
  ]) {
    test(`in-band DTMF in PCMU audio (${variant.name}): collect() returns "2580", source 'inband'`, async () => {
      const pcap = join(work, `${variant.number}.pcap`);
      makePcap(pcap, ['silence:1', 'inband:2580#:100:100', 'silence:1']);
      engine.handle(variant.number, collectThenHangUp);
      const r = await runSipp({ scenario: variant.scenario, remote: REMOTE, localPort: sippPort(), mediaPort: mediaPort(), service: variant.number, calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 10_000 });
      assert.equal(r.code, 0, r.summary);
      const h = await engine.finished(variant.number);
      assert.equal(h.error, undefined, String(h.error));
      assert.deepEqual(h.result, { digits: '2580', codec: 'PCMU' });
      assert.deepEqual(h.dtmf.map((e) => [e.digit, e.source]), [['2', 'inband'], ['5', 'inband'], ['8', 'inband'], ['0', 'inband'], ['#', 'inband']]);
    });
  }
});
