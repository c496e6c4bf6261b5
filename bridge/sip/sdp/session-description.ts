// Reading and writing session descriptions (RFC 4566) for the offer/answer of
// ./offer-answer.ts, on top of sdp-transform: the peer's m= sections, payload
// types, addresses and directions; our own description.
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { SipError } from '../../../common/errors.ts';
import type { AudioCodec, LocalMedia, MediaDirection } from './types.ts';

const STATIC_PT: Record<number, AudioCodec> = { 0: 'PCMU', 8: 'PCMA', 9: 'G722' };
/** The payload type we give telephone-event in our offers. */
export const DEFAULT_TE_PT = 101;

/**
 * The largest description read, in characters. Real offers are under 4 kB;
 * sdp-transform tries every attribute line against each of its grammar
 * rules, so a 64 kB body of attribute lines costs tens of milliseconds a
 * parse (found by fuzzing: test/fixtures/fuzz/sdp/).
 */
export const MAX_SDP_LENGTH = 16 * 1024;

/** Parses a session description; SipError(400) when it is not one (no v=0, no media list) or is too long. */
export function parseSdp(text: string): SessionDescription {
  if (text.length > MAX_SDP_LENGTH) throw new SipError(400, `SDP longer than ${MAX_SDP_LENGTH} characters`);
  let s: SessionDescription;
  try {
    s = sdpTransform.parse(text);
  } catch (err) {
    throw new SipError(400, `unparsable SDP: ${(err as Error).message}`);
  }
  if (s.version !== 0 || !Array.isArray(s.media)) throw new SipError(400, 'SDP without v=0 or media');
  return s;
}

/** An RTP payload type: 7 bits (RFC 3550 §5.1). */
function isPayloadType(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 127;
}

/** The m= line's payload types, in the peer's order of preference (those that fit RTP's 7 bits). */
export function payloadList(m: MediaDescription): number[] {
  return String(m.payloads ?? '').split(/\s+/).filter((p) => /^\d{1,3}$/.test(p)).map(Number).filter(isPayloadType);
}

/** The codec name and rate of a payload type in one m= section (static types need no rtpmap). */
export function codecOf(m: MediaDescription, pt: number): { name: string; rate: number } | undefined {
  // sdp-transform gives a codec name or rate that looks like a number as a number ("a=rtpmap:8 1").
  const map = m.rtp?.find((r) => r.payload === pt);
  if (map) return { name: String(map.codec).toUpperCase(), rate: Number(map.rate ?? 8000) };
  const st = STATIC_PT[pt];
  return st ? { name: st, rate: 8000 } : undefined;
}

/**
 * The c= address of an m= section (media level, else session level), as a
 * string: sdp-transform turns an address that looks like a number ("0.1")
 * into a number.
 */
export function connectionAddress(s: SessionDescription, m: MediaDescription): string | undefined {
  const ip = m.connection?.ip ?? s.connection?.ip;
  return ip === undefined || ip === null || String(ip) === '' ? undefined : String(ip);
}

/** The direction of an m= section as the peer wrote it (media level, else session level). */
export function directionOf(s: SessionDescription, m: MediaDescription): MediaDirection {
  const d = (m.direction ?? s.direction ?? 'sendrecv') as MediaDirection;
  // RFC 3264 §8.4: c=0.0.0.0 is the old (RFC 2543) way to put a call on hold.
  if (connectionAddress(s, m) === '0.0.0.0') return d === 'recvonly' || d === 'inactive' ? 'inactive' : 'sendonly';
  return d;
}

/**
 * An audio stream in use over plain RTP (not SRTP, not AVPF) with a port a
 * socket can send to (1–65535; RFC 4566 §5.14 gives the port 16 bits).
 */
export function isPlainRtpAudio(m: MediaDescription): boolean {
  return m.type === 'audio' && Number.isInteger(m.port) && m.port > 0 && m.port <= 0xffff && String(m.protocol).toUpperCase() === 'RTP/AVP';
}

/**
 * The payload type of telephone-event/8000 (RFC 4733) in an m= section, if
 * offered: one of the m= line's payload types (an rtpmap for a type the line
 * does not list, or past 127, is not an offer).
 */
export function telephoneEventPt(m: MediaDescription): number | undefined {
  const listed = payloadList(m);
  return m.rtp?.find((r) => String(r.codec).toLowerCase() === 'telephone-event' && Number(r.rate ?? 8000) === 8000 && listed.includes(r.payload))?.payload;
}

function origin(local: LocalMedia): SessionDescription['origin'] {
  return { username: '-', sessionId: local.sessionId, sessionVersion: local.sessionVersion, netType: 'IN', ipVer: 4, address: local.address };
}

/** Our audio m= section: `codecs`, telephone-event when `tePt` is set, our ptime and direction. */
export function audioSection(local: LocalMedia, codecs: Array<{ pt: number; name: string }>, tePt: number | undefined, direction: MediaDirection): MediaDescription {
  const rtp = codecs.map((c) => ({ payload: c.pt, codec: c.name, rate: 8000 }));
  const fmtp: MediaDescription['fmtp'] = [];
  if (tePt !== undefined) {
    rtp.push({ payload: tePt, codec: 'telephone-event', rate: 8000 });
    fmtp.push({ payload: tePt, config: '0-16' });
  }
  return {
    type: 'audio',
    port: local.port,
    protocol: 'RTP/AVP',
    payloads: rtp.map((r) => r.payload).join(' '),
    rtp,
    fmtp,
    ptime: local.ptime,
    direction,
  };
}

/** Our session description: origin, connection and timing of `local`, then `media`. */
export function write(local: LocalMedia, media: MediaDescription[]): string {
  const desc: SessionDescription = {
    version: 0,
    origin: origin(local),
    name: 'conference-bridge',
    connection: { version: 4, ip: local.address },
    timing: { start: 0, stop: 0 },
    media,
  };
  return sdpTransform.write(desc);
}
