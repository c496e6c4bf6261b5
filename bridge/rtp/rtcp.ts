// RTCP compound packets (RFC 3550 §6): SR, RR, SDES, BYE (APP and others kept raw).
//
// Common header and SR (§6.4.1); RR (§6.4.2) is the same without sender info:
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|    RC   |   PT=SR=200   |   length (32-bit words − 1)   |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                         SSRC of sender                        |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |       NTP timestamp, most significant word (seconds)          |
// |       NTP timestamp, least significant word (fraction)        |
// |                         RTP timestamp                         |
// |                     sender's packet count                     |
// |                      sender's octet count                     |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |                 SSRC_1 (SSRC of first source)                 |  report block,
// | fraction lost |       cumulative number of packets lost       |  RC times
// |           extended highest sequence number received           |
// |                      interarrival jitter                      |
// |                         last SR (LSR)                         |
// |                   delay since last SR (DLSR)                  |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// SDES (§6.5): header with SC, then per chunk: SSRC, items (type, length,
// text), a null item and zero padding to 32 bits.
// BYE (§6.6): header with SC, SC × SSRC, optional reason (length, text, padding).
import { ParseError } from '../../common/errors.ts';

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;
export const SDES_CNAME = 1;

export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the previous report, fixed point /256 (0–255). */
  fractionLost: number;
  /** Cumulative packets lost (signed 24-bit: duplicates can make it negative). */
  cumulativeLost: number;
  extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (0 = none). */
  lsr: number;
  /** Delay since that SR in 1/65536 s. */
  dlsr: number;
}

export interface NtpTime { seconds: number; fraction: number }

export interface SenderReport {
  type: 'sr'; ssrc: number; ntp: NtpTime; rtpTimestamp: number;
  packetCount: number; octetCount: number; reports: ReportBlock[];
}
export interface ReceiverReport { type: 'rr'; ssrc: number; reports: ReportBlock[] }
export interface SdesItem { type: number; value: string }
export interface SdesChunk { ssrc: number; items: SdesItem[] }
export interface SourceDescription { type: 'sdes'; chunks: SdesChunk[] }
export interface Goodbye { type: 'bye'; ssrcs: number[]; reason?: string }
/** APP, RTPFB, PSFB, XR …: kept as the header fields and raw body. */
export interface OtherRtcp { type: 'other'; packetType: number; count: number; body: Uint8Array }
export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | OtherRtcp;

const REPORT_BLOCK_SIZE = 24;
/**
 * The most packets read from one compound. A compound is an SR or RR, an
 * SDES and a few more (§6.1); a 64 kB datagram of 4-byte packets took tens
 * of milliseconds to read (found by fuzzing: test/fixtures/fuzz/rtcp/).
 */
export const MAX_COMPOUND_PACKETS = 64;

/** True when the second byte is an RTCP packet type (RFC 5761 §4 demultiplexing: 192–223). */
export function looksLikeRtcp(buf: Uint8Array): boolean {
  return buf.length >= 8 && buf[0]! >> 6 === 2 && buf[1]! >= 192 && buf[1]! <= 223;
}

export interface ParseRtcpOptions {
  /** RFC 3550 §6.1/A.2: a compound packet starts with SR or RR. Default true. */
  requireReportFirst?: boolean;
}

/** Parses a compound RTCP packet; throws ParseError when any part is malformed. */
export function parseRtcp(buf: Uint8Array, opts: ParseRtcpOptions = {}): RtcpPacket[] {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const packets: RtcpPacket[] = [];
  let offset = 0;
  if (buf.length < 4) throw new ParseError(`RTCP packet too short: ${buf.length} bytes`, 0);
  while (offset < buf.length) {
    if (packets.length === MAX_COMPOUND_PACKETS) throw new ParseError(`RTCP compound of more than ${MAX_COMPOUND_PACKETS} packets`, offset);
    if (buf.length - offset < 4) throw new ParseError('RTCP header truncated', offset);
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) throw new ParseError(`RTCP version ${b0 >> 6}, expected 2`, offset);
    const count = b0 & 0x1f;
    const packetType = buf[offset + 1]!;
    const size = (view.getUint16(offset + 2) + 1) * 4;
    if (offset + size > buf.length) throw new ParseError(`RTCP packet of ${size} bytes exceeds datagram`, offset);
    let end = offset + size;
    if (b0 & 0x20) {
      // A.2: only the last packet of a compound may be padded.
      if (end !== buf.length) throw new ParseError('RTCP padding on a packet that is not last', offset);
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > size - 4) throw new ParseError(`RTCP padding of ${pad} invalid`, end - 1);
      end -= pad;
    }
    packets.push(parseOne(buf.subarray(offset, end), view, offset, packetType, count));
    offset += size;
  }
  const first = packets[0]!;
  if ((opts.requireReportFirst ?? true) && first.type !== 'sr' && first.type !== 'rr') {
    throw new ParseError('RTCP compound packet does not start with SR or RR', 0);
  }
  return packets;
}

function parseOne(pkt: Uint8Array, view: DataView, base: number, packetType: number, count: number): RtcpPacket {
  const need = (n: number, what: string): void => {
    if (pkt.length < n) throw new ParseError(`RTCP ${what} truncated`, base);
  };
  switch (packetType) {
    case RTCP_SR: {
      need(28 + count * REPORT_BLOCK_SIZE, 'SR');
      return {
        type: 'sr',
        ssrc: view.getUint32(base + 4),
        ntp: { seconds: view.getUint32(base + 8), fraction: view.getUint32(base + 12) },
        rtpTimestamp: view.getUint32(base + 16),
        packetCount: view.getUint32(base + 20),
        octetCount: view.getUint32(base + 24),
        reports: parseReportBlocks(view, base + 28, count),
      };
    }
    case RTCP_RR:
      need(8 + count * REPORT_BLOCK_SIZE, 'RR');
      return { type: 'rr', ssrc: view.getUint32(base + 4), reports: parseReportBlocks(view, base + 8, count) };
    case RTCP_SDES:
      return { type: 'sdes', chunks: parseSdesChunks(pkt, view, base, count) };
    case RTCP_BYE: {
      need(4 + count * 4, 'BYE');
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(view.getUint32(base + 4 + i * 4));
      const bye: Goodbye = { type: 'bye', ssrcs };
      const r = 4 + count * 4;
      if (pkt.length > r) {
        const len = pkt[r]!;
        if (pkt.length < r + 1 + len) throw new ParseError('RTCP BYE reason truncated', base + r);
        bye.reason = Buffer.from(pkt.subarray(r + 1, r + 1 + len)).toString('utf8');
      }
      return bye;
    }
    default:
      return { type: 'other', packetType, count, body: pkt.subarray(4) };
  }
}

function parseReportBlocks(view: DataView, offset: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = [];
  for (let i = 0; i < count; i++, offset += REPORT_BLOCK_SIZE) {
    const lostWord = view.getUint32(offset + 4);
    const lost24 = lostWord & 0xffffff;
    blocks.push({
      ssrc: view.getUint32(offset),
      fractionLost: lostWord >>> 24,
      cumulativeLost: lost24 & 0x800000 ? lost24 - 0x1000000 : lost24,
      extendedHighestSeq: view.getUint32(offset + 8),
      jitter: view.getUint32(offset + 12),
      lsr: view.getUint32(offset + 16),
      dlsr: view.getUint32(offset + 20),
    });
  }
  return blocks;
}

function parseSdesChunks(pkt: Uint8Array, view: DataView, base: number, count: number): SdesChunk[] {
  const chunks: SdesChunk[] = [];
  let o = 4;
  for (let c = 0; c < count; c++) {
    if (pkt.length < o + 4) throw new ParseError('RTCP SDES chunk truncated', base + o);
    const chunk: SdesChunk = { ssrc: view.getUint32(base + o), items: [] };
    o += 4;
    for (;;) {
      if (o >= pkt.length) throw new ParseError('RTCP SDES chunk lacks its null item', base + o);
      const itemType = pkt[o]!;
      if (itemType === 0) break;
      if (pkt.length < o + 2) throw new ParseError('RTCP SDES item truncated', base + o);
      const len = pkt[o + 1]!;
      if (pkt.length < o + 2 + len) throw new ParseError('RTCP SDES item text truncated', base + o);
      chunk.items.push({ type: itemType, value: Buffer.from(pkt.subarray(o + 2, o + 2 + len)).toString('utf8') });
      o += 2 + len;
    }
    // §6.5: the null item(s) pad the chunk to the next 32-bit boundary.
    o = (o + 4) & ~3;
    if (o > pkt.length) throw new ParseError('RTCP SDES chunk padding truncated', base + o);
    chunks.push(chunk);
  }
  return chunks;
}

/** The CNAME of the first SDES chunk that has one. */
export function findCname(packets: readonly RtcpPacket[]): string | undefined {
  for (const p of packets) {
    if (p.type !== 'sdes') continue;
    for (const chunk of p.chunks) for (const item of chunk.items) if (item.type === SDES_CNAME) return item.value;
  }
  return undefined;
}

// ---------------------------------------------------------------- serialise

/** Serialises a compound packet (no padding). */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  return Buffer.concat(packets.map(serializeOne));
}

function header(buf: Buffer, count: number, packetType: number): void {
  if (count > 31) throw new RangeError(`RTCP count ${count} exceeds 31`);
  buf[0] = 0x80 | count;
  buf[1] = packetType;
  buf.writeUInt16BE(buf.length / 4 - 1, 2);
}

function serializeOne(p: RtcpPacket): Buffer {
  switch (p.type) {
    case 'sr': {
      const buf = Buffer.alloc(28 + p.reports.length * REPORT_BLOCK_SIZE);
      header(buf, p.reports.length, RTCP_SR);
      buf.writeUInt32BE(p.ssrc >>> 0, 4);
      buf.writeUInt32BE(p.ntp.seconds >>> 0, 8);
      buf.writeUInt32BE(p.ntp.fraction >>> 0, 12);
      buf.writeUInt32BE(p.rtpTimestamp >>> 0, 16);
      buf.writeUInt32BE(p.packetCount >>> 0, 20);
      buf.writeUInt32BE(p.octetCount >>> 0, 24);
      writeReportBlocks(buf, 28, p.reports);
      return buf;
    }
    case 'rr': {
      const buf = Buffer.alloc(8 + p.reports.length * REPORT_BLOCK_SIZE);
      header(buf, p.reports.length, RTCP_RR);
      buf.writeUInt32BE(p.ssrc >>> 0, 4);
      writeReportBlocks(buf, 8, p.reports);
      return buf;
    }
    case 'sdes': {
      const parts: Buffer[] = [];
      for (const chunk of p.chunks) {
        const items = chunk.items.map((item) => {
          const text = Buffer.from(item.value, 'utf8');
          if (text.length > 255) throw new RangeError('SDES item longer than 255 bytes');
          return Buffer.concat([Buffer.from([item.type, text.length]), text]);
        });
        const body = Buffer.concat(items);
        const size = (4 + body.length + 4) & ~3; // at least one null octet, then 32-bit aligned
        const c = Buffer.alloc(size);
        c.writeUInt32BE(chunk.ssrc >>> 0, 0);
        body.copy(c, 4);
        parts.push(c);
      }
      const buf = Buffer.concat([Buffer.alloc(4), ...parts]);
      header(buf, p.chunks.length, RTCP_SDES);
      return buf;
    }
    case 'bye': {
      const reason = p.reason === undefined ? undefined : Buffer.from(p.reason, 'utf8');
      if (reason && reason.length > 255) throw new RangeError('BYE reason longer than 255 bytes');
      const raw = 4 + p.ssrcs.length * 4 + (reason ? 1 + reason.length : 0);
      const buf = Buffer.alloc((raw + 3) & ~3);
      header(buf, p.ssrcs.length, RTCP_BYE);
      p.ssrcs.forEach((s, i) => buf.writeUInt32BE(s >>> 0, 4 + i * 4));
      if (reason) {
        buf[4 + p.ssrcs.length * 4] = reason.length;
        reason.copy(buf, 5 + p.ssrcs.length * 4);
      }
      return buf;
    }
    case 'other': {
      if (p.body.length % 4 !== 0) throw new RangeError('RTCP body must be a multiple of 4 bytes');
      const buf = Buffer.alloc(4 + p.body.length);
      header(buf, p.count, p.packetType);
      buf.set(p.body, 4);
      return buf;
    }
  }
}

function writeReportBlocks(buf: Buffer, offset: number, reports: readonly ReportBlock[]): void {
  for (const r of reports) {
    buf.writeUInt32BE(r.ssrc >>> 0, offset);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, r.cumulativeLost)) & 0xffffff;
    buf.writeUInt32BE((((r.fractionLost & 0xff) << 24) | lost) >>> 0, offset + 4);
    buf.writeUInt32BE(r.extendedHighestSeq >>> 0, offset + 8);
    buf.writeUInt32BE(r.jitter >>> 0, offset + 12);
    buf.writeUInt32BE(r.lsr >>> 0, offset + 16);
    buf.writeUInt32BE(r.dlsr >>> 0, offset + 20);
    offset += REPORT_BLOCK_SIZE;
  }
}

// ---------------------------------------------------------------- arithmetic (§6.4.1, A.3, A.8)

/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2208988800;

/** Wall-clock milliseconds (Unix epoch) → 64-bit NTP timestamp. */
export function ntpFromMs(ms: number): NtpTime {
  const totalSeconds = ms / 1000 + NTP_UNIX_OFFSET_S;
  const seconds = Math.floor(totalSeconds);
  const fraction = Math.floor((totalSeconds - seconds) * 2 ** 32);
  return { seconds: seconds >>> 0, fraction: fraction >>> 0 };
}

/** §6.4.1: LSR is "the middle 32 bits out of 64 in the NTP timestamp". */
export function ntpMiddle32(ntp: NtpTime): number {
  return (((ntp.seconds & 0xffff) << 16) | (ntp.fraction >>> 16)) >>> 0;
}

/** Milliseconds → units of 1/65536 s (DLSR). */
export function msToShortNtp(ms: number): number {
  return Math.max(0, Math.round((ms * 65536) / 1000)) >>> 0;
}

/**
 * Round-trip time (§6.4.1): A − LSR − DLSR, with A the middle 32 bits of the
 * NTP time at which the report block arrived. Undefined when no SR was
 * reflected (LSR = 0) or the result is negative (clock trouble).
 */
export function roundTripMs(arrivalMiddle32: number, lsr: number, dlsr: number): number | undefined {
  if (lsr === 0) return undefined;
  const rtt = (arrivalMiddle32 - lsr - dlsr) | 0; // modulo 2^32, as a signed difference
  if (rtt < 0) return undefined;
  return (rtt * 1000) / 65536;
}

/** A.3: fraction lost in the interval, as the 8-bit fixed-point value of the report block. */
export function fractionLost(expectedInterval: number, receivedInterval: number): number {
  const lostInterval = expectedInterval - receivedInterval;
  if (expectedInterval === 0 || lostInterval <= 0) return 0;
  return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
}

/** A.3: cumulative lost = expected − received, clamped to the signed 24-bit field. */
export function cumulativeLost(expected: number, received: number): number {
  return Math.max(-0x800000, Math.min(0x7fffff, expected - received));
}

/**
 * A.8: one step of the interarrival jitter estimate,
 * J(i) = J(i−1) + (|D(i−1,i)| − J(i−1)) / 16, all in timestamp units.
 */
export function nextJitter(jitter: number, transitDelta: number): number {
  return jitter + (Math.abs(transitDelta) - jitter) / 16;
}
