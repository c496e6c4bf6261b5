// SRTP/SRTCP (RFC 3711): the Appendix B test vectors, round trips in both
// suites, and what is dropped (tampered, replayed, short) without a throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import {
  aesCmKeystream, deriveSessionKey, ReplayWindow, SrtpContext, SRTP_MAX_OVERHEAD, type SrtpSuite,
} from '../../bridge/rtp/srtp.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('RFC 3711 B.2: the AES-CM keystream of the test session key', () => {
  const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
  const ks = aesCmKeystream(key, iv, 65282 * 16); // the RFC's 1044512-octet segment
  assert.equal(ks.subarray(0, 48).toString('hex').toUpperCase(),
    'E03EAD0935C95E80E166B16DD92B4EB4' + 'D23513162B02D0F72A43A2FE4A5F97AB' + '41E95B3BB0A2E8DD477901E4FCA894C0');
  assert.equal(ks.subarray(0xfeff * 16).toString('hex').toUpperCase(),
    'EC8CDF7398607CB0F2D21675EA9EA1E4' + '362B7C3C6773516318A077D7FC5073AE' + '6A2CC3787889374FBEB4C81B17BA6C44');
});

test('RFC 3711 B.3: session keys derived from the test master key and salt', () => {
  const key = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const salt = hex('0EC675AD498AFEEBB6960B3AABE6');
  assert.equal(deriveSessionKey(key, salt, 0, 16).toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(deriveSessionKey(key, salt, 2, 14).toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(deriveSessionKey(key, salt, 1, 94).toString('hex').toUpperCase(),
    'CEBE321F6FF7716B6FD4AB49AF256A15' + '6D38BAA48F0A0ACF3C34E2359E6CDBCE' + 'E049646C43D9327AD175578EF7227098'
    + '6371C10C9A369AC2F94A8C5FBCDDDC25' + '6D6E919A48B610EF17C2041E47403576' + '6B68642C59BBFC2F34DB60DBDFB2');
});

/** An RTP packet (PCMU) with `room` spare bytes for the tag. */
function rtp(seq: number, ssrc = 0x11223344, payload = Buffer.alloc(160, 0xff), room = SRTP_MAX_OVERHEAD): { buf: Buffer; length: number } {
  const buf = Buffer.alloc(12 + payload.length + room);
  buf[0] = 0x80; buf[1] = 0;
  buf.writeUInt16BE(seq & 0xffff, 2);
  buf.writeUInt32BE((seq * 160) >>> 0, 4);
  buf.writeUInt32BE(ssrc, 8);
  payload.copy(buf, 12);
  return { buf, length: 12 + payload.length };
}

function pair(suite: SrtpSuite): { tx: SrtpContext; rx: SrtpContext } {
  const master = randomBytes(30);
  return { tx: new SrtpContext(suite, master), rx: new SrtpContext(suite, master) };
}

for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
  test(`SRTP ${suite}: protect then unprotect gives the packet back; the wire is not the plain payload`, () => {
    const { tx, rx } = pair(suite);
    const payload = randomBytes(160);
    const p = rtp(1000, 0xdecafbad, payload);
    const plain = Buffer.from(p.buf.subarray(0, p.length));
    const n = tx.protectRtp(p.buf, p.length);
    assert.equal(n, p.length + (suite.endsWith('80') ? 10 : 4));
    assert.deepEqual(p.buf.subarray(0, 12), plain.subarray(0, 12), 'the header stays in clear');
    assert.notDeepEqual(p.buf.subarray(12, p.length), payload, 'the payload is encrypted');
    const wire = Buffer.from(p.buf.subarray(0, n));
    assert.equal(rx.unprotectRtp(wire, n), p.length);
    assert.deepEqual(wire.subarray(0, p.length), plain);
    assert.equal(rx.counters.unprotected, 1);
  });

  test(`SRTCP ${suite}: protect then unprotect, 80-bit tag and E||index appended`, () => {
    const { tx, rx } = pair(suite);
    const body = Buffer.alloc(28 + SRTP_MAX_OVERHEAD);
    body[0] = 0x80; body[1] = 201; body.writeUInt16BE(6, 2); body.writeUInt32BE(0x01020304, 4);
    randomBytes(20).copy(body, 8);
    const plain = Buffer.from(body.subarray(0, 28));
    const n = tx.protectRtcp(body, 28);
    assert.equal(n, 28 + 4 + 10);
    assert.equal(body.readUInt32BE(28), 0x80000000, 'E flag set, index 0');
    assert.notDeepEqual(body.subarray(8, 28), plain.subarray(8));
    assert.equal(rx.unprotectRtcp(body, n), 28);
    assert.deepEqual(body.subarray(0, 28), plain);
    // The same packet again is a replay.
    const again = Buffer.from(body.subarray(0, n));
    tx.protectRtcp(Buffer.concat([plain, Buffer.alloc(SRTP_MAX_OVERHEAD)]), 28); // index 1, not delivered
    assert.equal(rx.unprotectRtcp(again, n), -1);
    assert.equal(rx.counters.replayed + rx.counters.authFailures, 1);
  });
}

test('SRTP: a tampered payload, header or tag is dropped and counted, never thrown', () => {
  const { tx, rx } = pair('AES_CM_128_HMAC_SHA1_80');
  for (const at of [5, 20, 171, 181]) {
    const p = rtp(10 + at);
    const n = tx.protectRtp(p.buf, p.length);
    p.buf[at]! ^= 0x01;
    assert.equal(rx.unprotectRtp(p.buf, n), -1, `flip at byte ${at}`);
  }
  assert.equal(rx.counters.authFailures, 4);
  assert.equal(rx.counters.unprotected, 0);
  // Not SRTP at all: plain RTP, short, garbage.
  const plain = rtp(99);
  assert.equal(rx.unprotectRtp(plain.buf, plain.length), -1);
  assert.equal(rx.unprotectRtp(Buffer.alloc(5), 5), -1);
  assert.equal(rx.unprotectRtp(Buffer.from('not a packet at all, just text'), 30), -1);
  assert.equal(rx.unprotectRtcp(Buffer.alloc(12), 12), -1);
  assert.equal(rx.counters.authFailures + rx.counters.malformed, 8);
  // A packet under another key.
  const other = pair('AES_CM_128_HMAC_SHA1_80').tx;
  const q = rtp(200);
  assert.equal(rx.unprotectRtp(q.buf, other.protectRtp(q.buf, q.length)), -1);
});

test('SRTP: a replayed packet is dropped; late ones inside the 64-packet window are taken once', () => {
  const { tx, rx } = pair('AES_CM_128_HMAC_SHA1_80');
  const wire: Buffer[] = [];
  for (let s = 0; s < 100; s++) {
    const p = rtp(s);
    wire.push(Buffer.from(p.buf.subarray(0, tx.protectRtp(p.buf, p.length))));
  }
  const copy = (b: Buffer): Buffer => Buffer.from(b);
  for (let s = 0; s < 100; s += 2) assert.ok(rx.unprotectRtp(copy(wire[s]!), wire[s]!.length) > 0);
  // Odd ones late: those within 64 of the highest (98) are new, older ones are outside the window.
  assert.ok(rx.unprotectRtp(copy(wire[97]!), wire[97]!.length) > 0);
  assert.ok(rx.unprotectRtp(copy(wire[35]!), wire[35]!.length) > 0);
  assert.equal(rx.unprotectRtp(copy(wire[33]!), wire[33]!.length), -1, 'older than the window');
  assert.equal(rx.unprotectRtp(copy(wire[97]!), wire[97]!.length), -1, 'replay of a late packet');
  assert.equal(rx.unprotectRtp(copy(wire[98]!), wire[98]!.length), -1, 'replay of the highest');
  assert.equal(rx.counters.replayed, 3);
});

test('ReplayWindow: indices far apart do not alias', () => {
  const w = new ReplayWindow();
  w.accept(5);
  assert.equal(w.fresh(5), false);
  assert.equal(w.fresh(69), true);
  w.accept(69);
  assert.equal(w.fresh(5), false, 'now out of the window');
  assert.equal(w.fresh(6), true);
  assert.equal(w.fresh(133), true);
});

test('SRTP: the rollover counter follows the sequence number through its wrap (both ends)', () => {
  const { tx, rx } = pair('AES_CM_128_HMAC_SHA1_32');
  let delivered = 0;
  // 65530 … 65535, 0 … 9, then a late 65534 from before the wrap, then on.
  const seqs = [65530, 65531, 65532, 65533, 65535, 0, 1, 2, 3];
  const kept = new Map<number, Buffer>();
  for (const s of [...seqs.slice(0, 4), 65534, ...seqs.slice(4)]) {
    const p = rtp(s);
    const n = tx.protectRtp(p.buf, p.length);
    kept.set(s, Buffer.from(p.buf.subarray(0, n)));
  }
  for (const s of seqs) {
    const b = Buffer.from(kept.get(s)!);
    assert.ok(rx.unprotectRtp(b, b.length) > 0, `seq ${s}`);
    delivered++;
  }
  const late = Buffer.from(kept.get(65534)!);
  assert.ok(rx.unprotectRtp(late, late.length) > 0, 'a late packet from before the wrap uses ROC − 1');
  assert.equal(tx.sendState.roc, 1);
  // Thousands more across a second wrap.
  for (let s = 4; s < 65536 + 10; s++) {
    const p = rtp(s);
    const n = tx.protectRtp(p.buf, p.length);
    if (rx.unprotectRtp(p.buf, n) > 0) delivered++;
  }
  assert.equal(tx.sendState.roc, 2);
  assert.equal(delivered, seqs.length + 65536 + 6);
  assert.equal(rx.counters.authFailures, 0);
});

test('SRTP: a receiver that takes a wrong ROC fails authentication rather than decrypting garbage', () => {
  const master = randomBytes(30);
  const tx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
  tx.restoreSendState({ roc: 3, lastSeq: 100, srtcpIndex: 0 });
  const rx = new SrtpContext('AES_CM_128_HMAC_SHA1_80', master);
  const p = rtp(101);
  assert.equal(rx.unprotectRtp(p.buf, tx.protectRtp(p.buf, p.length)), -1);
  assert.equal(rx.counters.authFailures, 1);
});

test('SrtpContext: a master key of the wrong length is refused at construction', () => {
  assert.throws(() => new SrtpContext('AES_CM_128_HMAC_SHA1_80', randomBytes(16)), RangeError);
});
