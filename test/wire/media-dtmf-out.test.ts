// DTMF out (RFC 4733): the bridge calls baresip (originate), sends digits
// after the answer (as for an extension or a video meeting's ID), and baresip
// reports each digit once, in order.
// Ports: engine SIP 15700, RTP 40800–40999; baresip SIP 15710 (TLS 15711), ctrl 15712, RTP 15720–15729.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Q850 } from '../../bridge/q850.ts';
import { Baresip } from '../support/baresip.ts';
import { waitUntil } from '../support/ports.ts';
import { TestEngine } from '../support/media-engine.ts';

// workers: 0, io: 'dgram' — this test also covers media on the main thread (the in-process
// channel) with node:dgram sockets (the fallback when the batched UDP addon is not built).
const engine = new TestEngine({ sipPort: 15700, rtpMin: 40800, rtpMax: 40999, workers: 0, io: 'dgram' });
const work = mkdtempSync(join(tmpdir(), 'dtmf-out-'));

before(async () => { await engine.start(); });
after(async () => {
  await engine.close();
  rmSync(work, { recursive: true, force: true });
});

test('sendDtmf after answer: baresip receives 1 9 # 0 * as RFC 4733 events, each once, in order', { timeout: 60_000 }, async () => {
  const silence = join(work, 'silence.wav');
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', silence, 'trim', '0', '30'], { timeout: 10_000 });
  const phone = await Baresip.start({ dir: join(work, 'bob'), user: 'bob', sipPort: 15710, ctrlPort: 15712, rtpPorts: '15720-15729', source: silence, lifetimeS: 50 });
  const digits = () => phone.ctrl.events.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param);
  try {
    const leg = await engine.engine.originate({ uri: 'sip:bob@127.0.0.1:15710' }, { from: { user: '4008001000' } });
    assert.equal(leg.direction, 'out');
    await leg.sendDtmf('19#0*');
    await waitUntil(() => digits().length >= 5, 5000, 'five digits at baresip');
    assert.deepEqual(digits(), ['1', '9', '#', '0', '*']);
    await leg.hangup(Q850.NORMAL_CLEARING);
    await phone.ctrl.waitEvent('CALL_CLOSED', 10_000);
  } finally {
    await phone.quit();
  }
});
