// Fuzz target: RTCP compound packets (bridge/rtp/rtcp.ts, RFC 3550 §6).
// Seeds: what the bridge's reporter sends (RR + SDES CNAME), an SR with
// report blocks, a BYE with a reason, an APP packet, a padded compound.
// Structure: compounds serialised from generated SR, RR, SDES, BYE and
// other packets.
// Property: parseRtcp returns packets or throws ParseError (with and without
// the report-first rule); counts match their lists; what it returns
// serialises and parses back to the same packets, unless the serialiser
// refuses it with its documented RangeError (e.g. an odd-length body left by
// padding).
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ParseError } from '../../../common/errors.ts';
import { parseRtcp, serializeRtcp, type ReportBlock, type RtcpPacket } from '../../../bridge/rtp/rtcp.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const u32 = fc.nat().map((n) => (n * 2 + (n & 1)) >>> 0);
const block: fc.Arbitrary<ReportBlock> = fc.record({
  ssrc: u32, fractionLost: fc.integer({ min: 0, max: 255 }), cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  extendedHighestSeq: u32, jitter: u32, lsr: u32, dlsr: u32,
});
const blocks = fc.array(block, { maxLength: 4 });
const text = fc.string({ maxLength: 40 });
const rtcpPacket: fc.Arbitrary<RtcpPacket> = fc.oneof(
  fc.record({ type: fc.constant('sr' as const), ssrc: u32, ntp: fc.record({ seconds: u32, fraction: u32 }), rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports: blocks }),
  fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: blocks }),
  fc.record({ type: fc.constant('sdes' as const), chunks: fc.array(fc.record({ ssrc: u32, items: fc.array(fc.record({ type: fc.integer({ min: 1, max: 8 }), value: text }), { maxLength: 3 }) }), { maxLength: 3 }) }),
  fc.record({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 4 }), reason: fc.option(text, { nil: undefined }) })
    .map((b) => { if (b.reason === undefined) delete b.reason; return b; }),
  fc.record({ type: fc.constant('other' as const), packetType: fc.integer({ min: 204, max: 223 }), count: fc.integer({ min: 0, max: 31 }),
    body: fc.integer({ min: 0, max: 6 }).chain((w) => fc.uint8Array({ minLength: w * 4, maxLength: w * 4 })) }),
);
const compound = fc.tuple(fc.oneof(
  fc.record({ type: fc.constant('rr' as const), ssrc: u32, reports: blocks }),
  fc.record({ type: fc.constant('sr' as const), ssrc: u32, ntp: fc.record({ seconds: u32, fraction: u32 }), rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports: blocks }),
) as fc.Arbitrary<RtcpPacket>, fc.array(rtcpPacket, { maxLength: 3 })).map(([first, rest]) => serializeRtcp([first, ...rest]));

function seedPackets(): Buffer[] {
  const rr: RtcpPacket = { type: 'rr', ssrc: 0x1111, reports: [{ ssrc: 0x2222, fractionLost: 12, cumulativeLost: -3, extendedHighestSeq: 70000, jitter: 40, lsr: 0x12345678, dlsr: 65536 }] };
  const sdes: RtcpPacket = { type: 'sdes', chunks: [{ ssrc: 0x1111, items: [{ type: 1, value: 'bridge@127.0.0.1' }] }] };
  const sr: RtcpPacket = { type: 'sr', ssrc: 9, ntp: { seconds: 3900000000, fraction: 1 << 31 }, rtpTimestamp: 160, packetCount: 50, octetCount: 8000, reports: [] };
  const bye: RtcpPacket = { type: 'bye', ssrcs: [9, 10], reason: 'call ended' };
  const app: RtcpPacket = { type: 'other', packetType: 204, count: 1, body: Uint8Array.of(0, 0, 0, 9, 0x41, 0x42, 0x43, 0x44) };
  const padded = serializeRtcp([rr]);
  const withPad = Buffer.concat([padded, Buffer.from([0, 0, 0, 4])]);
  withPad[0]! |= 0x20;
  withPad.writeUInt16BE(withPad.length / 4 - 1, 2);
  return [serializeRtcp([rr, sdes]), serializeRtcp([sr, rr, sdes, bye]), serializeRtcp([rr, app]), withPad];
}

function check(packets: RtcpPacket[]): void {
  for (const p of packets) {
    if ((p.type === 'sr' || p.type === 'rr') && p.reports.length > 31) throw new InvariantError('more than 31 report blocks');
    if (p.type === 'sdes' && p.chunks.length > 31) throw new InvariantError('more than 31 SDES chunks');
    if (p.type === 'bye' && p.ssrcs.length > 31) throw new InvariantError('more than 31 BYE sources');
  }
  let wire: Buffer;
  try {
    wire = serializeRtcp(packets);
  } catch (err) {
    if (err instanceof RangeError) return; // the serialiser's documented refusal
    throw new InvariantError(`an accepted compound does not serialise: ${String(err)}`);
  }
  let again: RtcpPacket[];
  try {
    again = parseRtcp(wire, { requireReportFirst: false });
  } catch (err) {
    throw new InvariantError(`the serialised form of an accepted compound is rejected: ${String(err)}`);
  }
  if (!isDeepStrictEqual(again, packets)) throw new InvariantError('parse → serialise → parse changed the compound');
}

function run(input: Buffer): void {
  let strict: RtcpPacket[] | undefined;
  try {
    strict = parseRtcp(input);
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
  }
  const loose = parseRtcp(input, { requireReportFirst: false });
  if (strict && !isDeepStrictEqual(strict, loose)) throw new InvariantError('the report-first rule changed what was parsed');
  check(loose);
}

export const rtcpTarget: FuzzTarget = {
  name: 'rtcp',
  seeds: seedPackets(),
  structured: compound,
  dictionary: ['\x80', '\x81', '\xa0', '\xbf', '\xc8', '\xc9', '\xca', '\xcb', '\xcc', '\xff', '\x00', '\x00\x00', '\xff\xff'],
  expected: (err) => err instanceof ParseError,
  run,
};
