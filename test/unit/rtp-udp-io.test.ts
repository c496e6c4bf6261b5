// The two UDP I/O implementations of bridge/rtp/udp-io.ts with real sockets on
// 127.0.0.1: the batched native addon (poll()-driven receive, batched send)
// and node:dgram, and an RtpSession running over either.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import {
  DgramUdpIo, NativeUdpIo, intToIpv4, ipv4ToInt, loadUdpBatch,
  type EndpointPair, type UdpEndpoint, type UdpIo,
} from '../../bridge/rtp/udp-io.ts';
import { RtpSession, type AudioPacketEvent } from '../../bridge/rtp/session.ts';
import { parseRtp, serializeRtp } from '../../bridge/rtp/rtp-packet.ts';

const HOST = '127.0.0.1';
const LOOPBACK = ipv4ToInt(HOST);
// Fixed ports of this file (no other test uses 38000–38099; rtp-session.test.ts picks from 42000 up); everything else binds port 0.
const PORT_BIND = 38002; // bindPair / EADDRINUSE (38001–38005)
const PORT_CONNECT = 38010; // connect()/disconnect() needs a fixed port (see below)
const PORT_PARITY_NATIVE = 38020;
const PORT_PARITY_DGRAM = 38030;

// `make test` builds the addon first: its absence is a failure here, not a skip.
const addon = loadUdpBatch();
if (!addon) throw new Error('the batched UDP addon is not built (make addon)');

// ------------------------------------------------------------------ helpers

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` every 5 ms until it holds; rejects after `ms`. */
async function waitFor(pred: () => boolean, ms: number, what = 'condition'): Promise<void> {
  const deadline = performance.now() + ms;
  for (;;) {
    if (pred()) return;
    if (performance.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Everything opened by a test, closed in its after() hook even when the test failed. */
class Resources {
  private readonly sockets: dgram.Socket[] = [];
  private readonly endpoints: UdpEndpoint[] = [];
  private readonly sessions: RtpSession[] = [];

  async udp(): Promise<dgram.Socket> {
    const s = dgram.createSocket('udp4');
    this.sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(0, HOST, () => { s.off('error', reject); resolve(); });
    });
    return s;
  }

  pair(p: EndpointPair): EndpointPair {
    this.endpoints.push(p.rtp, p.rtcp);
    return p;
  }

  session(s: RtpSession): RtpSession {
    this.sessions.push(s);
    return s;
  }

  async closeAll(): Promise<void> {
    for (const s of this.sessions.splice(0)) await s.close().catch(() => undefined);
    for (const e of this.endpoints.splice(0)) await e.close().catch(() => undefined);
    for (const s of this.sockets.splice(0)) { try { s.close(); } catch { /* already closed */ } }
  }
}

function sendTo(s: dgram.Socket, data: Uint8Array, port: number): Promise<void> {
  return new Promise((resolve, reject) => s.send(data, port, HOST, (err) => (err ? reject(err) : resolve())));
}

interface Received { data: Buffer; port: number }
function collect(s: dgram.Socket): Received[] {
  const got: Received[] = [];
  s.on('message', (msg, rinfo) => got.push({ data: Buffer.from(msg), port: rinfo.port }));
  return got;
}

interface Delivered { data: Buffer; addr: number; port: number; arrivalMs: number | undefined }
/** Records what an endpoint delivers (a copy: the native receive buffer is reused). */
function record(ep: UdpEndpoint): Delivered[] {
  const got: Delivered[] = [];
  ep.onDatagram((data, addr, port, arrivalMs) => got.push({ data: Buffer.from(data), addr, port, arrivalMs }));
  return got;
}

function native(): NativeUdpIo {
  assert.ok(addon, 'addon built');
  return new NativeUdpIo(addon);
}

/** A UDP port nobody listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, HOST, () => r()));
  const port = s.address().port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function rtpPacket(seq: number, fill: number): Buffer {
  return serializeRtp({
    marker: seq === 0, payloadType: 0, seq, timestamp: seq * 160, ssrc: 0x1234abcd, csrc: [],
    payload: new Uint8Array(160).fill(fill), paddingLength: 0,
  });
}

const isAddrInUse = (err: unknown): boolean => {
  assert.equal((err as NodeJS.ErrnoException).code, 'EADDRINUSE', String(err));
  return true;
};

async function bindAt(port: number): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.bind({ port, address: HOST, exclusive: true }, () => { s.off('error', reject); resolve(); });
  });
  return s;
}
const closeSocket = (s: dgram.Socket): Promise<void> => new Promise((resolve) => s.close(() => resolve()));
const portOf = (s: dgram.Socket): number => s.address().port;

// ------------------------------------------------------------------ 1. binding

test('native bindPair: RTP on the port and RTCP on port+1; a taken port rejects with EADDRINUSE; closed ports bind again', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();

  const pair = r.pair(await io.bindPair(PORT_BIND, HOST));
  assert.equal(pair.rtp.port, PORT_BIND);
  assert.equal(pair.rtcp.port, PORT_BIND + 1);

  await assert.rejects(io.bindPair(PORT_BIND, HOST), isAddrInUse, 'RTP port taken');
  await assert.rejects(io.bindPair(PORT_BIND - 1, HOST), isAddrInUse, 'RTCP port (= our RTP port) taken');

  // RTP port free, RTCP port taken: rejects, and the RTP port it had bound is free again.
  const blocker = await bindAt(PORT_BIND + 3);
  try {
    await assert.rejects(io.bindPair(PORT_BIND + 2, HOST), isAddrInUse, 'RTCP port taken');
    await closeSocket(await bindAt(PORT_BIND + 2));
  } finally {
    await closeSocket(blocker);
  }
  // A port held by node:dgram is taken for the addon too.
  const held = await bindAt(PORT_BIND + 2);
  try {
    await assert.rejects(io.bindPair(PORT_BIND + 2, HOST), isAddrInUse, 'held by node:dgram');
  } finally {
    await closeSocket(held);
  }

  await pair.rtp.close();
  await pair.rtcp.close();
  await pair.rtp.close(); // idempotent: must not close a descriptor reused by someone else
  const again = r.pair(await io.bindPair(PORT_BIND, HOST));
  assert.equal(again.rtp.port, PORT_BIND);
  assert.equal(again.rtcp.port, PORT_BIND + 1);
  await again.rtp.close();
  await again.rtcp.close();
  // node:dgram can have them too: the descriptors really were closed.
  const dg = r.pair(await new DgramUdpIo().bindPair(PORT_BIND, HOST));
  assert.equal(dg.rtp.port, PORT_BIND);
  assert.equal(dg.rtcp.port, PORT_BIND + 1);
});

// ------------------------------------------------------------------ 2. receiving

test('native receive: nothing before poll(); then every datagram in order with exact bytes, source and kernel arrival time', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  const pair = r.pair(await io.bindPair(0, HOST));
  const got = record(pair.rtp);
  const gotRtcp = record(pair.rtcp);
  const sender = await r.udp();
  const payloads = [randomBytes(1), randomBytes(172), randomBytes(1400)];

  const beforeSend = performance.now();
  for (const p of payloads) await sendTo(sender, p, pair.rtp.port);
  const afterSend = performance.now();
  await sleep(30);
  assert.equal(got.length, 0, 'nothing is delivered before poll()');

  const pollAt = performance.now();
  io.poll();
  const pollDone = performance.now();
  assert.equal(got.length, 3);
  assert.equal(gotRtcp.length, 0, 'nothing on the RTCP endpoint');
  for (let i = 0; i < 3; i++) {
    const d = got[i]!;
    assert.deepEqual(d.data, payloads[i], `datagram ${i}: exact bytes, in order`);
    assert.equal(d.addr, LOOPBACK);
    assert.equal(d.addr, 0x7f000001);
    assert.equal(d.port, portOf(sender));
    assert.equal(typeof d.arrivalMs, 'number');
    const at = d.arrivalMs!;
    assert.ok(at <= pollDone, `arrival ${at} is not in the future (poll done ${pollDone})`);
    assert.ok(at >= beforeSend - 5 && at <= afterSend + 5,
      `kernel arrival time ${at.toFixed(2)} within the send window ${beforeSend.toFixed(2)}–${afterSend.toFixed(2)} ± 5 ms`);
    assert.ok(pollAt - at >= 25, `arrival ${at.toFixed(2)} about 30 ms before the poll at ${pollAt.toFixed(2)}`);
  }
  assert.ok(got[0]!.arrivalMs! <= got[1]!.arrivalMs! && got[1]!.arrivalMs! <= got[2]!.arrivalMs!, 'arrival times in order');
  assert.equal(io.counts.received, 3);

  io.poll();
  assert.equal(got.length, 3, 'a second poll delivers nothing more');
});

// ------------------------------------------------------------------ 3. sending

test('native send: batched sends leave at flush() in order; a send outside a batch leaves at once; the caller may reuse its buffer', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  const pair = r.pair(await io.bindPair(0, HOST));
  const receiver = await r.udp();
  const got = collect(receiver);
  const to = { address: HOST, port: portOf(receiver) };

  const buf = new Uint8Array(200);
  const expected: { data: Buffer; port: number }[] = [];
  io.beginBatch();
  for (let i = 0; i < 6; i++) {
    buf.fill(i + 1);
    const data = buf.subarray(0, 40 + i * 13);
    const ep = i === 3 ? pair.rtcp : pair.rtp; // one from the other socket of the pair
    ep.send(data, to);
    expected.push({ data: Buffer.from(data), port: ep.port });
    buf.fill(0xee); // reused at once: the queued packet must keep the original bytes
  }
  await sleep(30);
  assert.equal(got.length, 0, 'nothing leaves before flush()');
  assert.equal(io.counts.sent, 0);
  io.flush();
  await waitFor(() => got.length >= expected.length, 2000, 'the batch');
  await sleep(10);
  assert.equal(got.length, expected.length);
  assert.deepEqual(got, expected, 'all of them, in order, from the right socket, with the original bytes');
  assert.equal(io.counts.sent, 6);

  // Out of a batch: leaves at once (no flush).
  const one = Uint8Array.from([1, 2, 3, 4, 5]);
  pair.rtp.send(one, to);
  one.fill(9);
  await waitFor(() => got.length === 7, 2000, 'the unbatched packet');
  assert.deepEqual(got[6], { data: Buffer.from([1, 2, 3, 4, 5]), port: pair.rtp.port });
  assert.equal(io.counts.sent, 7);
});

// ------------------------------------------------------------------ 4. many sockets

test('native: one poll() serves 200 endpoint pairs, and more than 1024 waiting datagrams', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  const pairs: EndpointPair[] = [];
  for (let i = 0; i < 200; i++) pairs.push(r.pair(await io.bindPair(0, HOST)));
  const got: number[][] = pairs.map(() => []);
  const rtcpGot: number[] = [];
  const sender = await r.udp();
  const senderPort = (sender.address() as { port: number }).port;
  // Ports are ephemeral: a wire test running beside this one may aim its RTP
  // at a port the kernel just gave us, so only our sender's datagrams count.
  let strangers = 0;
  const ours = (port: number): boolean => { if (port === senderPort) return true; strangers++; return false; };
  pairs.forEach((p, i) => {
    p.rtp.onDatagram((d, _a, port) => { if (ours(port)) got[i]!.push((d[0]! << 8) | d[1]!); });
    p.rtcp.onDatagram((d, _a, port) => { if (ours(port)) rtcpGot.push((d[0]! << 8) | d[1]!); });
  });
  const u16 = (n: number): Buffer => Buffer.from([n >> 8, n & 255, 0xaa]);

  await Promise.all(pairs.map((p, i) => sendTo(sender, u16(i), p.rtp.port)));
  await sleep(10);
  io.poll();
  assert.deepEqual(got, pairs.map((_, i) => [i]), 'each endpoint got its own datagram');
  assert.equal(rtcpGot.length, 0);
  assert.equal(io.counts.received - strangers, 200);

  // 1500 datagrams waiting (15 endpoints × 100: a socket's default buffer holds ~250 small ones).
  for (const g of got) g.length = 0;
  const ENDPOINTS = 15, EACH = 100;
  const sends: Promise<void>[] = [];
  for (let k = 0; k < EACH; k++) {
    for (let e = 0; e < ENDPOINTS; e++) sends.push(sendTo(sender, u16(k), pairs[e]!.rtp.port));
  }
  await Promise.all(sends);
  await sleep(20);
  io.poll(); // one call: 1024 in the first round, the rest in the next
  const expected = Array.from({ length: EACH }, (_, k) => k);
  for (let e = 0; e < ENDPOINTS; e++) assert.deepEqual(got[e], expected, `endpoint ${e}: all ${EACH}, in order`);
  assert.equal(got.slice(ENDPOINTS).flat().length, 0);
  assert.equal(io.counts.received - strangers, 200 + ENDPOINTS * EACH);
  io.poll();
  assert.equal(io.counts.received - strangers, 200 + ENDPOINTS * EACH, 'nothing left for a second poll');
});

// ------------------------------------------------------------------ 5. connect

test('native connect(): only the connected peer gets through; send(data, peer) works; disconnect() lets anyone in again', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  // A fixed port: Linux unbinds a socket bound to port 0 when it is disconnected (AF_UNSPEC).
  const pair = r.pair(await io.bindPair(PORT_CONNECT, HOST));
  const ep = pair.rtp;
  const got = record(ep);
  const a = await r.udp();
  const b = await r.udp();
  const aGot = collect(a);
  const errors: string[] = [];
  ep.onError((code) => errors.push(code));
  const text = (d: Delivered): string => `${d.data.toString()}@${d.port}`;

  ep.connect({ address: HOST, port: portOf(a) });
  await sendTo(b, Buffer.from('b1'), ep.port);
  await sendTo(a, Buffer.from('a1'), ep.port);
  await waitFor(() => { io.poll(); return got.length >= 1; }, 2000, 'a1');
  await sleep(20);
  io.poll();
  assert.deepEqual(got.map(text), [`a1@${portOf(a)}`], 'B is dropped by the kernel, A gets through');

  ep.send(Buffer.from('to-a'), { address: HOST, port: portOf(a) });
  await waitFor(() => aGot.length >= 1, 2000, 'the send to A');
  assert.deepEqual(aGot, [{ data: Buffer.from('to-a'), port: PORT_CONNECT }]);

  ep.disconnect();
  await sendTo(b, Buffer.from('b2'), ep.port);
  await sendTo(a, Buffer.from('a2'), ep.port);
  await waitFor(() => { io.poll(); return got.length >= 3; }, 2000, 'b2 and a2');
  assert.deepEqual(got.map(text), [`a1@${portOf(a)}`, `b2@${portOf(b)}`, `a2@${portOf(a)}`], 'b1 stays lost; b2 comes in');
  assert.equal(ep.port, PORT_CONNECT);

  // Unconnected again: sends name their destination.
  ep.send(Buffer.from('to-b'), { address: HOST, port: portOf(b) });
  const bGot = collect(b);
  await waitFor(() => bGot.length >= 1, 2000, 'the send to B');
  assert.deepEqual(bGot, [{ data: Buffer.from('to-b'), port: PORT_CONNECT }]);
  assert.deepEqual(errors, []);
});

// ------------------------------------------------------------------ 6. errors

test('native errors: ECONNREFUSED from ICMP through onError', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  const pair = r.pair(await io.bindPair(0, HOST));
  const errors: string[] = [];
  pair.rtp.onError((code) => errors.push(code));
  const dead = { address: HOST, port: await closedPort() };
  pair.rtp.connect(dead);
  // The first send draws the ICMP port unreachable; a later one reports it (no poll() in between).
  await waitFor(() => {
    if (!errors.includes('ECONNREFUSED')) pair.rtp.send(Uint8Array.of(1, 2, 3), dead);
    return errors.includes('ECONNREFUSED');
  }, 2000, 'ECONNREFUSED');
  assert.ok(io.counts.sendFailures >= 1);
});

test('native errors: ECONNREFUSED is reported by poll() too (the media tick polls between sends)', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  const pair = r.pair(await io.bindPair(0, HOST));
  const errors: string[] = [];
  pair.rtp.onError((code) => errors.push(code));
  const dead = { address: HOST, port: await closedPort() };
  pair.rtp.connect(dead);
  await waitFor(() => {
    io.poll();
    if (!errors.includes('ECONNREFUSED')) pair.rtp.send(Uint8Array.of(1, 2, 3), dead);
    io.poll();
    return errors.includes('ECONNREFUSED');
  }, 2000, 'ECONNREFUSED');
  assert.equal(io.counts.sendFailures, 0, 'the poll took the error before a send could');
});

test('native errors: a datagram over 2048 bytes is counted as truncated, not delivered; 2048 bytes are', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  const pair = r.pair(await io.bindPair(0, HOST));
  const got = record(pair.rtp);
  const sender = await r.udp();
  const big = randomBytes(3000), max = randomBytes(2048), after = randomBytes(10);
  await sendTo(sender, big, pair.rtp.port);
  await sendTo(sender, max, pair.rtp.port);
  await sendTo(sender, after, pair.rtp.port);
  await sleep(20);
  io.poll();
  assert.equal(io.counts.truncated, 1);
  assert.deepEqual(got.map((d) => d.data), [max, after]);
  assert.equal(io.counts.received, 2);
});

test('native errors: non-IPv4 destinations and oversized packets are reported, not sent', async (t) => {
  const r = new Resources();
  t.after(() => r.closeAll());
  const io = native();
  const pair = r.pair(await io.bindPair(0, HOST));
  const errors: string[] = [];
  pair.rtp.onError((code) => errors.push(code));
  pair.rtp.send(new Uint8Array(10), { address: '::1', port: 5000 });
  pair.rtp.send(new Uint8Array(65_508), { address: HOST, port: 5000 });
  assert.deepEqual(errors, ['EAFNOSUPPORT', 'EMSGSIZE']);
  assert.equal(io.counts.sent, 0);
});

test('udp-batch addon: wrong argument types throw TypeError; a bad address throws', () => {
  assert.ok(addon);
  const loose = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  assert.throws(() => loose.open!(5, 'x'), TypeError);
  assert.throws(() => loose.open!(HOST, 'x'), TypeError);
  assert.throws(() => loose.open!(HOST, 70_000), TypeError);
  assert.throws(() => loose.open!(HOST), TypeError, 'missing argument');
  assert.throws(() => addon.open('not-an-ip', 0));
  assert.throws(() => addon.open('::1', 0), 'IPv4 only');
  assert.throws(() => loose.close!('x'), TypeError);
  assert.throws(() => loose.localPort!({}), TypeError);
  assert.throws(() => loose.connect!(0, 'a', 1), TypeError);
  assert.throws(() => loose.watch!('e', 0, 0), TypeError);
  assert.throws(() => loose.poll!(0, new Int32Array(8), new Int32Array(6)), TypeError, 'buf must be a Uint8Array');
  assert.throws(() => loose.poll!(0, new Uint8Array(2048), new Uint8Array(6)), TypeError, 'meta must be an Int32Array');
  assert.throws(() => loose.send!(new Uint8Array(8), new Int32Array(6), 2), TypeError, 'count beyond meta');
  assert.throws(() => loose.send!([], new Int32Array(6), 0), TypeError);
  // localPort of a descriptor that is no socket: an Error with a code.
  assert.throws(() => addon.localPort(-1), (err: NodeJS.ErrnoException) => err.code === 'EBADF');
});

// ------------------------------------------------------------------ 7. parity

for (const kind of ['native', 'dgram'] as const) {
  test(`RtpSession over ${kind} endpoints: receives, latches and sends`, async (t) => {
    const r = new Resources();
    t.after(() => r.closeAll());
    const io: UdpIo = kind === 'native' ? native() : new DgramUdpIo();
    assert.equal(io.kind, kind);
    const pair = r.pair(await io.bindPair(kind === 'native' ? PORT_PARITY_NATIVE : PORT_PARITY_DGRAM, HOST));
    const session = r.session(RtpSession.openPair(pair, { payloadType: 0, rtcpIntervalMs: 60_000 }));
    const audio: { seq: number; payload: Buffer; arrivalMs: number }[] = [];
    session.on('audio', (e: AudioPacketEvent) => audio.push({ seq: e.packet.seq, payload: Buffer.from(e.payload), arrivalMs: e.arrivalMs }));
    const latched: unknown[] = [];
    session.on('latched', (a) => latched.push(a));
    const phone = await r.udp();
    const phoneGot = collect(phone);

    for (let seq = 0; seq < 5; seq++) await sendTo(phone, rtpPacket(seq, seq + 1), session.localPort);
    if (kind === 'native') {
      await sleep(20);
      assert.equal(audio.length, 0, 'native: nothing before poll()');
      io.poll();
      assert.equal(audio.length, 5, 'native: all in one poll()');
    }
    await waitFor(() => audio.length >= 5, 2000, '5 audio events');
    assert.deepEqual(audio.map((a) => a.seq), [0, 1, 2, 3, 4]);
    audio.forEach((a, i) => assert.deepEqual(a.payload, Buffer.alloc(160, i + 1), `payload ${i}`));
    assert.ok(audio.every((a) => Number.isFinite(a.arrivalMs) && a.arrivalMs <= performance.now()));
    assert.deepEqual(latched, [{ address: HOST, port: portOf(phone) }]);
    assert.equal(session.stats.packetsReceived, 5);
    assert.equal(session.destination?.port, portOf(phone));

    io.beginBatch();
    session.sendFrame(new Uint8Array(160).fill(0xff));
    if (kind === 'native') {
      await sleep(30);
      assert.equal(phoneGot.length, 0, 'native: held until flush()');
    }
    io.flush();
    await waitFor(() => phoneGot.length >= 1, 2000, 'the frame at the phone');
    session.sendFrame(new Uint8Array(160).fill(0x7f)); // out of a batch
    await waitFor(() => phoneGot.length >= 2, 2000, 'the unbatched frame at the phone');
    const sent = phoneGot.map((m) => ({ port: m.port, packet: parseRtp(m.data) }));
    for (const [i, s] of sent.entries()) {
      assert.equal(s.port, session.localPort, 'from the RTP port (symmetric RTP)');
      assert.equal(s.packet.payloadType, 0);
      assert.equal(s.packet.ssrc, session.ssrc);
      assert.deepEqual(Buffer.from(s.packet.payload), Buffer.alloc(160, i === 0 ? 0xff : 0x7f));
    }
    assert.equal((sent[1]!.packet.seq - sent[0]!.packet.seq) & 0xffff, 1);
    assert.equal(session.stats.packetsSent, 2);
    await session.close();
  });
}

// ------------------------------------------------------------------ 8. addresses

test('ipv4ToInt / intToIpv4 round trip; non-IPv4 strings are NaN', () => {
  for (const a of ['0.0.0.0', '127.0.0.1', '10.1.2.3', '192.168.255.1', '255.255.255.255']) {
    const n = ipv4ToInt(a);
    assert.ok(Number.isInteger(n) && n >= 0 && n <= 0xffffffff, `${a} → ${n}`);
    assert.equal(intToIpv4(n), a);
  }
  assert.equal(ipv4ToInt('127.0.0.1'), 0x7f000001);
  assert.equal(ipv4ToInt('255.255.255.255'), 0xffffffff);
  assert.equal(intToIpv4(0xc0a80001), '192.168.0.1');
  assert.equal(intToIpv4(0xc0a80001 | 0), '192.168.0.1', 'a negative int32 works too');
  assert.ok(Number.isNaN(ipv4ToInt('::1')));
  assert.ok(Number.isNaN(ipv4ToInt('host')));
  assert.ok(Number.isNaN(ipv4ToInt('1.2.3')));
  assert.ok(Number.isNaN(ipv4ToInt('')));
});
