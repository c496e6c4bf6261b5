// G.711 (ITU-T G.711, 11/88) µ-law and A-law by table look-up.
//
// Linear samples are 16-bit PCM. The decode tables hold the ITU reconstruction
// values scaled to 16 bits (µ-law: 14-bit × 4, A-law: 13-bit × 8); the encode
// tables cover all 65536 inputs, so a frame is one indexed read per sample.
// The encoder follows the classic Sun/CCITT reference (g711.c): decision
// intervals per G.711 Table 1a/2a, the reconstruction value being the middle
// of the interval (so the quantisation error is at most half a step).

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

function ulawByteToLinear(code: number): number {
  const u = ~code & 0xff;
  const exponent = (u >> 4) & 0x07;
  const mantissa = u & 0x0f;
  const magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
  return u & 0x80 ? -magnitude : magnitude;
}

function linearToUlawByte(sample: number): number {
  let s = sample;
  const sign = s < 0 ? 0x80 : 0;
  if (s < 0) s = -s;
  if (s > ULAW_CLIP) s = ULAW_CLIP;
  s += ULAW_BIAS;
  let exponent = 7;
  for (let mask = 0x4000; (s & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

function alawByteToLinear(code: number): number {
  const a = code ^ 0x55; // G.711 §2: even bits inverted on the line
  const segment = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (segment === 0) t += 8;
  else {
    t += 0x108;
    if (segment > 1) t <<= segment - 1;
  }
  return a & 0x80 ? t : -t;
}

function linearToAlawByte(sample: number): number {
  let s = sample;
  let mask: number;
  if (s >= 0) mask = 0xd5;
  else {
    mask = 0x55;
    s = -s - 1;
  }
  s >>= 3; // 13-bit magnitude
  let segment = 0;
  for (let v = s >> 5; v > 0 && segment < 8; v >>= 1) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 1 ? (s >> 1) & 0x0f : (s >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

function buildDecodeTable(decode: (code: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let code = 0; code < 256; code++) table[code] = decode(code);
  return table;
}

/** Indexed by the sample's 16-bit two's complement pattern (sample & 0xffff). */
function buildEncodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let bits = 0; bits < 65536; bits++) table[bits] = encode(bits >= 32768 ? bits - 65536 : bits);
  return table;
}

/** µ-law code → 16-bit linear (0x00 → -32124, 0x80 → 32124, 0x7F and 0xFF → 0). */
export const ULAW_TO_LINEAR: Readonly<Int16Array> = buildDecodeTable(ulawByteToLinear);
/** A-law code → 16-bit linear (0xD5 → 8, 0x55 → -8, 0xAA → 32256, 0x2A → -32256). */
export const ALAW_TO_LINEAR: Readonly<Int16Array> = buildDecodeTable(alawByteToLinear);
const LINEAR_TO_ULAW = buildEncodeTable(linearToUlawByte);
const LINEAR_TO_ALAW = buildEncodeTable(linearToAlawByte);

export function ulawToLinear(code: number): number {
  return ULAW_TO_LINEAR[code & 0xff]!;
}
export function alawToLinear(code: number): number {
  return ALAW_TO_LINEAR[code & 0xff]!;
}
/** `sample` must be an integer in [-32768, 32767]. */
export function linearToUlaw(sample: number): number {
  return LINEAR_TO_ULAW[sample & 0xffff]!;
}
export function linearToAlaw(sample: number): number {
  return LINEAR_TO_ALAW[sample & 0xffff]!;
}

function encodeWith(table: Uint8Array, pcm: Int16Array, out: Uint8Array | undefined): Uint8Array {
  const dst = out ?? new Uint8Array(pcm.length);
  if (dst.length < pcm.length) throw new RangeError(`output holds ${dst.length} bytes, need ${pcm.length}`);
  for (let i = 0; i < pcm.length; i++) dst[i] = table[pcm[i]! & 0xffff]!;
  return dst;
}

function decodeWith(table: Int16Array, bytes: Uint8Array, out: Int16Array | undefined): Int16Array {
  const dst = out ?? new Int16Array(bytes.length);
  if (dst.length < bytes.length) throw new RangeError(`output holds ${dst.length} samples, need ${bytes.length}`);
  for (let i = 0; i < bytes.length; i++) dst[i] = table[bytes[i]!]!;
  return dst;
}

/** Encodes a whole frame; writes into `out` (≥ pcm.length) when given, and returns it. */
export function encodeUlaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return encodeWith(LINEAR_TO_ULAW, pcm, out);
}
export function decodeUlaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ULAW_TO_LINEAR, bytes, out);
}
export function encodeAlaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return encodeWith(LINEAR_TO_ALAW, pcm, out);
}
export function decodeAlaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ALAW_TO_LINEAR, bytes, out);
}

/** Static RTP payload types of G.711 (RFC 3551 §6, Table 4). */
export type G711PayloadType = 0 | 8;

export interface G711Codec {
  readonly payloadType: G711PayloadType;
  /** SDP encoding name (RFC 3551): "PCMU" or "PCMA". */
  readonly name: 'PCMU' | 'PCMA';
  readonly clockRate: 8000;
  /** WAV format tag: 7 (µ-law) or 6 (A-law). */
  readonly wavFormat: 6 | 7;
  encode(pcm: Int16Array, out?: Uint8Array): Uint8Array;
  decode(bytes: Uint8Array, out?: Int16Array): Int16Array;
  /** The decode table (code → linear), for per-sample loops. */
  readonly decodeTable: Readonly<Int16Array>;
  /** The encoding of digital silence (linear 0). */
  readonly silenceByte: number;
}

export const PCMU: G711Codec = Object.freeze({
  payloadType: 0, name: 'PCMU', clockRate: 8000, wavFormat: 7,
  encode: encodeUlaw, decode: decodeUlaw, decodeTable: ULAW_TO_LINEAR, silenceByte: 0xff,
});
export const PCMA: G711Codec = Object.freeze({
  payloadType: 8, name: 'PCMA', clockRate: 8000, wavFormat: 6,
  encode: encodeAlaw, decode: decodeAlaw, decodeTable: ALAW_TO_LINEAR, silenceByte: 0xd5,
});

export function codecFor(payloadType: G711PayloadType): G711Codec {
  return payloadType === 0 ? PCMU : PCMA;
}

/** The codec for a payload type seen on the wire, or undefined when it is not G.711. */
export function g711CodecOf(payloadType: number): G711Codec | undefined {
  return payloadType === 0 ? PCMU : payloadType === 8 ? PCMA : undefined;
}
