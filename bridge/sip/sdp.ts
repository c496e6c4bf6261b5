// SDP offer/answer (RFC 3264) for G.711 audio with telephone-events (RFC 4733),
// on top of sdp-transform. Pure functions: no sockets, no state but what is passed.
import * as sdpTransform from 'sdp-transform';
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { SipError } from '../../common/errors.ts';

export type AudioCodec = 'PCMU' | 'PCMA';
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What our side offers or accepts. */
export interface LocalMedia {
  address: string;
  port: number;
  /** In order of preference. */
  codecs: AudioCodec[];
  telephoneEvent: boolean;
  /** Our packetisation, ms. */
  ptime: number;
  /** o= line: session id, and version bumped on every change (RFC 3264 §8). */
  sessionId: string;
  sessionVersion: number;
  direction?: MediaDirection;
}

/** The audio stream both sides agreed on. */
export interface NegotiatedAudio {
  codec: AudioCodec;
  payloadType: number;
  telephoneEventPt?: number;
  remoteAddress: string;
  remotePort: number;
  /** The peer's requested packetisation (a=ptime), ms; 20 when absent. */
  remotePtime: number;
  /** Direction as seen from our side (what we do: send, receive, both, neither). */
  direction: MediaDirection;
}

const STATIC_PT: Record<number, AudioCodec> = { 0: 'PCMU', 8: 'PCMA' };
const DEFAULT_TE_PT = 101;

function parseSdp(text: string): SessionDescription {
  let s: SessionDescription;
  try {
    s = sdpTransform.parse(text);
  } catch (err) {
    throw new SipError(400, `unparsable SDP: ${(err as Error).message}`);
  }
  if (s.version !== 0 || !Array.isArray(s.media)) throw new SipError(400, 'SDP without v=0 or media');
  return s;
}

function payloadList(m: MediaDescription): number[] {
  return String(m.payloads ?? '').split(/\s+/).filter((p) => /^\d{1,3}$/.test(p)).map(Number);
}

/** The codec name and rate of a payload type in one m= section (static types need no rtpmap). */
function codecOf(m: MediaDescription, pt: number): { name: string; rate: number } | undefined {
  const map = m.rtp?.find((r) => r.payload === pt);
  if (map) return { name: map.codec.toUpperCase(), rate: map.rate ?? 8000 };
  const st = STATIC_PT[pt];
  return st ? { name: st, rate: 8000 } : undefined;
}

function connectionAddress(s: SessionDescription, m: MediaDescription): string | undefined {
  return m.connection?.ip ?? s.connection?.ip;
}

function directionOf(s: SessionDescription, m: MediaDescription): MediaDirection {
  const d = (m.direction ?? s.direction ?? 'sendrecv') as MediaDirection;
  // RFC 3264 §8.4: c=0.0.0.0 is the old (RFC 2543) way to put a call on hold.
  if (connectionAddress(s, m) === '0.0.0.0') return d === 'recvonly' || d === 'inactive' ? 'inactive' : 'sendonly';
  return d;
}

/** RFC 3264 §6.1: the answerer's direction mirrors the offer's. */
function mirror(d: MediaDirection): MediaDirection {
  if (d === 'sendonly') return 'recvonly';
  if (d === 'recvonly') return 'sendonly';
  return d;
}

function isPlainRtpAudio(m: MediaDescription): boolean {
  return m.type === 'audio' && m.port > 0 && m.protocol.toUpperCase() === 'RTP/AVP';
}

function telephoneEventPt(m: MediaDescription): number | undefined {
  return m.rtp?.find((r) => r.codec.toLowerCase() === 'telephone-event' && (r.rate ?? 8000) === 8000)?.payload;
}

function origin(local: LocalMedia): SessionDescription['origin'] {
  return { username: '-', sessionId: local.sessionId, sessionVersion: local.sessionVersion, netType: 'IN', ipVer: 4, address: local.address };
}

function audioSection(local: LocalMedia, codecs: Array<{ pt: number; name: string }>, tePt: number | undefined, direction: MediaDirection): MediaDescription {
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

function write(local: LocalMedia, media: MediaDescription[]): string {
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

/**
 * The audio stream both sides can use in one m= section of the peer's SDP:
 * the first of its payload types (its order of preference, RFC 3264 §6.1)
 * that is one of our codecs at 8 kHz; undefined when there is none.
 */
function usableAudio(s: SessionDescription, m: MediaDescription, local: LocalMedia): NegotiatedAudio | undefined {
  if (!isPlainRtpAudio(m)) return undefined;
  const pt = payloadList(m).find((p) => {
    const c = codecOf(m, p);
    return c !== undefined && c.rate === 8000 && local.codecs.includes(c.name as AudioCodec);
  });
  const address = connectionAddress(s, m);
  if (pt === undefined || !address) return undefined;
  return {
    codec: codecOf(m, pt)!.name as AudioCodec,
    payloadType: pt,
    telephoneEventPt: local.telephoneEvent ? telephoneEventPt(m) : undefined,
    remoteAddress: address,
    remotePort: m.port,
    remotePtime: m.ptime ?? 20,
    direction: mirror(directionOf(s, m)),
  };
}

/**
 * Answers an offer. Takes the first plain RTP audio stream with a codec we
 * support, declines every other stream with port 0 (video from room systems,
 * a second audio, SRTP), and throws SipError(488) when no stream is acceptable.
 */
export function answerOffer(offerSdp: string, local: LocalMedia): { answer: string; audio: NegotiatedAudio } {
  const offer = parseSdp(offerSdp);
  let index = -1;
  let audio: NegotiatedAudio | undefined;
  for (let i = 0; i < offer.media.length && !audio; i++) {
    audio = usableAudio(offer, offer.media[i]!, local);
    index = i;
  }
  if (!audio) throw new SipError(488, 'no common audio codec');
  if (local.direction && local.direction !== 'sendrecv') audio.direction = combine(audio.direction, local.direction);
  const chosen = audio;
  const media = offer.media.map((m, i): MediaDescription => {
    if (i === index) return audioSection(local, [{ pt: chosen.payloadType, name: chosen.codec }], chosen.telephoneEventPt, chosen.direction);
    // RFC 3264 §6: a declined stream keeps its media type and formats, with port 0.
    return { type: m.type, port: 0, protocol: m.protocol, payloads: m.payloads ?? '0', rtp: [], fmtp: [] };
  });
  return { answer: write(local, media), audio };
}

/** The intersection of two directions (what both sides allow). */
function combine(a: MediaDirection, b: MediaDirection): MediaDirection {
  const send = (a === 'sendrecv' || a === 'sendonly') && (b === 'sendrecv' || b === 'sendonly');
  const recv = (a === 'sendrecv' || a === 'recvonly') && (b === 'sendrecv' || b === 'recvonly');
  return send && recv ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

/** An offer for an outgoing call: our codecs (static payload types) and telephone-event/101. */
export function createOffer(local: LocalMedia): string {
  const codecs = local.codecs.map((name) => ({ pt: name === 'PCMU' ? 0 : 8, name }));
  return write(local, [audioSection(local, codecs, local.telephoneEvent ? DEFAULT_TE_PT : undefined, local.direction ?? 'sendrecv')]);
}

/**
 * Reads the answer to our offer (RFC 3264 §7): the first accepted audio stream,
 * its codec (the first payload type of ours it lists) and the peer's address.
 * Throws SipError(488) when the answer accepts nothing we can use.
 */
export function readAnswer(answerSdp: string, local: LocalMedia): NegotiatedAudio {
  const ans = parseSdp(answerSdp);
  for (const m of ans.media) {
    const audio = usableAudio(ans, m, local);
    if (audio) return audio;
  }
  throw new SipError(488, 'answer accepts no audio codec we offered');
}
