// Keys before the ACK (issue 20): a caller may send RTP, keys included, as
// soon as it has the bridge's 200 OK (RFC 3264 §6), and at the top of the
// hour the bridge reads the ACK late. Until the media was configured at the
// answer, telephone-events that came before the ACK were dropped (their
// payload type not yet known) and the caller's first keys with them: a
// thousand callers at 100/s lost the first 8 of 888888 one time in ten.
// Here sipp starts its keys (RFC 4733) the moment the 200 arrives and sends
// the ACK 400 ms later; every key must count. Ports: engine SIP 17500, RTP
// 37500–37999; sipp 17510 (media 17520).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { waitUntil } from '../support/ports.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { startSipp } from '../support/sipp.ts';

const SIP_PORT = 17500;
const work = mkdtempSync(join(tmpdir(), 'early-keys-'));
let bridge: IvrBridge;

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 37500, rtpMax: 37999, workers: 2 });
});
after(async () => {
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

test('keys sent before the ACK all count: the caller gets into the room on its first try', { timeout: 60_000 }, async () => {
  const number = '7015001';
  await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'early keys', number, chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  // 7 0 1 5 0 0 1 # from the first packet on: the ACK leaves while the third key is on the wire.
  const pcap = join(work, 'keys.pcap');
  makePcap(pcap, [`dtmf:${number}#:100:100`, 'silence:1', 'dtmf:4321#:100:100', 'silence:20']);
  const sipp = startSipp({
    scenario: 'ivr-uac-keys-before-ack.xml', remote: bridge.engine.sipAddress, localPort: 17510, mediaPort: 17520,
    service: '4008001000', calls: 1, keys: { pcap, caller: '13900139501' }, timeoutS: 50, recvTimeoutMs: 40_000,
  });
  try {
    await waitUntil(() => bridge.ivr.rooms.byNumber(number)?.list().some((p) => p.from === '13900139501') ?? false, 20_000, 'the caller in the room');
    const room = bridge.ivr.rooms.byNumber(number)!;
    const caller = room.list().find((p) => p.from === '13900139501')!;
    assert.equal(caller.role, 'chair');
    await bridge.ivr.live.execute(bridge.seed.accountId, room.conferenceId, { type: 'remove', participantId: caller.id }, { kind: 'web', userId: 'test', name: 'test' });
    const r = await sipp.done;
    assert.equal(r.code, 0, r.summary);
    const summary = await bridge.call((c) => c.from === '13900139501', 10_000);
    assert.deepEqual(summary.entryErrors, { roomNotFound: 0, noRoom: 0, wrongPin: 0, noPin: 0 }, 'no key lost: room and PIN right the first time');
  } finally {
    await sipp.stop(500).catch(() => undefined);
  }
});
