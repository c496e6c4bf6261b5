// SRTP with SDES keys (RFC 4568) in the offer/answer of ./offer-answer.ts:
// which RTP/SAVP audio streams we can take (one a=crypto line we can use),
// the answer's a=crypto (the offer's tag and suite, our own fresh key), and
// the keys the media worker needs (NegotiatedAudio.srtp).
import type { MediaDescription } from 'sdp-transform';
import { chooseCrypto, cryptoAttribute, newMasterKey, type SdesCrypto } from './crypto.ts';
import type { SrtpKeys } from './types.ts';

/** An RTP/SAVP audio stream with a port a socket can send to and an a=crypto line we can use. */
export function isSdesAudio(m: MediaDescription): boolean {
  return m.type === 'audio' && Number.isInteger(m.port) && m.port > 0 && m.port <= 0xffff
    && String(m.protocol).toUpperCase() === 'RTP/SAVP' && chooseCrypto(m.crypto) !== undefined;
}

/** What we answer to an RTP/SAVP stream: our a=crypto and the keys of both directions; undefined for plain RTP. */
export function answerSdes(m: MediaDescription): { ours: SdesCrypto; keys: SrtpKeys } | undefined {
  if (!isSdesAudio(m)) return undefined;
  const theirs = chooseCrypto(m.crypto)!;
  const ours: SdesCrypto = { tag: theirs.tag, suite: theirs.suite, key: newMasterKey() };
  return { ours, keys: { suite: theirs.suite, localKey: ours.key, remoteKey: theirs.key } };
}

/** Our answer's m= section made RTP/SAVP with our a=crypto (RFC 4568 §7.1.2). */
export function withSdes(section: MediaDescription, ours: SdesCrypto | undefined): MediaDescription {
  if (!ours) return section;
  return { ...section, protocol: 'RTP/SAVP', crypto: [cryptoAttribute(ours)] };
}
