// The account logo check (issue 19): a logo is accepted only as PNG, JPEG
// or WebP, recognised by its own bytes (the name and the declared type are
// ignored), never SVG (an SVG is a document that can carry script), and only
// within bounds: at most 256 KB on the wire, at most 2048 px a side and
// 2 megapixels once decoded (a small file can declare a huge canvas — a
// decompression bomb for every mail client and browser that shows it). The
// headers are read with every length checked first; a file the structure
// does not hold together for (a truncated PNG, a JPEG without a frame
// header) is refused. Pure: bytes in, a verdict out.
//
// PNG (RFC 2083 §3.1, §4.1.1): signature 89 50 4E 47 0D 0A 1A 0A, then the
//   IHDR chunk first: length(4)=13 "IHDR" width(4) height(4) … CRC(4); the
//   file ends with the IEND chunk.
// JPEG (ITU T.81 §B.1.1): SOI FF D8, segments FF xx + length(2), a frame
//   header SOFn (FF C0–CF but C4, C8, CC) holding P(1) height(2) width(2),
//   before the scan (SOS FF DA); the file ends with EOI FF D9.
// WebP (RFC 9649 §2.5): "RIFF" size(4, LE) "WEBP", then a VP8 (lossy), VP8L
//   (lossless) or VP8X (extended) chunk carrying the canvas size.
export type LogoType = 'image/png' | 'image/jpeg' | 'image/webp';

export const LOGO_MAX_BYTES = 256 * 1024;
export const LOGO_MAX_SIDE = 2048;
export const LOGO_MAX_PIXELS = 2048 * 1024;

export interface LogoInfo {
  type: LogoType;
  width: number;
  height: number;
}

export type LogoRejection = 'empty' | 'too_large' | 'svg' | 'not_an_image' | 'malformed' | 'dimensions';

/** Why a file is not a logo; `reason` for callers to branch on, the message for people. */
export class LogoRejectedError extends Error {
  override readonly name = 'LogoRejectedError';
  constructor(readonly reason: LogoRejection, message: string) { super(message); }
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

/** Checks a logo file; throws LogoRejectedError with the reason. */
export function checkLogo(bytes: Buffer): LogoInfo {
  if (bytes.length === 0) throw new LogoRejectedError('empty', 'the logo file is empty');
  if (bytes.length > LOGO_MAX_BYTES) {
    throw new LogoRejectedError('too_large', `the logo is ${Math.ceil(bytes.length / 1024)} KB; at most ${LOGO_MAX_BYTES / 1024} KB`);
  }
  const info = sniff(bytes);
  if (info.width < 1 || info.height < 1 || info.width > LOGO_MAX_SIDE || info.height > LOGO_MAX_SIDE || info.width * info.height > LOGO_MAX_PIXELS) {
    throw new LogoRejectedError('dimensions',
      `the logo is ${info.width}×${info.height} px; at most ${LOGO_MAX_SIDE} px a side and ${LOGO_MAX_PIXELS / (1024 * 1024)} megapixels`);
  }
  return info;
}

function sniff(b: Buffer): LogoInfo {
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return png(b);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return jpeg(b);
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return webp(b);
  if (looksLikeSvg(b)) throw new LogoRejectedError('svg', 'SVG logos are not accepted (an SVG can carry script); use PNG, JPEG or WebP');
  throw new LogoRejectedError('not_an_image', 'the logo is not a PNG, JPEG or WebP image');
}

function looksLikeSvg(b: Buffer): boolean {
  const head = b.subarray(0, 1024).toString('utf8').replace(/^\uFEFF/, '').trimStart().toLowerCase();
  return head.startsWith('<svg') || (head.startsWith('<?xml') && head.includes('<svg')) || (head.startsWith('<!doctype svg'));
}

const malformed = (what: string): LogoRejectedError => new LogoRejectedError('malformed', `the logo is a damaged or incomplete ${what} file`);

function png(b: Buffer): LogoInfo {
  // RFC 2083 §4.1.1: IHDR must appear first, 13 bytes of data.
  if (b.length < 8 + 25 + IEND.length) throw malformed('PNG');
  if (b.readUInt32BE(8) !== 13 || b.toString('latin1', 12, 16) !== 'IHDR') throw malformed('PNG');
  if (!b.subarray(b.length - IEND.length).equals(IEND)) throw malformed('PNG');
  return { type: 'image/png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** SOFn markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC). */
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpeg(b: Buffer): LogoInfo {
  if (b[b.length - 2] !== 0xff || b[b.length - 1] !== 0xd9) throw malformed('JPEG');
  let i = 2;
  // Each pass moves past one segment (length ≥ 2), so the walk ends within b.length steps.
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) throw malformed('JPEG');
    const marker = b[i + 1]!;
    if (marker === 0xff) { i += 1; continue; } // fill byte (T.81 §B.1.1.2)
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) { i += 2; continue; } // no length
    if (marker === 0xda || marker === 0xd9) break; // scan or end before any frame header
    const len = b.readUInt16BE(i + 2);
    if (len < 2 || i + 2 + len > b.length) throw malformed('JPEG');
    if (isSof(marker)) {
      if (len < 7) throw malformed('JPEG');
      return { type: 'image/jpeg', height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    i += 2 + len;
  }
  throw malformed('JPEG');
}

function webp(b: Buffer): LogoInfo {
  // RFC 9649 §2.5: the RIFF size counts what follows it; the file is that long (an odd size is padded).
  const riffSize = b.readUInt32LE(4);
  if (riffSize + 8 !== b.length && riffSize + 9 !== b.length) throw malformed('WebP');
  if (b.length < 30) throw malformed('WebP');
  const fourcc = b.toString('latin1', 12, 16);
  const chunkSize = b.readUInt32LE(16);
  if (20 + chunkSize > b.length) throw malformed('WebP');
  if (fourcc === 'VP8 ') {
    // RFC 6386 §9.1: 3-byte frame tag, start code 9D 01 2A, then 14-bit width and height.
    if (b[23] !== 0x9d || b[24] !== 0x01 || b[25] !== 0x2a) throw malformed('WebP');
    return { type: 'image/webp', width: b.readUInt16LE(26) & 0x3fff, height: b.readUInt16LE(28) & 0x3fff };
  }
  if (fourcc === 'VP8L') {
    // RFC 9649 §3.2: signature 0x2F, then width−1 and height−1 in 14 bits each.
    if (b[20] !== 0x2f) throw malformed('WebP');
    const bits = b.readUInt32LE(21);
    return { type: 'image/webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (fourcc === 'VP8X') {
    // RFC 9649 §2.7: flags(4), canvas width−1 (24 bits LE), height−1 (24 bits LE).
    return { type: 'image/webp', width: b.readUIntLE(24, 3) + 1, height: b.readUIntLE(27, 3) + 1 };
  }
  throw malformed('WebP');
}
