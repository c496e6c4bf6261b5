// Reading and writing session descriptions (RFC 4566) for the offer/answer of
// ./offer-answer.ts, on top of sdp-transform: the peer's m= sections, payload
// types, addresses and directions; our own description.
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { SipError } from '../../../common/errors.ts';
import type { AudioCodec, LocalMedia, MediaDirection } from './types.ts';

const STATIC_PT: Record<number, AudioCodec> = { 0: 'PCMU', 8: 'PCMA' };
/** The payload type we give telephone-event in our offers. */
export const DEFAULT_TE_PT = 101;

/** Parses a session description; SipError(400) when it is not one (no v=0, no media list). */
export function parseSdp(text: string): SessionDescription {
  let s: SessionDescription;
  try {
    s = sdpTransform.parse(text);
  } catch (err) {
    throw new SipError(400, `unparsable SDP: ${(err as Error).message}`);
  }
  if (s.version !== 0 || !Array.isArray(s.media)) throw new SipError(400, 'SDP without v=0 or media');
  return s;
}

/** The m= line's payload types, in the peer's order of preference. */
export function payloadList(m: MediaDescription): number[] {
  return String(m.payloads ?? '').split(/\s+/).filter((p) => /^\d{1,3}$/.test(p)).map(Number);
}

/** The codec name and rate of a payload type in one m= section (static types need no rtpmap). */
export function codecOf(m: MediaDescription, pt: number): { name: string; rate: number } | undefined {
  const map = m.rtp?.find((r) => r.payload === pt);
  if (map) return { name: map.codec.toUpperCase(), rate: map.rate ?? 8000 };
  const st = STATIC_PT[pt];
  return st ? { name: st, rate: 8000 } : undefined;
}

/** The c= address of an m= section (media level, else session level). */
export function connectionAddress(s: SessionDescription, m: MediaDescription): string | undefined {
  return m.connection?.ip ?? s.connection?.ip;
}

/** The direction of an m= section as the peer wrote it (media level, else session level). */
export function directionOf(s: SessionDescription, m: MediaDescription): MediaDirection {
  const d = (m.direction ?? s.direction ?? 'sendrecv') as MediaDirection;
  // RFC 3264 §8.4: c=0.0.0.0 is the old (RFC 2543) way to put a call on hold.
  if (connectionAddress(s, m) === '0.0.0.0') return d === 'recvonly' || d === 'inactive' ? 'inactive' : 'sendonly';
  return d;
}

/** An audio stream in use (port > 0) over plain RTP (not SRTP, not AVPF). */
export function isPlainRtpAudio(m: MediaDescription): boolean {
  return m.type === 'audio' && m.port > 0 && m.protocol.toUpperCase() === 'RTP/AVP';
}

/** The payload type of telephone-event/8000 (RFC 4733) in an m= section, if offered. */
export function telephoneEventPt(m: MediaDescription): number | undefined {
  return m.rtp?.find((r) => r.codec.toLowerCase() === 'telephone-event' && (r.rate ?? 8000) === 8000)?.payload;
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
