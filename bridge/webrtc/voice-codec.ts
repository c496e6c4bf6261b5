// The codecs of the gateway's SIP leg to the bridge, behind one small
// interface: PCMU (8 kHz) and G.722 (16 kHz audio on an 8 kHz RTP clock,
// RFC 3551 §4.5.2; bridge/rtp/g722.ts unless another is supplied). 20 ms frames.
import { decodeUlaw, encodeUlaw } from '../rtp/g711.ts';
import { G722Decoder, G722Encoder } from '../rtp/g722.ts';

export type LegCodecName = 'G722' | 'PCMU';

/** One direction-pair of a narrow/wide-band codec in 20 ms frames. */
export interface LegVoiceCodec {
  readonly name: LegCodecName;
  /** Static payload type (RFC 3551): G722 9, PCMU 0. */
  readonly payloadType: number;
  /** Audio sample rate: 16000 for G.722, 8000 for PCMU. */
  readonly sampleRate: 8000 | 16000;
  /** Samples in one 20 ms frame at sampleRate. */
  readonly frameSamples: number;
  /** RTP timestamp step of one 20 ms frame (G.722's RTP clock is 8 kHz). */
  readonly timestampStep: number;
  /** Encodes one frame of frameSamples samples. */
  encode(pcm: Int16Array): Uint8Array;
  /** Decodes a payload (any whole number of frames). */
  decode(payload: Uint8Array): Int16Array;
}

/** The G.722 codec's API as bridge/rtp/g722.ts gives it (one 20 ms frame per call). */
export interface G722Implementation {
  createEncoder(): { encode(pcm16k: Int16Array, out: Uint8Array): unknown };
  createDecoder(): { decode(bytes: Uint8Array, out: Int16Array): unknown };
}

/** The project's G.722 (bridge/rtp/g722.ts). */
export const builtinG722: G722Implementation = {
  createEncoder: () => new G722Encoder(),
  createDecoder: () => new G722Decoder(),
};

export function pcmuCodec(): LegVoiceCodec {
  return {
    name: 'PCMU', payloadType: 0, sampleRate: 8000, frameSamples: 160, timestampStep: 160,
    encode: (pcm) => encodeUlaw(pcm),
    decode: (payload) => decodeUlaw(payload),
  };
}

/** A G.722 leg codec (its own encoder and decoder state: one per leg). */
export function g722Codec(impl: G722Implementation): LegVoiceCodec {
  const encoder = impl.createEncoder();
  const decoder = impl.createDecoder();
  return {
    name: 'G722', payloadType: 9, sampleRate: 16000, frameSamples: 320, timestampStep: 160,
    encode(pcm) {
      const out = new Uint8Array(160);
      encoder.encode(pcm, out);
      return out;
    },
    decode(payload) {
      // One byte per pair of 16 kHz samples, whatever the packet's duration.
      const out = new Int16Array(payload.length * 2);
      decoder.decode(payload, out);
      return out;
    },
  };
}
