// RTP data packets (RFC 3550 §5.1): parse and serialise.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           timestamp                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           synchronization source (SSRC) identifier            |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |            contributing source (CSRC) identifiers             |
// |                             ....                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      defined by profile       |           length              |   (X = 1, §5.3.1;
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+    length in 32-bit words)
// |                        header extension                       |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                       payload  ...  | padding ... | pad count |   (P = 1)
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
import { ParseError } from '../../common/errors.ts';

export const RTP_VERSION = 2;
export const RTP_HEADER_SIZE = 12;

export interface RtpHeaderExtension {
  /** The 16 "defined by profile" bits (0xBEDE for RFC 8285 one-byte headers). */
  profile: number;
  /** Extension body, a multiple of 4 bytes. */
  data: Uint8Array;
}

export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  /** 16-bit sequence number. */
  seq: number;
  /** 32-bit timestamp (unsigned). */
  timestamp: number;
  /** 32-bit SSRC (unsigned). */
  ssrc: number;
  /** Contributing sources, at most 15. */
  csrc: number[];
  extension?: RtpHeaderExtension;
  /** Parsed packets: a view into the datagram (no copy). */
  payload: Uint8Array;
  /** Number of padding bytes including the count octet (0 = no padding). */
  paddingLength: number;
}

/** True when the first byte carries RTP version 2 (cheap demultiplexing test). */
export function looksLikeRtp(buf: Uint8Array): boolean {
  return buf.length >= RTP_HEADER_SIZE && buf[0]! >> 6 === RTP_VERSION;
}

/** Parses one RTP packet; throws ParseError on anything malformed or truncated. */
export function parseRtp(buf: Uint8Array): RtpPacket {
  if (buf.length < RTP_HEADER_SIZE) throw new ParseError(`RTP packet too short: ${buf.length} bytes`, 0);
  const b0 = buf[0]!, b1 = buf[1]!;
  const version = b0 >> 6;
  if (version !== RTP_VERSION) throw new ParseError(`RTP version ${version}, expected 2`, 0);
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let offset = RTP_HEADER_SIZE;
  if (buf.length < offset + csrcCount * 4) throw new ParseError(`RTP CSRC list truncated (CC=${csrcCount})`, offset);
  const csrc: number[] = [];
  for (let i = 0; i < csrcCount; i++, offset += 4) csrc.push(view.getUint32(offset));
  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    if (buf.length < offset + 4) throw new ParseError('RTP header extension truncated', offset);
    const profile = view.getUint16(offset);
    const words = view.getUint16(offset + 2);
    const start = offset + 4;
    if (buf.length < start + words * 4) throw new ParseError(`RTP header extension of ${words} words truncated`, offset);
    extension = { profile, data: buf.subarray(start, start + words * 4) };
    offset = start + words * 4;
  }
  let end = buf.length;
  let paddingLength = 0;
  if (hasPadding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included.
    paddingLength = buf[buf.length - 1]!;
    if (paddingLength === 0) throw new ParseError('RTP padding count is zero', buf.length - 1);
    if (offset + paddingLength > buf.length) throw new ParseError(`RTP padding of ${paddingLength} exceeds packet`, buf.length - 1);
    end -= paddingLength;
  }
  const packet: RtpPacket = {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    seq: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrc,
    payload: buf.subarray(offset, end),
    paddingLength,
  };
  if (extension) packet.extension = extension;
  return packet;
}

/** Size in bytes of the serialised packet. */
export function rtpPacketSize(p: RtpPacket): number {
  return RTP_HEADER_SIZE + p.csrc.length * 4 + (p.extension ? 4 + p.extension.data.length : 0)
    + p.payload.length + p.paddingLength;
}

/** Serialises a packet; padding bytes are zero with the count in the last octet. */
export function serializeRtp(p: RtpPacket): Buffer {
  const out = Buffer.alloc(rtpPacketSize(p));
  writeRtp(p, out);
  return out;
}

/** Serialises into `out` (for reused send buffers); returns the number of bytes written. */
/**
 * Writes the 12-byte fixed header of a packet without CSRCs, extension or
 * padding (what we send), byte by byte: the per-packet path of a media tick.
 */
export function writeRtpHeader(out: Uint8Array, marker: boolean, payloadType: number, seq: number, timestamp: number, ssrc: number): void {
  out[0] = RTP_VERSION << 6;
  out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  out[2] = (seq >>> 8) & 0xff;
  out[3] = seq & 0xff;
  out[4] = timestamp >>> 24;
  out[5] = (timestamp >>> 16) & 0xff;
  out[6] = (timestamp >>> 8) & 0xff;
  out[7] = timestamp & 0xff;
  out[8] = ssrc >>> 24;
  out[9] = (ssrc >>> 16) & 0xff;
  out[10] = (ssrc >>> 8) & 0xff;
  out[11] = ssrc & 0xff;
}

export function writeRtp(p: RtpPacket, out: Uint8Array): number {
  if (p.csrc.length > 15) throw new RangeError(`RTP allows at most 15 CSRCs, got ${p.csrc.length}`);
  if (p.payloadType < 0 || p.payloadType > 127) throw new RangeError(`RTP payload type ${p.payloadType} out of range`);
  if (p.paddingLength < 0 || p.paddingLength > 255) throw new RangeError(`RTP padding ${p.paddingLength} out of range`);
  if (p.extension && (p.extension.data.length % 4 !== 0 || p.extension.data.length > 0xffff * 4)) {
    throw new RangeError('RTP header extension must be a multiple of 4 bytes');
  }
  const size = rtpPacketSize(p);
  if (out.length < size) throw new RangeError(`RTP buffer holds ${out.length} bytes, need ${size}`);
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = (RTP_VERSION << 6) | (p.paddingLength > 0 ? 0x20 : 0) | (p.extension ? 0x10 : 0) | p.csrc.length;
  out[1] = (p.marker ? 0x80 : 0) | p.payloadType;
  view.setUint16(2, p.seq & 0xffff);
  view.setUint32(4, p.timestamp >>> 0);
  view.setUint32(8, p.ssrc >>> 0);
  let offset = RTP_HEADER_SIZE;
  for (const c of p.csrc) { view.setUint32(offset, c >>> 0); offset += 4; }
  if (p.extension) {
    view.setUint16(offset, p.extension.profile & 0xffff);
    view.setUint16(offset + 2, p.extension.data.length / 4);
    out.set(p.extension.data, offset + 4);
    offset += 4 + p.extension.data.length;
  }
  out.set(p.payload, offset);
  offset += p.payload.length;
  if (p.paddingLength > 0) {
    out.fill(0, offset, offset + p.paddingLength - 1);
    out[offset + p.paddingLength - 1] = p.paddingLength;
    offset += p.paddingLength;
  }
  return offset;
}
