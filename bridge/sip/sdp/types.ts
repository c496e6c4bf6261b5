// What the bridge's side of an SDP offer/answer holds (RFC 3264): the media it
// offers or accepts, and the audio stream both sides agreed on.

/** G.711 µ-law and A-law (8 kHz), and G.722 (16 kHz audio, an 8000 Hz RTP clock: RFC 3551 §4.5.2). */
export type AudioCodec = 'PCMU' | 'PCMA' | 'G722';

/** The static payload type of each codec (RFC 3551 table 4). */
export const STATIC_PAYLOAD_TYPE: Readonly<Record<AudioCodec, number>> = { PCMU: 0, PCMA: 8, G722: 9 };
export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What our side offers or accepts. */
export interface LocalMedia {
  address: string;
  port: number;
  /** In order of preference. */
  codecs: readonly AudioCodec[];
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
  /** Set when the stream is SRTP (RTP/SAVP with SDES keys, see ./sdes.ts). */
  srtp?: SrtpKeys;
}

/** SRTP master keys of one stream (RFC 4568 SDES): base64 key||salt, ours for sending, the peer's for receiving. */
export interface SrtpKeys {
  suite: string;
  localKey: string;
  remoteKey: string;
}
