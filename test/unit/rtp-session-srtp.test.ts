// RtpSession with SDES keys: SRTP and SRTCP on the wire both ways, plain or
// tampered packets dropped and counted, the sending state carried by a move.
// Ports: RTP 39100–39119 on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { RtpSession } from '../../bridge/rtp/session.ts';
import { PortAllocator } from '../../bridge/rtp/port-allocator.ts';
import { parseRtp, serializeRtp } from '../../bridge/rtp/rtp-packet.ts';
import { parseRtcp } from '../../bridge/rtp/rtcp.ts';
import { SrtpContext, SRTP_MAX_OVERHEAD } from '../../bridge/rtp/srtp.ts';

const HOST = '127.0.0.1';
const SUITE = 'AES_CM_128_HMAC_SHA1_80';

async function udp(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, HOST);
  await once(s, 'listening');
  return s;
}
async function next(s: dgram.Socket): Promise<Buffer> {
  const [msg] = (await once(s, 'message', { signal: AbortSignal.timeout(2000) })) as [Buffer];
  return msg;
}
function send(s: dgram.Socket, buf: Uint8Array, port: number): Promise<void> {
  return new Promise((res, rej) => s.send(buf, port, HOST, (e) => (e ? rej(e) : res())));
}
function rtp(seq: number, payload: Uint8Array): Buffer {
  const p = serializeRtp({ marker: false, payloadType: 0, seq, timestamp: seq * 160, ssrc: 0xbeef, csrc: [], payload, paddingLength: 0 });
  return Buffer.concat([p, Buffer.alloc(SRTP_MAX_OVERHEAD)]);
}

test('RtpSession + SRTP: what it sends is SRTP the peer can read; what it takes must be SRTP', async () => {
  const allocator = new PortAllocator({ min: 39100, max: 39109, host: HOST });
  const peer = await udp();
  const peerRtcp = await udp();
  const localKey = randomBytes(30).toString('base64');
  const remoteKey = randomBytes(30).toString('base64');
  const session = await RtpSession.open({ allocator, payloadType: 0, rtcpIntervalMs: 60_000, remote: { address: HOST, port: peer.address().port }, remoteRtcpPort: peerRtcp.address().port });
  try {
    session.setSrtp({ suite: SUITE, localKey, remoteKey });
    const peerIn = new SrtpContext(SUITE, Buffer.from(localKey, 'base64'));
    const peerOut = new SrtpContext(SUITE, Buffer.from(remoteKey, 'base64'));

    // Out: SRTP, 10 bytes longer, the payload not in clear.
    const frame = new Uint8Array(160).fill(0x55);
    session.sendFrame(frame);
    const wire = await next(peer);
    assert.equal(wire.length, 12 + 160 + 10);
    assert.notDeepEqual(wire.subarray(12, 172), Buffer.from(frame));
    const n = peerIn.unprotectRtp(wire, wire.length);
    assert.equal(n, 172);
    assert.deepEqual(Uint8Array.from(parseRtp(wire.subarray(0, n)).payload), frame);

    // In: SRTP is taken and decrypted; plain RTP and a tampered packet are dropped and counted.
    const heard: Uint8Array[] = [];
    session.on('audio', (a) => heard.push(Uint8Array.from(a.payload)));
    const plain = rtp(1, new Uint8Array(160).fill(0x11));
    await send(peer, plain.subarray(0, 172), session.localPort);
    const tampered = rtp(2, new Uint8Array(160).fill(0x22));
    const tl = peerOut.protectRtp(tampered, 172);
    tampered[40]! ^= 1;
    await send(peer, tampered.subarray(0, tl), session.localPort);
    const good = rtp(3, new Uint8Array(160).fill(0x33));
    await send(peer, good.subarray(0, peerOut.protectRtp(good, 172)), session.localPort);
    const deadline = Date.now() + 2000;
    while (heard.length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10)); // polling a counter, bounded
    assert.equal(heard.length, 1);
    assert.deepEqual(heard[0], new Uint8Array(160).fill(0x33));
    assert.equal(session.srtpCounters?.authFailures, 2);
    assert.equal(session.srtpCounters?.unprotected, 1);
    assert.equal(session.stats.packetsReceived, 1);

    // RTCP goes out as SRTCP.
    void session.sendRtcpReport();
    const rtcpWire = await next(peerRtcp);
    const m = peerIn.unprotectRtcp(rtcpWire, rtcpWire.length);
    assert.ok(m > 0, 'SRTCP the peer can authenticate');
    assert.ok(parseRtcp(rtcpWire.subarray(0, m)).length >= 2);

    // A move carries our SRTP sending state (the SRTCP index goes on, not back to 0).
    const state = session.snapshot();
    assert.equal(state.srtp?.srtcpIndex, 1);
    assert.equal(state.srtp?.lastSeq, parseRtp(wire.subarray(0, 172)).seq);

    // Back to plain RTP (re-INVITE to RTP/AVP).
    session.setSrtp(undefined);
    session.sendFrame(frame);
    const clear = await next(peer);
    assert.equal(clear.length, 172);
    assert.equal(session.srtpCounters, undefined);
  } finally {
    await session.close();
    peer.close();
    peerRtcp.close();
  }
});

test('RtpSession: keys of an unknown suite are refused, not used in clear', async () => {
  const allocator = new PortAllocator({ min: 39110, max: 39119, host: HOST });
  const session = await RtpSession.open({ allocator, payloadType: 0, rtcpIntervalMs: 60_000 });
  try {
    const key = randomBytes(30).toString('base64');
    assert.throws(() => session.setSrtp({ suite: 'AES_256_CM_HMAC_SHA1_80', localKey: key, remoteKey: key }), RangeError);
    assert.throws(() => session.setSrtp({ suite: SUITE, localKey: 'c2hvcnQ=', remoteKey: key }), RangeError);
  } finally {
    await session.close();
  }
});
