import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../../common/errors.ts';
import { parseRtp, serializeRtp, writeRtp, looksLikeRtp, type RtpPacket } from '../../bridge/rtp/rtp-packet.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('RFC 3550 §5.1: minimal PCMU packet, parse → fields → serialise byte-equal', () => {
  const wire = hex(`
    80 00 1234      # V=2 P=0 X=0 CC=0 | M=0 PT=0 | seq 0x1234
    0000 a0 00      # timestamp 40960
    deadbeef        # SSRC
    ff ff 7f 00     # payload`.replace(/#.*$/gm, ''));
  const p = parseRtp(wire);
  assert.equal(p.marker, false);
  assert.equal(p.payloadType, 0);
  assert.equal(p.seq, 0x1234);
  assert.equal(p.timestamp, 40960);
  assert.equal(p.ssrc, 0xdeadbeef);
  assert.deepEqual(p.csrc, []);
  assert.equal(p.extension, undefined);
  assert.equal(p.paddingLength, 0);
  assert.deepEqual([...p.payload], [0xff, 0xff, 0x7f, 0x00]);
  assert.deepEqual(serializeRtp(p), wire);
});

test('RFC 3550 §5.1/§5.3.1: marker, CSRCs, header extension and padding round-trip byte-exact', () => {
  const wire = hex(`
    b2 e5 ffff      # V=2 P=1 X=1 CC=2 | M=1 PT=101 | seq 65535
    ffffffff        # timestamp 2^32-1
    00000001        # SSRC
    0000000a 0000000b   # CSRC × 2
    bede 0001 10 aa 00 00   # extension: profile 0xBEDE, 1 word
    01 80 00 a0     # payload (telephone-event)
    00 00 03        # padding, count 3`.replace(/#.*$/gm, ''));
  const p = parseRtp(wire);
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 101);
  assert.equal(p.seq, 65535);
  assert.equal(p.timestamp, 0xffffffff);
  assert.deepEqual(p.csrc, [10, 11]);
  assert.equal(p.extension?.profile, 0xbede);
  assert.deepEqual([...(p.extension?.data ?? [])], [0x10, 0xaa, 0, 0]);
  assert.deepEqual([...p.payload], [1, 0x80, 0, 0xa0]);
  assert.equal(p.paddingLength, 3);
  assert.deepEqual(serializeRtp(p), wire);
});

test('RTP payload is a view into the datagram (no copy)', () => {
  const wire = serializeRtp({ marker: false, payloadType: 8, seq: 1, timestamp: 2, ssrc: 3, csrc: [], payload: new Uint8Array(160).fill(0xd5), paddingLength: 0 });
  const p = parseRtp(wire);
  assert.equal(p.payload.buffer, wire.buffer);
  assert.equal(p.payload.length, 160);
});

test('RTP parse works on a subarray with an offset (DataView bounds)', () => {
  const inner = serializeRtp({ marker: true, payloadType: 0, seq: 7, timestamp: 99, ssrc: 5, csrc: [], payload: Uint8Array.of(1, 2), paddingLength: 0 });
  const outer = Buffer.concat([Buffer.from([9, 9, 9]), inner]);
  const p = parseRtp(outer.subarray(3));
  assert.equal(p.seq, 7);
  assert.equal(p.ssrc, 5);
  assert.deepEqual([...p.payload], [1, 2]);
});

test('writeRtp into a reused buffer returns the length', () => {
  const pkt: RtpPacket = { marker: false, payloadType: 0, seq: 0x10000 + 5, timestamp: 2 ** 32 + 7, ssrc: 1, csrc: [], payload: new Uint8Array(160), paddingLength: 0 };
  const buf = new Uint8Array(1500);
  assert.equal(writeRtp(pkt, buf), 172);
  const p = parseRtp(buf.subarray(0, 172));
  assert.equal(p.seq, 5, 'sequence number is taken modulo 2^16');
  assert.equal(p.timestamp, 7, 'timestamp is taken modulo 2^32');
  assert.throws(() => writeRtp(pkt, new Uint8Array(20)), RangeError);
  assert.throws(() => serializeRtp({ ...pkt, csrc: new Array<number>(16).fill(1) }), RangeError);
  assert.throws(() => serializeRtp({ ...pkt, payloadType: 128 }), RangeError);
});

const invalid: Array<[string, string]> = [
  ['empty', ''],
  ['11 bytes: shorter than the fixed header', '80 00 0001 00000000 000000'],
  ['version 1', '40 00 0001 00000000 00000001'],
  ['version 0 (e.g. STUN)', '00 01 0000 2112a442 00000000'],
  ['CC=3 but only 1 CSRC', '83 00 0001 00000000 00000001 00000002'],
  ['X=1 without extension header', '90 00 0001 00000000 00000001 bede'],
  ['extension length beyond packet', '90 00 0001 00000000 00000001 bede0002 00000000'],
  ['padding count zero', 'a0 00 0001 00000000 00000001 ff 00'],
  ['padding count beyond payload', 'a0 00 0001 00000000 00000001 ff 05'],
];
for (const [name, bytes] of invalid) {
  test(`RTP parse rejects ${name} with ParseError`, () => {
    assert.throws(() => parseRtp(hex(bytes)), ParseError);
  });
}

test('RTP parse never throws anything but ParseError on truncations of a valid packet', () => {
  const full = hex('b2e5ffff ffffffff 00000001 0000000a 0000000b bede0001 10aa0000 018000a0 000003');
  for (let n = 0; n < full.length; n++) {
    try { parseRtp(full.subarray(0, n)); } catch (err) { assert.ok(err instanceof ParseError, `length ${n}: ${String(err)}`); }
  }
});

test('looksLikeRtp checks length and version', () => {
  assert.equal(looksLikeRtp(hex('80000001 00000000 00000001')), true);
  assert.equal(looksLikeRtp(hex('00010000 2112a442 00000000')), false);
  assert.equal(looksLikeRtp(hex('8000')), false);
});
