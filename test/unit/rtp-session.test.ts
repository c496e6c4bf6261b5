import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import { InvalidStateError } from '../../common/errors.ts';
import { RETIRED_SOURCE_MS } from '../../bridge/rtp/rtp-latch.ts';
import { RtpSession, type RtpSessionOptions } from '../../bridge/rtp/session.ts';
import { PortAllocator, PortExhaustedError } from '../../bridge/rtp/port-allocator.ts';
import { parseRtp, serializeRtp, type RtpPacket } from '../../bridge/rtp/rtp-packet.ts';
import { parseRtcp, serializeRtcp, ntpMiddle32, msToShortNtp } from '../../bridge/rtp/rtcp.ts';
import { parseTelephoneEvent, telephoneEventPackets } from '../../bridge/rtp/telephone-event.ts';

const HOST = '127.0.0.1';
const TIMEOUT = 2000;
// A port range per test process, away from the usual RTP ranges of the engine tests.
let nextBase = 42000 + (process.pid % 400) * 40;
function range(pairs: number): { min: number; max: number } {
  const min = nextBase;
  nextBase += pairs * 2 + 2;
  return { min, max: min + pairs * 2 - 1 };
}

async function udp(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  s.bind(0, HOST);
  await once(s, 'listening');
  return s;
}
async function nextMessage(s: dgram.Socket): Promise<[Buffer, dgram.RemoteInfo]> {
  const [msg, rinfo] = (await once(s, 'message', { signal: AbortSignal.timeout(TIMEOUT) })) as [Buffer, dgram.RemoteInfo];
  return [msg, rinfo];
}
function within<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('timed out')), TIMEOUT); });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
function sendTo(s: dgram.Socket, buf: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) => s.send(buf, port, HOST, (err) => (err ? reject(err) : resolve())));
}
function rtp(seq: number, payload: Uint8Array, opts: { pt?: number; ssrc?: number; ts?: number; marker?: boolean } = {}): Buffer {
  return serializeRtp({ marker: opts.marker ?? false, payloadType: opts.pt ?? 0, seq, timestamp: opts.ts ?? seq * 160, ssrc: opts.ssrc ?? 0xcafe, csrc: [], payload, paddingLength: 0 });
}
const port = (s: dgram.Socket): number => s.address().port;

async function withSession(opts: Partial<RtpSessionOptions>, body: (s: RtpSession) => Promise<void>): Promise<void> {
  const allocator = opts.allocator ?? new PortAllocator({ ...range(2), host: HOST });
  const session = await RtpSession.open({ payloadType: 0, telephoneEventPayloadType: 101, rtcpIntervalMs: 60_000, ...opts, allocator });
  try { await body(session); } finally { await session.close(); }
}

test('RtpSession: sends 20 ms G.711 frames with its SSRC, sequence and timestamp, marker on the first', async () => {
  const peer = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(peer) } }, async (s) => {
      assert.equal(s.localPort % 2, 0, 'RTP on an even port');
      assert.equal(s.localRtcpPort, s.localPort + 1);
      const got = [];
      for (let i = 0; i < 3; i++) {
        s.sendFrame(new Uint8Array(160).fill(i));
        const [msg, rinfo] = await nextMessage(peer);
        assert.equal(rinfo.port, s.localPort, 'sent from the RTP port (symmetric)');
        got.push(parseRtp(msg));
      }
      assert.deepEqual(got.map((p) => p.marker), [true, false, false]);
      assert.ok(got.every((p) => p.ssrc === s.ssrc && p.payloadType === 0 && p.payload.length === 160));
      assert.equal((got[1]!.seq - got[0]!.seq) & 0xffff, 1);
      assert.equal((got[2]!.timestamp - got[0]!.timestamp) >>> 0, 320);
      assert.equal(got[2]!.payload[0], 2);
      assert.equal(s.stats.packetsSent, 3);
    });
  } finally { peer.close(); }
});

test('RtpSession: after a pause the next frame has the marker bit and a timestamp covering the pause (RFC 3551 §4.1)', async () => {
  const peer = await udp();
  let clock = 1000;
  try {
    await withSession({ remote: { address: HOST, port: port(peer) }, now: () => clock }, async (s) => {
      const times = [0, 20, 200];
      const got = [];
      for (const t of times) {
        clock = 1000 + t;
        s.sendFrame(new Uint8Array(160));
        got.push(parseRtp((await nextMessage(peer))[0]));
      }
      assert.deepEqual(got.map((p) => p.marker), [true, false, true]);
      assert.equal((got[2]!.timestamp - got[0]!.timestamp) >>> 0, 200 * 8);
    });
  } finally { peer.close(); }
});

test('RtpSession: receives RTP and emits audio with payload and header', async () => {
  const peer = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(peer) } }, async (s) => {
      const audio = s.waitFor('audio', TIMEOUT);
      await sendTo(peer, rtp(7, Uint8Array.of(1, 2, 3)), s.localPort);
      const [{ payload, packet }] = await audio;
      assert.deepEqual([...payload], [1, 2, 3]);
      assert.equal(packet.seq, 7);
      assert.equal(s.stats.packetsReceived, 1);
    });
  } finally { peer.close(); }
});

test('RtpSession: latches to the source of the first valid packet (not the SDP port) and ignores strangers', async () => {
  const announced = await udp(), actual = await udp(), stranger = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(announced) } }, async (s) => {
      s.sendFrame(new Uint8Array(160));
      await nextMessage(announced); // before latching: to the SDP address
      // A packet with a payload type we did not negotiate does not latch.
      await sendTo(stranger, rtp(1, Uint8Array.of(9), { pt: 18 }), s.localPort);
      const latched = s.waitFor('latched', TIMEOUT);
      const audio = s.waitFor('audio', TIMEOUT);
      await sendTo(actual, rtp(2, Uint8Array.of(0xbb)), s.localPort);
      assert.deepEqual((await latched)[0], { address: HOST, port: port(actual) });
      assert.equal((await audio)[0].payload[0], 0xbb);
      // From now on: the stranger is ignored, and we send to the latched source.
      const next = s.waitFor('audio', TIMEOUT);
      await sendTo(stranger, rtp(3, Uint8Array.of(0xaa)), s.localPort);
      await sendTo(actual, rtp(4, Uint8Array.of(0xbc)), s.localPort);
      assert.equal((await next)[0].payload[0], 0xbc, 'the stranger packet was not delivered');
      // The one before latching is counted here; after it the socket is connected to the
      // latched source and the kernel drops strangers before they reach us.
      assert.ok(s.stats.strangerPackets >= 1);
      s.sendFrame(new Uint8Array(160).fill(0x55));
      const [msg, rinfo] = await nextMessage(actual);
      assert.equal(rinfo.port, s.localPort);
      assert.equal(parseRtp(msg).payload[0], 0x55);
      assert.deepEqual(s.destination, { address: HOST, port: port(actual) });
    });
  } finally { announced.close(); actual.close(); stranger.close(); }
});

test('RtpSession: after a re-INVITE moves the far end, a late packet from the old source does not latch us back (for RETIRED_SOURCE_MS)', async () => {
  const old = await udp(), moved = await udp();
  let clock = 1000;
  try {
    await withSession({ remote: { address: HOST, port: port(old) }, now: () => clock }, async (s) => {
      const first = s.waitFor('latched', TIMEOUT);
      await sendTo(old, rtp(1, Uint8Array.of(1)), s.localPort);
      await first;
      // The SDP now says the far end is elsewhere (a relay pointed the media at another node).
      s.setRemote({ address: HOST, port: port(moved) });
      const strangers = s.stats.strangerPackets;
      await sendTo(old, rtp(2, Uint8Array.of(2)), s.localPort); // the old source's last packet, late
      const latched = s.waitFor('latched', TIMEOUT);
      const audio = s.waitFor('audio', TIMEOUT);
      await sendTo(moved, rtp(3, Uint8Array.of(3)), s.localPort);
      assert.deepEqual((await latched)[0], { address: HOST, port: port(moved) }, 'latched to the new far end');
      assert.equal((await audio)[0].payload[0], 3, 'the old source\'s late packet was not delivered');
      assert.equal(s.stats.strangerPackets, strangers + 1);
      s.sendFrame(new Uint8Array(160).fill(7));
      assert.equal(parseRtp((await nextMessage(moved))[0]).payload[0], 7, 'we send to the new far end');
      // Past the window the old source may latch again (a NATed phone whose SDP address is not its source).
      s.setRemote({ address: HOST, port: 9 });
      clock += RETIRED_SOURCE_MS;
      const back = s.waitFor('latched', TIMEOUT);
      await sendTo(moved, rtp(4, Uint8Array.of(4)), s.localPort);
      assert.deepEqual((await back)[0], { address: HOST, port: port(moved) });
    });
  } finally { old.close(); moved.close(); }
});

test('RtpSession: malformed datagrams are counted, not fatal', async () => {
  const peer = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(peer) } }, async (s) => {
      await sendTo(peer, Buffer.from('not rtp at all'), s.localPort);
      await sendTo(peer, Buffer.alloc(3), s.localPort);
      const audio = s.waitFor('audio', TIMEOUT);
      await sendTo(peer, rtp(1, Uint8Array.of(1)), s.localPort);
      await audio;
      assert.equal(s.stats.invalidPackets, 2);
    });
  } finally { peer.close(); }
});

test('RtpSession: RFC 4733 events in are reported once as dtmf; out as the §2.5.1 packet sequence', async () => {
  const peer = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(peer) } }, async (s) => {
      const digits: string[] = [];
      s.on('dtmf', (d) => digits.push(d.digit));
      const dtmf = s.waitFor('dtmf', TIMEOUT);
      let seq = 100;
      for (const p of telephoneEventPackets('#', { startTimestamp: 8000, durationMs: 60, packetMs: 20 })) {
        await sendTo(peer, rtp(seq++, p.payload, { pt: 101, ts: p.timestamp, marker: p.marker }), s.localPort);
      }
      const [d] = await dtmf;
      assert.deepEqual(d, { digit: '#', durationMs: 60, source: 'rfc4733' });
      // Out: marker first, same timestamp, three end packets.
      const sent = s.sendTelephoneEvent('4', { durationMs: 60 });
      const packets: RtpPacket[] = [];
      for (let i = 0; i < 6; i++) packets.push(parseRtp((await nextMessage(peer))[0]));
      await sent;
      assert.ok(packets.every((p) => p.payloadType === 101 && p.timestamp === packets[0]!.timestamp));
      assert.equal(packets[0]!.marker, true);
      const events = packets.map((p) => parseTelephoneEvent(p.payload));
      assert.deepEqual(events.map((e) => [e.event, e.end, e.duration]), [[4, false, 160], [4, false, 320], [4, false, 480], [4, true, 480], [4, true, 480], [4, true, 480]]);
      assert.deepEqual(digits, ['#'], 'reported once');
    });
  } finally { peer.close(); }
});

test('RtpSession: RFC 4733 end packets lost → digit reported after the timeout', async () => {
  const peer = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(peer) } }, async (s) => {
      const dtmf = s.waitFor('dtmf', TIMEOUT);
      let seq = 1;
      for (const p of telephoneEventPackets('9', { startTimestamp: 800, durationMs: 60, packetMs: 20 }).filter((p) => !p.end)) {
        await sendTo(peer, rtp(seq++, p.payload, { pt: 101, ts: p.timestamp }), s.localPort);
      }
      assert.equal((await dtmf)[0].digit, '9');
    });
  } finally { peer.close(); }
});

test('RtpSession: sendTelephoneEvent without a negotiated payload type rejects', async () => {
  await withSession({ telephoneEventPayloadType: undefined }, async (s) => {
    await assert.rejects(s.sendTelephoneEvent('1'), InvalidStateError);
  });
});

test('RtpSession: RTCP SR/RR exchange gives loss figures both ways and the round-trip time (RFC 3550 §6.4)', async () => {
  const peerRtp = await udp(), peerRtcp = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(peerRtp) }, remoteRtcpPort: port(peerRtcp) }, async (s) => {
      // The peer sends 20 packets, 2 lost (seq 5 and 10).
      const received = new Promise<void>((resolve) => { let n = 0; s.on('audio', () => { if (++n === 18) resolve(); }); });
      for (let seq = 0; seq < 20; seq++) if (seq !== 5 && seq !== 10) await sendTo(peerRtp, rtp(seq, new Uint8Array(160)), s.localPort);
      await within(received);
      s.sendFrame(new Uint8Array(160));
      await s.sendRtcpReport();
      const [msg, rinfo] = await nextMessage(peerRtcp);
      assert.equal(rinfo.port, s.localRtcpPort, 'RTCP from the odd port');
      const [sr, sdes] = parseRtcp(msg);
      assert.ok(sr?.type === 'sr', 'SR because we sent RTP');
      assert.equal(sr.ssrc, s.ssrc);
      assert.equal(sr.packetCount, 1);
      assert.ok(sdes?.type === 'sdes' && sdes.chunks[0]?.items[0]?.value === s.cname);
      const block = sr.reports[0];
      assert.ok(block);
      assert.equal(block.ssrc, 0xcafe);
      assert.equal(block.cumulativeLost, 2);
      assert.equal(block.extendedHighestSeq, 19);
      assert.equal(block.fractionLost, Math.floor((2 * 256) / 20));
      assert.equal(s.stats.packetsLost, 2);
      assert.ok(Math.abs(s.stats.fractionLost - 2 / 20) < 0.01);
      // The peer answers with an RR about our stream: LSR set 100 ms before the SR
      // (as if our SR had taken 100 ms more to come back), DLSR 0.
      const lsr = (ntpMiddle32(sr.ntp) - msToShortNtp(100)) >>> 0;
      const stats = s.waitFor('stats', TIMEOUT);
      await sendTo(peerRtcp, serializeRtcp([{ type: 'rr', ssrc: 0xcafe, reports: [
        { ssrc: s.ssrc, fractionLost: 64, cumulativeLost: 3, extendedHighestSeq: 1, jitter: 8, lsr, dlsr: 0 },
      ] }]), s.localRtcpPort);
      const [st] = await stats;
      assert.ok(st.rttMs !== undefined && st.rttMs >= 99 && st.rttMs < 150, `rtt ${st.rttMs}`);
      assert.equal(st.remoteFractionLost, 0.25);
      assert.equal(st.remotePacketsLost, 3);
      assert.equal(st.packetsReceived, 18);
    });
  } finally { peerRtp.close(); peerRtcp.close(); }
});

test('RtpSession: RTCP reports are sent on the timer (RR when nothing was sent)', async () => {
  const peerRtp = await udp(), peerRtcp = await udp();
  try {
    await withSession({ remote: { address: HOST, port: port(peerRtp) }, remoteRtcpPort: port(peerRtcp), rtcpIntervalMs: 100 }, async (s) => {
      const [msg] = await nextMessage(peerRtcp);
      const [rr] = parseRtcp(msg);
      assert.equal(rr?.type, 'rr');
      assert.equal(rr.ssrc, s.ssrc);
    });
  } finally { peerRtp.close(); peerRtcp.close(); }
});

test('RtpSession: close() sends BYE, is idempotent, releases the ports; methods after close throw', async () => {
  const peerRtp = await udp(), peerRtcp = await udp();
  const allocator = new PortAllocator({ ...range(1), host: HOST });
  try {
    const s = await RtpSession.open({ allocator, payloadType: 8, remote: { address: HOST, port: port(peerRtp) }, remoteRtcpPort: port(peerRtcp), rtcpIntervalMs: 60_000 });
    assert.equal(allocator.inUse, 1);
    const bye = nextMessage(peerRtcp);
    await s.close();
    await s.close();
    const packets = parseRtcp((await bye)[0]);
    assert.deepEqual(packets.at(-1), { type: 'bye', ssrcs: [s.ssrc] });
    assert.equal(allocator.inUse, 0);
    assert.throws(() => s.sendFrame(new Uint8Array(160)), InvalidStateError);
    const again = await RtpSession.open({ allocator, payloadType: 8, rtcpIntervalMs: 60_000 });
    assert.equal(again.localPort, s.localPort, 'the only pair is reusable once released');
    await again.close();
  } finally { peerRtp.close(); peerRtcp.close(); }
});

test('PortAllocator: even/odd pairs, exhaustion, released pairs reused only after the others', async () => {
  const r = range(3);
  const allocator = new PortAllocator({ min: r.min + 1, max: r.max, host: HOST }); // odd min rounds up
  assert.equal(allocator.available, 2);
  const alloc2 = new PortAllocator({ ...r, host: HOST });
  assert.equal(alloc2.available, 3);
  const pairs = [await alloc2.allocate(), await alloc2.allocate(), await alloc2.allocate()];
  assert.deepEqual(pairs.map((p) => p.rtpPort), [r.min, r.min + 2, r.min + 4]);
  assert.ok(pairs.every((p) => p.rtcpPort === p.rtpPort + 1 && p.rtcp.address().port === p.rtcpPort));
  await assert.rejects(alloc2.allocate(), PortExhaustedError);
  for (const p of pairs) { p.rtp.close(); p.rtcp.close(); }
  alloc2.release(r.min + 2);
  alloc2.release(r.min);
  alloc2.release(r.min); // twice: no duplicate in the free queue
  assert.equal(alloc2.available, 2);
  const next = await alloc2.allocate();
  assert.equal(next.rtpPort, r.min + 2, 'FIFO: the first released pair comes back first');
  next.rtp.close(); next.rtcp.close(); alloc2.release(next.rtpPort);
  // Fresh allocator: a released pair goes behind the never-used ones.
  const r2 = range(3);
  const fifo = new PortAllocator({ ...r2, host: HOST });
  const a = await fifo.allocate();
  a.rtp.close(); a.rtcp.close(); fifo.release(a.rtpPort);
  const b = await fifo.allocate();
  assert.equal(b.rtpPort, r2.min + 2, 'not the just-released pair');
  b.rtp.close(); b.rtcp.close();
  assert.throws(() => new PortAllocator({ min: 30000, max: 30000 }), RangeError);
});

test('PortAllocator: a pair held by another process (EADDRINUSE) is skipped; bounded attempts', async () => {
  const r = range(3);
  const blockers: dgram.Socket[] = [];
  const block = async (p: number): Promise<void> => {
    const s = dgram.createSocket('udp4');
    s.bind({ port: p, address: HOST, exclusive: true });
    await once(s, 'listening');
    blockers.push(s);
  };
  try {
    await block(r.min);       // RTP port of pair 1 taken
    await block(r.min + 3);   // RTCP port of pair 2 taken
    const allocator = new PortAllocator({ ...r, host: HOST });
    const pair = await allocator.allocate();
    assert.equal(pair.rtpPort, r.min + 4);
    pair.rtp.close(); pair.rtcp.close();
    assert.equal(allocator.available, 2, 'the failed pairs stay in the queue');
    const limited = new PortAllocator({ min: r.min, max: r.min + 3, host: HOST, maxAttempts: 5 });
    await assert.rejects(limited.allocate(), PortExhaustedError);
  } finally {
    for (const s of blockers) s.close();
  }
});
