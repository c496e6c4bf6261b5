// SRTP and SRTCP (RFC 3711) with the two suites SDES peers offer first
// (RFC 4568 §6.2): AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32.
//
// One SrtpContext holds one master key (key||salt) and its session keys
// (§4.3, key derivation rate 0), and the state of both uses of that key:
// what we protect (our rollover counter, our SRTCP index) and what we
// unprotect (the peer's rollover counter estimated from s_l, and 64-packet
// replay windows, §3.3.2). A call leg has two: ours for sending, the peer's
// for receiving. Bad packets (short, tampered, replayed) are counted and
// reported as -1, never thrown.
//
// The AES counter-mode keystream comes from one AES-128-ECB cipher per
// session key, created once and fed counter blocks (update() on ECB without
// padding is stateless between calls); HMAC-SHA1 from node:crypto.
import { createCipheriv, createHmac, type Cipher } from 'node:crypto';

export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

/** The suites we speak, in our order of preference. */
export const SRTP_SUITES: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

export const SRTP_MASTER_KEY_LENGTH = 16;
export const SRTP_MASTER_SALT_LENGTH = 14;
/** key||salt, as carried in a=crypto inline: (RFC 4568 §6.1). */
export const SRTP_MASTER_LENGTH = SRTP_MASTER_KEY_LENGTH + SRTP_MASTER_SALT_LENGTH;

/** RFC 3711 §4.3.2 key derivation labels. */
const LABEL = { rtpKey: 0, rtpAuth: 1, rtpSalt: 2, rtcpKey: 3, rtcpAuth: 4, rtcpSalt: 5 } as const;
const AUTH_KEY_LENGTH = 20;
/** E flag and 31-bit SRTCP index (§3.4). */
const SRTCP_INDEX_LENGTH = 4;
/** SRTCP is authenticated with 80 bits in both suites (RFC 4568 §6.2.1, §6.2.2). */
const SRTCP_TAG_LENGTH = 10;
const REPLAY_WINDOW = 64;

export function isSrtpSuite(name: string): name is SrtpSuite {
  return (SRTP_SUITES as readonly string[]).includes(name);
}

export function srtpTagLength(suite: SrtpSuite): number {
  return suite === 'AES_CM_128_HMAC_SHA1_32' ? 4 : 10;
}

/** The most an RTP/RTCP packet grows when protected (tag; SRTCP adds its index). */
export const SRTP_MAX_OVERHEAD = SRTCP_INDEX_LENGTH + SRTCP_TAG_LENGTH;

/** AES-128 counter mode keystream blocks from one key: the counter blocks go through ECB. */
class AesCm {
  private readonly ecb: Cipher;
  private counters = Buffer.alloc(16 * 64);

  constructor(key: Uint8Array) {
    this.ecb = createCipheriv('aes-128-ecb', key, null);
    this.ecb.setAutoPadding(false);
  }

  /**
   * XORs the keystream that starts at `iv` (16 bytes, low 16 bits zero) into
   * `buf[start, end)`. The block counter runs in the IV's low 16 bits, which
   * RFC 3711 §4.1.1 leaves to it (2^16 blocks: far beyond any packet).
   */
  xor(iv: Uint8Array, buf: Uint8Array, start: number, end: number): void {
    const n = end - start;
    if (n <= 0) return;
    const blocks = (n + 15) >>> 4;
    if (this.counters.length < blocks * 16) this.counters = Buffer.alloc(blocks * 16);
    const c = this.counters;
    for (let b = 0; b < blocks; b++) {
      const o = b * 16;
      c.set(iv, o);
      c[o + 14] = iv[14]! ^ (b >>> 8);
      c[o + 15] = iv[15]! ^ (b & 0xff);
    }
    const ks = this.ecb.update(c.subarray(0, blocks * 16));
    for (let i = 0; i < n; i++) buf[start + i] = buf[start + i]! ^ ks[i]!;
  }
}

/**
 * The AES-CM keystream of `length` bytes from `key` and a 16-byte `iv`
 * (RFC 3711 §4.1.1); for the key derivation and the test vectors.
 */
export function aesCmKeystream(key: Uint8Array, iv: Uint8Array, length: number): Buffer {
  const out = Buffer.alloc(length);
  const cm = new AesCm(key);
  // The derivation and test IVs count in the low 16 bits from zero too.
  cm.xor(iv, out, 0, length);
  return out;
}

/** RFC 3711 §4.3.1 with a key derivation rate of 0: the session key of `label`. */
export function deriveSessionKey(masterKey: Uint8Array, masterSalt: Uint8Array, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.set(masterSalt.subarray(0, SRTP_MASTER_SALT_LENGTH), 0);
  iv[7]! ^= label; // key_id = label || r (48 bits, zero), right-aligned in the 112-bit salt
  return aesCmKeystream(masterKey, iv, length);
}

/** Which packet indices have been seen, of the last 64 below the highest (RFC 3711 §3.3.2). */
export class ReplayWindow {
  highest = -1;
  private readonly seen = new Float64Array(REPLAY_WINDOW).fill(-1);

  /** Whether `index` is new: above the highest, or inside the window and not seen. */
  fresh(index: number): boolean {
    if (this.highest < 0 || index > this.highest) return true;
    if (this.highest - index >= REPLAY_WINDOW) return false;
    return this.seen[index % REPLAY_WINDOW] !== index;
  }

  accept(index: number): void {
    this.seen[index % REPLAY_WINDOW] = index;
    if (index > this.highest) this.highest = index;
  }

  reset(): void {
    this.highest = -1;
    this.seen.fill(-1);
  }
}

export interface SrtpCounters {
  protected: number;
  unprotected: number;
  /** Dropped: the authentication tag did not match. */
  authFailures: number;
  /** Dropped: an index already seen or older than the replay window. */
  replayed: number;
  /** Dropped: too short, not RTP version 2, or header past the end. */
  malformed: number;
}

/** The sending state of a context: what carries over when a session moves. */
export interface SrtpSendState { roc: number; lastSeq: number; srtcpIndex: number }

/**
 * Length of the RTP header (fixed part, CSRCs, extension), or -1 when it is
 * not an RTP version 2 header that fits in `length` bytes.
 */
function rtpHeaderLength(b: Uint8Array, length: number): number {
  if (length < 12 || (b[0]! & 0xc0) !== 0x80) return -1;
  let h = 12 + (b[0]! & 0x0f) * 4;
  if (b[0]! & 0x10) {
    if (length < h + 4) return -1;
    h += 4 + ((b[h + 2]! << 8) | b[h + 3]!) * 4;
  }
  return h <= length ? h : -1;
}

function read32(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

function write32(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24; b[o + 1] = (v >>> 16) & 0xff; b[o + 2] = (v >>> 8) & 0xff; b[o + 3] = v & 0xff;
}

/** Keys derived for one of RTP or RTCP. */
class SessionKeys {
  readonly cm: AesCm;
  readonly auth: Buffer;
  readonly salt: Buffer;
  constructor(key: Buffer, auth: Buffer, salt: Buffer) {
    this.cm = new AesCm(key);
    this.auth = auth;
    this.salt = salt;
  }
}

export class SrtpContext {
  readonly tagLength: number;
  readonly counters: SrtpCounters = { protected: 0, unprotected: 0, authFailures: 0, replayed: 0, malformed: 0 };

  private readonly rtp: SessionKeys;
  private readonly rtcp: SessionKeys;
  private readonly iv = Buffer.alloc(16);
  private readonly rocBytes = Buffer.alloc(4);

  // Sending.
  private txRoc = 0;
  private txLastSeq = -1;
  private txSrtcpIndex = 0;

  // Receiving: the peer's SSRC, s_l and ROC (§3.3.1), and the replay windows.
  private rxSsrc = -1;
  private rxSl = -1;
  private rxRoc = 0;
  private readonly rxWindow = new ReplayWindow();
  private readonly rxRtcpWindow = new ReplayWindow();

  /** `master`: key||salt, 30 bytes (the a=crypto inline: value decoded). */
  constructor(readonly suite: SrtpSuite, master: Uint8Array) {
    if (master.length !== SRTP_MASTER_LENGTH) throw new RangeError(`SRTP master key||salt must be ${SRTP_MASTER_LENGTH} bytes, not ${master.length}`);
    const key = master.subarray(0, SRTP_MASTER_KEY_LENGTH);
    const salt = master.subarray(SRTP_MASTER_KEY_LENGTH);
    const d = (label: number, n: number): Buffer => deriveSessionKey(key, salt, label, n);
    this.rtp = new SessionKeys(d(LABEL.rtpKey, 16), d(LABEL.rtpAuth, AUTH_KEY_LENGTH), d(LABEL.rtpSalt, 14));
    this.rtcp = new SessionKeys(d(LABEL.rtcpKey, 16), d(LABEL.rtcpAuth, AUTH_KEY_LENGTH), d(LABEL.rtcpSalt, 14));
    this.tagLength = srtpTagLength(suite);
  }

  /** What to carry to another life of this context (a leg moved to another worker). */
  get sendState(): SrtpSendState { return { roc: this.txRoc, lastSeq: this.txLastSeq, srtcpIndex: this.txSrtcpIndex }; }

  restoreSendState(s: SrtpSendState): void {
    this.txRoc = s.roc >>> 0;
    this.txLastSeq = s.lastSeq;
    this.txSrtcpIndex = s.srtcpIndex & 0x7fffffff;
  }

  /** IV = (salt·2^16) XOR (SSRC·2^64) XOR (index·2^16), index = hi32·2^16 + lo16 (§4.1.1). */
  private makeIv(salt: Buffer, ssrc: number, hi32: number, lo16: number): Buffer {
    const iv = this.iv;
    salt.copy(iv, 0, 0, 14);
    iv[14] = 0; iv[15] = 0;
    iv[4]! ^= ssrc >>> 24; iv[5]! ^= (ssrc >>> 16) & 0xff; iv[6]! ^= (ssrc >>> 8) & 0xff; iv[7]! ^= ssrc & 0xff;
    iv[8]! ^= hi32 >>> 24; iv[9]! ^= (hi32 >>> 16) & 0xff; iv[10]! ^= (hi32 >>> 8) & 0xff; iv[11]! ^= hi32 & 0xff;
    iv[12]! ^= lo16 >>> 8; iv[13]! ^= lo16 & 0xff;
    return iv;
  }

  /** HMAC-SHA1 of `buf[0, length)` (and the ROC for SRTP), truncated to `tagLen`, compared with / written at `at`. */
  private mac(keys: SessionKeys, buf: Uint8Array, length: number, roc: number | undefined): Buffer {
    const h = createHmac('sha1', keys.auth).update(buf.subarray(0, length));
    if (roc !== undefined) { write32(this.rocBytes, 0, roc); h.update(this.rocBytes); }
    return h.digest();
  }

  private static tagMatches(digest: Buffer, buf: Uint8Array, at: number, tagLen: number): boolean {
    let diff = 0;
    for (let i = 0; i < tagLen; i++) diff |= digest[i]! ^ buf[at + i]!;
    return diff === 0;
  }

  // ------------------------------------------------------------------ SRTP

  /**
   * Protects the RTP packet in `buf[0, length)` in place: encrypts its payload
   * and appends the tag. `buf` needs `tagLength` bytes of room past `length`.
   * Returns the protected length, or -1 when it is not an RTP packet.
   */
  protectRtp(buf: Uint8Array, length: number): number {
    const h = rtpHeaderLength(buf, length);
    if (h < 0 || buf.length < length + this.tagLength) { this.counters.malformed++; return -1; }
    const seq = (buf[2]! << 8) | buf[3]!;
    const ssrc = read32(buf, 8);
    // Our sequence numbers only go up: a step back by more than half the space is a wrap.
    if (this.txLastSeq >= 0 && seq < this.txLastSeq && this.txLastSeq - seq > 0x8000) this.txRoc = (this.txRoc + 1) >>> 0;
    this.txLastSeq = seq;
    const roc = this.txRoc;
    this.rtp.cm.xor(this.makeIv(this.rtp.salt, ssrc, roc, seq), buf, h, length);
    const digest = this.mac(this.rtp, buf, length, roc);
    for (let i = 0; i < this.tagLength; i++) buf[length + i] = digest[i]!;
    this.counters.protected++;
    return length + this.tagLength;
  }

  /**
   * Checks and decrypts the SRTP packet in `buf[0, length)` in place. Returns
   * the length of the RTP packet (without the tag), or -1 when it was dropped
   * (counted in `counters`).
   */
  unprotectRtp(buf: Uint8Array, length: number): number {
    const tagLen = this.tagLength;
    const h = rtpHeaderLength(buf, length - tagLen);
    if (h < 0) { this.counters.malformed++; return -1; }
    const end = length - tagLen;
    const seq = (buf[2]! << 8) | buf[3]!;
    const ssrc = read32(buf, 8);
    let sl = this.rxSl, roc = this.rxRoc;
    if (ssrc !== this.rxSsrc) { sl = -1; roc = 0; } // a new source starts afresh (committed once authenticated)
    // The peer's ROC for this packet (RFC 3711 Appendix A).
    let v = roc;
    if (sl >= 0) {
      if (sl < 0x8000) { if (seq - sl > 0x8000) v = roc - 1; }
      else if (sl - 0x8000 > seq) v = roc + 1;
    }
    if (v < 0 || v > 0xffffffff) { this.counters.replayed++; return -1; }
    const index = v * 0x10000 + seq;
    const sameSource = ssrc === this.rxSsrc;
    if (sameSource && !this.rxWindow.fresh(index)) { this.counters.replayed++; return -1; }
    if (!SrtpContext.tagMatches(this.mac(this.rtp, buf, end, v), buf, end, tagLen)) { this.counters.authFailures++; return -1; }
    if (!sameSource) {
      this.rxSsrc = ssrc;
      this.rxWindow.reset();
      this.rxSl = seq;
      this.rxRoc = 0;
    }
    this.rtp.cm.xor(this.makeIv(this.rtp.salt, ssrc, v, seq), buf, h, end);
    if (index > this.rxWindow.highest) { this.rxSl = seq; this.rxRoc = v; }
    this.rxWindow.accept(index);
    this.counters.unprotected++;
    return end;
  }

  // ------------------------------------------------------------------ SRTCP

  /**
   * Protects the (compound) RTCP packet in `buf[0, length)` in place: encrypts
   * all but the first 8 bytes, appends E||SRTCP index and the 80-bit tag.
   * `buf` needs SRTP_MAX_OVERHEAD bytes of room. Returns the protected length, or -1.
   */
  protectRtcp(buf: Uint8Array, length: number): number {
    if (length < 8 || (buf[0]! & 0xc0) !== 0x80 || buf.length < length + SRTP_MAX_OVERHEAD) { this.counters.malformed++; return -1; }
    const ssrc = read32(buf, 4);
    const index = this.txSrtcpIndex;
    this.txSrtcpIndex = (index + 1) & 0x7fffffff;
    this.rtcp.cm.xor(this.makeIv(this.rtcp.salt, ssrc, index >>> 16, index & 0xffff), buf, 8, length);
    write32(buf, length, (0x80000000 | index) >>> 0);
    const end = length + SRTCP_INDEX_LENGTH;
    const digest = this.mac(this.rtcp, buf, end, undefined);
    for (let i = 0; i < SRTCP_TAG_LENGTH; i++) buf[end + i] = digest[i]!;
    this.counters.protected++;
    return end + SRTCP_TAG_LENGTH;
  }

  /** Checks and decrypts an SRTCP packet in place; the RTCP length, or -1 when dropped. */
  unprotectRtcp(buf: Uint8Array, length: number): number {
    if (length < 8 + SRTP_MAX_OVERHEAD || (buf[0]! & 0xc0) !== 0x80) { this.counters.malformed++; return -1; }
    const tagAt = length - SRTCP_TAG_LENGTH;
    const indexAt = tagAt - SRTCP_INDEX_LENGTH;
    const word = read32(buf, indexAt);
    const encrypted = (word & 0x80000000) !== 0;
    const index = word & 0x7fffffff;
    if (!this.rxRtcpWindow.fresh(index)) { this.counters.replayed++; return -1; }
    if (!SrtpContext.tagMatches(this.mac(this.rtcp, buf, tagAt, undefined), buf, tagAt, SRTCP_TAG_LENGTH)) { this.counters.authFailures++; return -1; }
    if (encrypted) this.rtcp.cm.xor(this.makeIv(this.rtcp.salt, read32(buf, 4), index >>> 16, index & 0xffff), buf, 8, indexAt);
    this.rxRtcpWindow.accept(index);
    this.counters.unprotected++;
    return indexAt;
  }
}
