// SDP offer/answer (RFC 3264) for G.711 and G.722 audio with telephone-events (RFC 4733).
// Pure functions: no sockets, no state but what is passed. The descriptions
// are read and written by ./session-description.ts.
import type { MediaDescription, SessionDescription } from 'sdp-transform';
import { SipError } from '../../../common/errors.ts';
import {
  DEFAULT_TE_PT, audioSection, codecOf, connectionAddress, directionOf, isPlainRtpAudio, parseSdp, payloadList,
  telephoneEventPt, write,
} from './session-description.ts';
import { answerSdes, isSdesAudio, withSdes } from './sdes.ts';
import { STATIC_PAYLOAD_TYPE, type AudioCodec, type LocalMedia, type MediaDirection, type NegotiatedAudio } from './types.ts';

/**
 * The payload type both sides can use in one m= section of the peer's SDP:
 * in a plain RTP audio stream with an address, the first of its payload types
 * (its order of preference, RFC 3264 §6.1) that is one of `codecs` at 8 kHz;
 * undefined when there is none.
 */
function commonPayloadType(s: SessionDescription, m: MediaDescription, codecs: readonly AudioCodec[]): number | undefined {
  if (!(isPlainRtpAudio(m) || isSdesAudio(m)) || !connectionAddress(s, m)) return undefined;
  return payloadList(m).find((p) => {
    const c = codecOf(m, p);
    return c !== undefined && c.rate === 8000 && codecs.includes(c.name as AudioCodec);
  });
}

/**
 * Whether an offer has a stream we could accept: a plain RTP audio stream
 * with one of `codecs` — what decides, before anything is set up, between
 * answering and 488 (answerOffer throws 488 exactly when this is false).
 * Throws SipError(400) when the offer is not a session description.
 */
export function hasCommonCodec(offerSdp: string, codecs: readonly AudioCodec[]): boolean {
  const offer = parseSdp(offerSdp);
  return offer.media.some((m) => commonPayloadType(offer, m, codecs) !== undefined);
}

/** The longest a=ptime taken from a peer, ms (RFC 3551 §4.5's ceiling for audio frames is far lower). */
const MAX_PTIME_MS = 1000;

/** RFC 3264 §6.1: the answerer's direction mirrors the offer's. */
function mirror(d: MediaDirection): MediaDirection {
  if (d === 'sendonly') return 'recvonly';
  if (d === 'recvonly') return 'sendonly';
  return d;
}

/**
 * The peer's a=ptime in ms (RFC 4566 §6), or 20 when absent or not a usable
 * number: sdp-transform leaves an empty or odd value as it found it ("", NaN).
 */
function ptimeOf(m: MediaDescription): number {
  const p = Number(m.ptime);
  return m.ptime !== undefined && Number.isFinite(p) && p > 0 && p <= MAX_PTIME_MS ? p : 20;
}

/** The audio stream both sides can use in one m= section of the peer's SDP, or undefined. */
function usableAudio(s: SessionDescription, m: MediaDescription, local: LocalMedia): NegotiatedAudio | undefined {
  const pt = commonPayloadType(s, m, local.codecs);
  if (pt === undefined) return undefined;
  return {
    codec: codecOf(m, pt)!.name as AudioCodec,
    payloadType: pt,
    telephoneEventPt: local.telephoneEvent ? telephoneEventPt(m) : undefined,
    remoteAddress: connectionAddress(s, m)!,
    remotePort: m.port,
    remotePtime: ptimeOf(m),
    direction: mirror(directionOf(s, m)),
  };
}

/**
 * Answers an offer. Takes the first plain RTP audio stream with a codec we
 * support (or RTP/SAVP with an a=crypto we can use: ./sdes.ts), declines
 * every other stream with port 0 (video from room systems, a second audio,
 * SRTP without a usable key), and throws SipError(488) when no stream is acceptable.
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
  const sdes = answerSdes(offer.media[index]!); // RTP/SAVP: our key, the chosen tag (RFC 4568)
  if (sdes) chosen.srtp = sdes.keys;
  const media = offer.media.map((m, i): MediaDescription => {
    if (i === index) return withSdes(audioSection(local, [{ pt: chosen.payloadType, name: chosen.codec }], chosen.telephoneEventPt, chosen.direction), sdes?.ours);
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
  const codecs = local.codecs.map((name) => ({ pt: STATIC_PAYLOAD_TYPE[name], name }));
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
    if (audio && !isSdesAudio(m)) return audio; // we offer plain RTP only: an RTP/SAVP answer is not one to it
  }
  throw new SipError(488, 'answer accepts no audio codec we offered');
}
