// The two G.711 codecs a member can use, by index (per-codec arrays in the
// mixer and the hold feeds are indexed the same way), and the silence frame
// of each, handed out as outputs.
import { FRAME_SAMPLES } from '../rtp/frame-source.ts';
import { PCMA, PCMU, type G711Codec } from '../rtp/g711.ts';

/** Index of a codec in per-codec arrays. */
export const codecIndex = (codec: G711Codec): number => (codec.payloadType === 0 ? 0 : 1);

/** The codecs by index. */
export const CODECS: readonly G711Codec[] = [PCMU, PCMA];

const silenceFrame = (codec: G711Codec): Uint8Array => new Uint8Array(FRAME_SAMPLES).fill(codec.silenceByte);

/** The silence frames handed out as outputs, by codec index; shared by every mixer (never written). */
export const SILENCE: readonly Uint8Array[] = CODECS.map(silenceFrame);
