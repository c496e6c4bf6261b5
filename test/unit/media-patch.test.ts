// Two legs of one media host bridged packet for packet (leg.patch, what a
// relay to another node's room uses, ivr/flows/relay.ts) over real sockets
// on 127.0.0.1 (legs 42780/42782, their far ends 42784/42786, a PCMA leg
// 42788): each payload arrives at the other side byte for byte, with that
// leg's own SSRC and sequence; the bridged legs send nothing of their own; a
// codec mismatch is refused and changes nothing; parked (a direct bridge)
// they pass nothing and send nothing; unpatching, or one leg closing, gives
// the other its own silence again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { MediaHost } from '../../bridge/embedded/media/worker/media-host.ts';
import { parseRtp, serializeRtp, type RtpPacket } from '../../bridge/rtp/rtp-packet.ts';
import { createUdpIo } from '../../bridge/rtp/udp-io.ts';

const A = 42780, B = 42782, FAR_A = 42784, FAR_B = 42786, C = 42788;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function far(port: number): Promise<{ sock: dgram.Socket; got: RtpPacket[] }> {
  const sock = dgram.createSocket('udp4');
  const got: RtpPacket[] = [];
  sock.on('message', (m) => { try { got.push(parseRtp(new Uint8Array(m))); } catch { /* not RTP (RTCP goes to +1) */ } });
  await new Promise<void>((r) => sock.bind(port, '127.0.0.1', () => r()));
  return { sock, got };
}

const audio = (codec: 'PCMU' | 'PCMA', remotePort: number) => ({ codec, payloadType: codec === 'PCMU' ? 0 : 8, remoteAddress: '127.0.0.1', remotePort, remotePtime: 20, direction: 'sendrecv' as const });

test('leg.patch: payloads cross byte for byte both ways, the legs send nothing of their own; mismatch refused; unpatch and close restore silence', { timeout: 30_000 }, async () => {
  const host = new MediaHost(() => undefined, { io: createUdpIo('dgram') });
  const fa = await far(FAR_A);
  const fb = await far(FAR_B);
  const send = (from: dgram.Socket, to: number, seq: number, fill: number) => new Promise<void>((r) => from.send(serializeRtp({
    marker: seq === 1, payloadType: 0, seq, timestamp: seq * 160, ssrc: 0xabc0 + to, csrc: [], payload: new Uint8Array(160).map((_, i) => (fill + i) & 0xff), paddingLength: 0,
  }), to, '127.0.0.1', () => r()));
  try {
    await host.handle({ op: 'leg.create', legId: 'a', rtpPort: A, host: '127.0.0.1' });
    await host.handle({ op: 'leg.create', legId: 'b', rtpPort: B, host: '127.0.0.1' });
    await host.handle({ op: 'leg.create', legId: 'c', rtpPort: C, host: '127.0.0.1' });
    await host.handle({ op: 'leg.configure', legId: 'a', audio: audio('PCMU', FAR_A) });
    await host.handle({ op: 'leg.configure', legId: 'b', audio: audio('PCMU', FAR_B) });
    await host.handle({ op: 'leg.configure', legId: 'c', audio: audio('PCMA', FAR_B) });

    await assert.rejects(host.handle({ op: 'leg.patch', legId: 'a', peerId: 'c' }), (e: Error & { code?: string }) => e.code === 'ECODEC');
    await assert.rejects(host.handle({ op: 'leg.patch', legId: 'a', peerId: 'a' }), (e: Error & { code?: string }) => e.code === 'EINVAL');
    await host.handle({ op: 'leg.close', legId: 'c' });
    await sleep(100);
    assert.ok(fa.got.length > 0 && fb.got.length > 0, 'unbridged, each leg sends its own silence');

    await host.handle({ op: 'leg.patch', legId: 'a', peerId: 'b' });
    await sleep(60); // frames of the last tick before the patch
    fa.got.length = 0;
    fb.got.length = 0;
    await sleep(200);
    assert.equal(fa.got.length + fb.got.length, 0, 'bridged legs with nothing to pass on send nothing');

    // From A's far end: 1–20 but 10 (lost on the way); from B's: 1–20.
    const fromA = Array.from({ length: 20 }, (_, i) => i + 1).filter((q) => q !== 10);
    for (let seq = 1; seq <= 20; seq++) {
      if (seq !== 10) await send(fa.sock, A, seq, seq);
      await send(fb.sock, B, seq, 100 + seq);
      await sleep(20);
    }
    await sleep(100);
    for (const [got, sent, fill, ssrcOf] of [[fb.got, fromA, 0, 'b'], [fa.got, fromA.concat(10).sort((x, y) => x - y), 100, 'a']] as const) {
      assert.equal(got.length, sent.length, `leg ${ssrcOf} passed on each of the ${sent.length} packets`);
      got.forEach((p, i) => {
        assert.equal(p.payloadType, 0);
        assert.deepEqual([...p.payload], [...new Uint8Array(160).map((_, j) => (fill + sent[i]! + j) & 0xff)], `packet ${i} byte for byte`);
        if (i > 0) assert.equal(p.seq, (got[i - 1]!.seq + 1) & 0xffff, 'its own consecutive sequence');
        // The source's timing kept: the lost packet's 20 ms stays a gap in the timestamps.
        assert.equal((p.timestamp - got[0]!.timestamp) >>> 0, (sent[i]! - sent[0]!) * 160, `packet ${i}'s timestamp`);
      });
      assert.equal(got[0]!.marker, true, 'the relayed stream starts with a marker');
      assert.equal(new Set(got.map((p) => p.ssrc)).size, 1, 'one SSRC: the sending leg\'s own');
      assert.notEqual(got[0]!.ssrc, 0xabc0 + A);
      assert.notEqual(got[0]!.ssrc, 0xabc0 + B);
    }

    // Unpatched: both legs tick again.
    await host.handle({ op: 'leg.patch', legId: 'a', peerId: null });
    fa.got.length = 0;
    fb.got.length = 0;
    await sleep(200);
    assert.ok(fa.got.length >= 5 && fb.got.length >= 5, `both send their own frames again (${fa.got.length}, ${fb.got.length})`);

    // Parked (a direct bridge: the far ends send to each other, not here): nothing passes on and nothing is sent.
    await host.handle({ op: 'leg.patch', legId: 'a', peerId: 'b', park: true });
    await sleep(60);
    fa.got.length = 0;
    fb.got.length = 0;
    for (let seq = 30; seq < 40; seq++) {
      await send(fa.sock, A, seq, seq);
      await send(fb.sock, B, seq, seq);
      await sleep(20);
    }
    await sleep(100);
    assert.equal(fa.got.length + fb.got.length, 0, `parked legs pass nothing on and send nothing (${fa.got.length}, ${fb.got.length})`);
    await host.handle({ op: 'leg.patch', legId: 'a', peerId: null });
    fa.got.length = 0;
    fb.got.length = 0;
    await sleep(200);
    assert.ok(fa.got.length >= 5 && fb.got.length >= 5, `unparked, both send their own frames again (${fa.got.length}, ${fb.got.length})`);

    // Patched again, then one side closes: the other is unbridged with it.
    await host.handle({ op: 'leg.patch', legId: 'b', peerId: 'a' });
    await host.handle({ op: 'leg.close', legId: 'a' });
    fb.got.length = 0;
    await sleep(200);
    assert.ok(fb.got.length >= 5, `b sends its own silence once a is gone (${fb.got.length})`);
  } finally {
    fa.sock.close();
    fb.sock.close();
    await host.closeAll();
  }
});
