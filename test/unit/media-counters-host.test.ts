// A media host's `counters` over a real leg on 127.0.0.1 (ports 42740–42743):
// RTP packets in and out, the jitter buffer's lost frames (a gap of five
// sequence numbers) and late ones (a packet sent after its time was played),
// the tick histogram filling, and the totals kept when the leg closes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { MediaHost } from '../../bridge/embedded/media/worker/media-host.ts';
import { serializeRtp } from '../../bridge/rtp/rtp-packet.ts';
import { createUdpIo } from '../../bridge/rtp/udp-io.ts';

const LEG_PORT = 42740;
const PEER_PORT = 42742;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('counters: packets in and out, 5 frames lost, 1 late, ticks timed; kept after the leg closes', { timeout: 30_000 }, async () => {
  const host = new MediaHost(() => undefined, { io: createUdpIo('dgram') });
  const peer = dgram.createSocket('udp4');
  await new Promise<void>((r) => peer.bind(PEER_PORT, '127.0.0.1', () => r()));
  let received = 0;
  peer.on('message', () => { received++; });
  try {
    await host.handle({ op: 'leg.create', legId: 'leg-1', rtpPort: LEG_PORT, host: '127.0.0.1' });
    await host.handle({ op: 'leg.configure', legId: 'leg-1', audio: { codec: 'PCMU', payloadType: 0, remoteAddress: '127.0.0.1', remotePort: PEER_PORT, remotePtime: 20, direction: 'sendrecv' } });
    const send = (seq: number) => new Promise<void>((r) => peer.send(serializeRtp({
      marker: seq === 1, payloadType: 0, seq, timestamp: seq * 160, ssrc: 0x1234, csrc: [], payload: new Uint8Array(160).fill(0xff), paddingLength: 0,
    }), LEG_PORT, '127.0.0.1', () => r()));
    // Sequence numbers 1–60 at 20 ms, 20–24 never sent (lost), 40 held back.
    let sent = 0;
    for (let seq = 1; seq <= 60; seq++) {
      if ((seq >= 20 && seq <= 24) || seq === 40) { await sleep(20); continue; }
      await send(seq);
      sent++;
      await sleep(20);
    }
    await sleep(400); // 40's time has long been played
    await send(40);
    sent++;
    await sleep(200);
    const c = await host.handle({ op: 'counters' });
    assert.equal(c.packetsIn, sent, 'every packet sent was counted in');
    assert.equal(c.framesLost, 5, 'the gap of five');
    assert.equal(c.framesLate, 1, 'the one held back');
    assert.ok(c.packetsOut > 30, `the leg sent its frames (${c.packetsOut}; the peer got ${received})`);
    assert.ok(c.tickCount > 30, 'ticks timed');
    assert.equal(c.tickBuckets.reduce((a, b) => a + b, 0), c.tickCount);

    // The leg closes: its totals stay; nothing more is added.
    await host.handle({ op: 'leg.close', legId: 'leg-1' });
    const after = await host.handle({ op: 'counters' });
    assert.equal(after.packetsIn, sent);
    assert.equal(after.framesLost, 5);
    assert.ok(after.packetsOut >= c.packetsOut);
    assert.equal(after.jitterDepthMaxMs, 0, 'no leg, no depth');
  } finally {
    peer.close();
    await host.closeAll();
  }
});
