// Opus through opusscript (bundled wasm): mono encoders and decoders at the
// bridge leg's rate (8 or 16 kHz), PCM as Int16Array. Every instance holds wasm
// memory until delete(): the owner must call it.
import OpusScript from 'opusscript';

export type OpusRate = 8000 | 16000;

/** Bits per second we give Opus for speech at each rate. */
const BITRATE: Record<OpusRate, number> = { 8000: 16_000, 16000: 24_000 };

function samplesOf(buf: Buffer): Int16Array {
  // A copy: opusscript returns a Buffer that may sit at an odd offset of a shared pool.
  return new Int16Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + (buf.length & ~1)));
}

export class OpusDecoder {
  private readonly opus: OpusScript;
  constructor(readonly rate: OpusRate) { this.opus = new OpusScript(rate, 1); }

  /** Decodes one Opus packet (any of its frame sizes) to mono at `rate`; throws on a corrupt packet. */
  decode(packet: Uint8Array): Int16Array {
    return samplesOf(this.opus.decode(Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength)));
  }

  delete(): void { this.opus.delete(); }
}

export class OpusEncoder {
  private readonly opus: OpusScript;
  constructor(readonly rate: OpusRate) {
    this.opus = new OpusScript(rate, 1, OpusScript.Application.VOIP);
    this.opus.setBitrate(BITRATE[rate]);
  }

  /** Encodes one 20 ms mono frame (rate / 50 samples). */
  encode(frame: Int16Array): Buffer {
    return this.opus.encode(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength), frame.length);
  }

  delete(): void { this.opus.delete(); }
}
