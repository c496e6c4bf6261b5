// Fuzz target: RTP data packets (bridge/rtp/rtp-packet.ts, RFC 3550 §5.1).
// Seeds: what the bridge sends (fixed 12-byte header + 160 bytes of G.711)
// and packets with CSRCs, an RFC 8285 one-byte extension and padding.
// Structure: packets serialised from generated headers with 0–15 CSRCs,
// extensions of 0–8 words and 0–255 bytes of padding.
// Property: parseRtp returns a packet or throws ParseError; the payload is
// a view inside the datagram, and header + CSRCs + extension + payload +
// padding add up to the datagram; the packet serialises and parses back to
// the same packet.
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { ParseError } from '../../../common/errors.ts';
import { RTP_HEADER_SIZE, parseRtp, serializeRtp, type RtpPacket } from '../../../bridge/rtp/rtp-packet.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const packet: fc.Arbitrary<RtpPacket> = fc.record({
  marker: fc.boolean(),
  payloadType: fc.integer({ min: 0, max: 127 }),
  seq: fc.integer({ min: 0, max: 0xffff }),
  timestamp: fc.nat().map((n) => (n * 2) >>> 0),
  ssrc: fc.nat().map((n) => (n * 3) >>> 0),
  csrc: fc.array(fc.nat().map((n) => n >>> 0), { maxLength: 15 }),
  extension: fc.option(fc.record({ profile: fc.integer({ min: 0, max: 0xffff }), data: fc.integer({ min: 0, max: 8 }).chain((w) => fc.uint8Array({ minLength: w * 4, maxLength: w * 4 })) }), { nil: undefined }),
  payload: fc.uint8Array({ maxLength: 320 }),
  paddingLength: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
}).map((p) => {
  if (p.extension === undefined) delete (p as Partial<RtpPacket>).extension;
  return p;
});

function seedPackets(): Buffer[] {
  const g711 = new Uint8Array(160).fill(0xff);
  return [
    serializeRtp({ marker: false, payloadType: 0, seq: 1, timestamp: 160, ssrc: 0x1234, csrc: [], payload: g711, paddingLength: 0 }),
    serializeRtp({ marker: true, payloadType: 101, seq: 65535, timestamp: 0xffffff00, ssrc: 0xdeadbeef, csrc: [], payload: Uint8Array.of(5, 0x0a, 0, 160), paddingLength: 0 }),
    serializeRtp({ marker: false, payloadType: 8, seq: 7, timestamp: 1, ssrc: 2, csrc: [3, 4, 5], extension: { profile: 0xbede, data: Uint8Array.of(0x10, 0xaa, 0, 0) }, payload: g711, paddingLength: 4 }),
  ];
}

function run(input: Buffer): void {
  const p = parseRtp(input);
  const ext = p.extension ? 4 + p.extension.data.length : 0;
  if (RTP_HEADER_SIZE + p.csrc.length * 4 + ext + p.payload.length + p.paddingLength !== input.length) {
    throw new InvariantError('the parts of the packet do not add up to the datagram');
  }
  if (p.payload.buffer !== input.buffer || p.payload.byteOffset < input.byteOffset || p.payload.byteOffset + p.payload.length > input.byteOffset + input.length) {
    throw new InvariantError('the payload is not a view inside the datagram');
  }
  if (p.csrc.length > 15 || p.payloadType > 127 || p.seq > 0xffff) throw new InvariantError('a header field out of its range');
  let again: RtpPacket;
  try {
    again = parseRtp(serializeRtp(p));
  } catch (err) {
    throw new InvariantError(`an accepted packet does not serialise and parse back: ${String(err)}`);
  }
  if (!isDeepStrictEqual(again, p)) throw new InvariantError('parse → serialise → parse changed the packet');
}

export const rtpTarget: FuzzTarget = {
  name: 'rtp',
  seeds: seedPackets(),
  structured: packet.map((p) => serializeRtp(p)),
  dictionary: ['\x80', '\x90', '\xa0', '\xbf', '\xff', '\x00', '\xbe\xde', '\xff\xff', '\x00\x00\x00\x00'],
  expected: (err) => err instanceof ParseError,
  run,
};
