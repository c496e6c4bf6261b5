import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../../common/errors.ts';
import {
  parseRtcp, serializeRtcp, findCname, ntpFromMs, ntpMiddle32, roundTripMs, msToShortNtp,
  fractionLost, cumulativeLost, nextJitter, looksLikeRtcp, type RtcpPacket,
} from '../../bridge/rtp/rtcp.ts';
import { RtcpStats } from '../../bridge/rtp/rtcp-stats.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');

// A hand-annotated compound packet: SR with one report block, SDES CNAME, BYE with reason.
const COMPOUND = hex(`
  81 c8 000c              # V=2 P=0 RC=1 PT=200 length=12 (52 bytes)
  11223344                # SSRC of sender
  e8d4a510 80000000       # NTP 3906250000.5 s
  0001f400                # RTP timestamp 128000
  00000032 00001f40       # 50 packets, 8000 octets
  55667788                # report block: SSRC_1
  19 fffffe               # fraction lost 25/256, cumulative lost -2
  0001000a                # extended highest seq: 1 cycle, seq 10
  00000050                # jitter 80
  a5108000 00008000       # LSR, DLSR 0.5 s
  81 ca 0005              # SDES SC=1 length=5 (24 bytes)
  11223344                # chunk SSRC
  01 0a 616c6963 65406 86f7374 # CNAME (1), 10 bytes "alice@host"
  00 000000               # null item, then padding to 32 bits
  81 cb 0003              # BYE SC=1 length=3
  11223344
  04 6c656176 000000      # reason "leav" + pad`);

test('RFC 3550 §6.4.1/§6.5/§6.6: compound SR+SDES+BYE parses field by field and re-serialises byte-equal', () => {
  const packets = parseRtcp(COMPOUND);
  assert.equal(packets.length, 3);
  const [sr, sdes, bye] = packets;
  assert.ok(sr?.type === 'sr');
  assert.equal(sr.ssrc, 0x11223344);
  assert.deepEqual(sr.ntp, { seconds: 0xe8d4a510, fraction: 0x80000000 });
  assert.equal(sr.rtpTimestamp, 128000);
  assert.equal(sr.packetCount, 50);
  assert.equal(sr.octetCount, 8000);
  assert.deepEqual(sr.reports, [{
    ssrc: 0x55667788, fractionLost: 0x19, cumulativeLost: -2, extendedHighestSeq: 0x1000a,
    jitter: 80, lsr: 0xa5108000, dlsr: 0x8000,
  }]);
  assert.ok(sdes?.type === 'sdes');
  assert.deepEqual(sdes.chunks, [{ ssrc: 0x11223344, items: [{ type: 1, value: 'alice@host' }] }]);
  assert.equal(findCname(packets), 'alice@host');
  assert.ok(bye?.type === 'bye');
  assert.deepEqual(bye.ssrcs, [0x11223344]);
  assert.equal(bye.reason, 'leav');
  assert.deepEqual(serializeRtcp(packets), COMPOUND);
  assert.equal(looksLikeRtcp(COMPOUND), true);
});

test('RTCP RR round trip with two report blocks and an empty RR', () => {
  const packets: RtcpPacket[] = [
    { type: 'rr', ssrc: 1, reports: [
      { ssrc: 2, fractionLost: 255, cumulativeLost: 0x7fffff, extendedHighestSeq: 0xffffffff, jitter: 1, lsr: 0, dlsr: 0 },
      { ssrc: 3, fractionLost: 0, cumulativeLost: -0x800000, extendedHighestSeq: 0, jitter: 0xffffffff, lsr: 1, dlsr: 2 },
    ] },
    { type: 'rr', ssrc: 4, reports: [] },
    { type: 'sdes', chunks: [{ ssrc: 1, items: [{ type: 1, value: 'abcd' }, { type: 2, value: '会议' }] }, { ssrc: 9, items: [] }] },
    { type: 'bye', ssrcs: [1, 2] },
    { type: 'other', packetType: 204, count: 3, body: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
  const wire = serializeRtcp(packets);
  assert.equal(wire.length % 4, 0);
  assert.deepEqual(parseRtcp(wire), packets);
});

test('RTCP padding on the last packet is removed (A.2)', () => {
  const rr = serializeRtcp([{ type: 'rr', ssrc: 7, reports: [] }]);
  const padded = Buffer.concat([rr, hex('00000004')]);
  padded[0] = 0xa0; padded.writeUInt16BE(2, 2); // P=1, length 2 (12 bytes)
  assert.deepEqual(parseRtcp(padded), [{ type: 'rr', ssrc: 7, reports: [] }]);
});

const invalid: Array<[string, string]> = [
  ['empty', ''],
  ['3 bytes', '80c900'],
  ['version 1', '40c90001 00000001'],
  ['length beyond datagram', '80c90005 00000001'],
  ['SR shorter than sender info', '80c80001 00000001'],
  ['RR with RC=1 but no block', '81c90001 00000001'],
  ['compound starting with SDES (§6.1)', '81ca0002 00000001 00000000'],
  ['padding on a packet that is not last', 'a0c90001 00000001 80c90001 00000002'],
  ['padding count zero', 'a0c90002 00000001 00000000'],
  ['SDES item beyond packet', '80c90001 00000001 81ca0002 00000001 0120aaaa'],
  ['SDES chunk without null item', '80c90001 00000001 81ca0002 00000001 0102aaaa'],
  ['BYE reason beyond packet', '80c90001 00000001 81cb0002 00000001 09414243'],
  ['BYE with SC=2 and one SSRC', '80c90001 00000001 82cb0001 00000001'],
];
for (const [name, bytes] of invalid) {
  test(`RTCP parse rejects ${name} with ParseError`, () => {
    assert.throws(() => parseRtcp(hex(bytes)), ParseError);
  });
}

test('RTCP parse of every truncation of a valid compound throws ParseError, except at packet boundaries', () => {
  const boundaries = new Set([52, 76]);
  for (let n = 0; n < COMPOUND.length; n++) {
    if (boundaries.has(n)) assert.equal(parseRtcp(COMPOUND.subarray(0, n)).length, n === 52 ? 1 : 2);
    else assert.throws(() => parseRtcp(COMPOUND.subarray(0, n)), ParseError, `length ${n}`);
  }
});

test('§6.4.1: NTP conversion, middle 32 bits and RTT from LSR/DLSR', () => {
  const ntp = ntpFromMs(1_700_000_000_250);
  assert.equal(ntp.seconds, 1_700_000_000 + 2208988800);
  assert.equal(ntp.fraction, 2 ** 30);
  assert.equal(ntpMiddle32({ seconds: 0x1234abcd, fraction: 0x5678ffff }), 0xabcd5678);
  // SR sent at t=10 000 ms, held 150 ms by the peer, report back at t=10 230 ms → RTT 80 ms.
  const lsr = ntpMiddle32(ntpFromMs(10_000));
  const a = ntpMiddle32(ntpFromMs(10_230));
  const rtt = roundTripMs(a, lsr, msToShortNtp(150));
  assert.ok(rtt !== undefined && Math.abs(rtt - 80) < 0.1, `rtt ${rtt}`);
  assert.equal(roundTripMs(a, 0, 0), undefined, 'no SR reflected yet');
  assert.equal(roundTripMs(lsr, lsr, 100), undefined, 'negative RTT');
  // Across the 16-bit wrap of the seconds field in the middle 32 bits.
  const wrapMs = (65536 - 2208988800 % 65536) * 1000 + 65536000 * 1000 - 20;
  const rtt2 = roundTripMs(ntpMiddle32(ntpFromMs(wrapMs + 60)), ntpMiddle32(ntpFromMs(wrapMs)), msToShortNtp(10));
  assert.ok(rtt2 !== undefined && Math.abs(rtt2 - 50) < 0.1, `rtt across wrap ${rtt2}`);
});

test('A.3: fraction lost and cumulative lost', () => {
  assert.equal(fractionLost(100, 75), 64);
  assert.equal(fractionLost(100, 100), 0);
  assert.equal(fractionLost(100, 102), 0, 'duplicates: no negative fraction');
  assert.equal(fractionLost(0, 0), 0);
  assert.equal(fractionLost(1, 0), 255);
  assert.equal(cumulativeLost(10, 12), -2);
  assert.equal(cumulativeLost(2 ** 30, 0), 0x7fffff);
});

test('A.8: jitter converges to the mean absolute transit difference', () => {
  let j = 0;
  for (let i = 0; i < 500; i++) j = nextJitter(j, i % 2 === 0 ? 40 : -40);
  assert.ok(Math.abs(j - 40) < 0.01);
});

// ------------------------------------------------------------------ RtcpStats

function feed(stats: RtcpStats, seqs: number[], opts: { startSeq?: number; jitterMs?: (n: number) => number } = {}): void {
  const { startSeq = 0, jitterMs = () => 0 } = opts;
  for (const n of seqs) {
    const seq = (startSeq + n) & 0xffff;
    stats.onRtp(seq, (n * 160) >>> 0, n * 20 + jitterMs(n));
  }
}

test('RtcpStats A.1: probation, then expected/lost/extended highest without loss', () => {
  const s = new RtcpStats();
  assert.equal(s.onRtp(100, 0, 0), false, 'first packet is on probation');
  assert.equal(s.valid, false);
  for (let n = 1; n < 50; n++) s.onRtp(100 + n, n * 160, n * 20);
  assert.equal(s.valid, true);
  assert.equal(s.extendedHighestSeq, 149);
  assert.equal(s.expected, 49);
  assert.equal(s.received, 49);
  assert.equal(s.lost, 0);
  assert.equal(s.jitter, 0);
});

test('RtcpStats A.3: loss counted and fraction lost per report interval', () => {
  const s = new RtcpStats();
  const seqs = [...Array(100).keys()].filter((n) => n < 2 || n % 10 !== 5); // lose 10: 5, 15, … 95
  feed(s, seqs);
  assert.equal(s.expected, 99); // base is seq 1, after probation
  assert.equal(s.lost, 10);
  const block = s.reportBlock(0xabc, 2000);
  assert.equal(block.ssrc, 0xabc);
  assert.equal(block.cumulativeLost, 10);
  assert.equal(block.fractionLost, Math.floor((10 * 256) / 99));
  assert.equal(block.lsr, 0);
  assert.equal(block.dlsr, 0);
  feed(s, [100, 101, 102, 103]);
  assert.equal(s.reportBlock(0xabc, 2100).fractionLost, 0, 'no loss in the second interval');
});

test('RtcpStats A.1: sequence wrap-around counts a cycle', () => {
  const s = new RtcpStats();
  feed(s, [...Array(40).keys()], { startSeq: 65520 });
  assert.equal(s.extendedHighestSeq, 65536 + ((65520 + 39) & 0xffff));
  assert.equal(s.lost, 0);
  assert.equal(s.reportBlock(1, 0).extendedHighestSeq, 0x10000 + 23);
});

test('RtcpStats A.1: reordered and duplicate packets do not move the highest sequence; duplicates make loss negative', () => {
  const s = new RtcpStats();
  feed(s, [0, 1, 2, 4, 3, 5, 5, 5]);
  assert.equal(s.extendedHighestSeq, 5);
  assert.equal(s.lost, -2);
});

test('RtcpStats A.1: a large jump is accepted only when the next packet follows it', () => {
  const s = new RtcpStats();
  feed(s, [0, 1, 2, 3]);
  assert.equal(s.onRtp(40000, 0, 100), false);
  assert.equal(s.extendedHighestSeq, 3);
  assert.equal(s.onRtp(40001, 160, 120), true, 'restart confirmed');
  assert.equal(s.extendedHighestSeq, 40001);
});

test('RtcpStats A.8: jitter in timestamp units and ms for alternating ±10 ms arrival error', () => {
  const s = new RtcpStats();
  feed(s, [...Array(400).keys()], { jitterMs: (n) => (n % 2 === 0 ? 10 : 0) });
  // |D| = 10 ms = 80 timestamp units every packet.
  assert.ok(Math.abs(s.jitter - 80) < 1, `jitter ${s.jitter}`);
  assert.ok(Math.abs(s.jitterMs - 10) < 0.1);
});

test('RtcpStats A.8: jitter unaffected by RTP timestamp wrap', () => {
  const s = new RtcpStats();
  for (let n = 0; n < 100; n++) s.onRtp(n, (2 ** 32 - 50 * 160 + n * 160) >>> 0, n * 20);
  assert.ok(s.jitter < 1e-6, `jitter ${s.jitter}`);
});

test('RtcpStats §6.4.1: LSR/DLSR from the last SR received', () => {
  const s = new RtcpStats();
  feed(s, [0, 1, 2]);
  const ntp = ntpFromMs(5000);
  s.onSenderReport(ntp, 5000);
  const block = s.reportBlock(1, 5250);
  assert.equal(block.lsr, ntpMiddle32(ntp));
  assert.equal(block.dlsr, msToShortNtp(250));
});
