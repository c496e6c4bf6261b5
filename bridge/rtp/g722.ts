// G.722 (ITU-T G.722, 7 kHz audio within 64 kbit/s), mode 1: one byte per
// pair of 16 kHz samples, the low band's 6-bit code in bits 0–5 and the high
// band's 2-bit code in bits 6–7 (RFC 3551 §4.5.2 octet order; RTP clock 8000).
// Bit-exact with the ITU reference algorithm and with spandsp's g722.c
// (checked against fixtures from spandsp in test/unit/g722.test.ts).
//
// Besides 16 kHz PCM, the codec takes and gives its two sub-bands separately
// (encodeBands/decodeBands), so the mixer can mix the 0–4 kHz band with
// narrowband members and the 4–8 kHz band among wideband members only. The
// bands are unity-scaled as in g722-qmf.ts (twice the codec's internal
// 15-bit values): decodeBands() gives exactly twice the decoder's sub-band
// signals, so join(decodeBands()) = decode(); encodeBands() halves its input,
// so encodeBands(split()) = encode() except where split() had to saturate
// (a low or high band beyond ±32767, which only a pathological near-full-scale
// input can produce; encode() itself never saturates there, as the reference).
//
// State lives in the instance; nothing is allocated per call.
import { AdpcmBand, decodeHigh, decodeLow, encodeHigh, encodeLow, highBand, lowBand } from './g722-adpcm.ts';
import { QmfAnalysis, QmfSynthesis, checkLength } from './g722-qmf.ts';

export { QmfAnalysis, QmfSynthesis } from './g722-qmf.ts';

/** RTP payload type of G.722 (RFC 3551 Table 4); its RTP clock is 8000 though it samples at 16 kHz. */
export const G722_PAYLOAD_TYPE = 9;

export class G722Encoder {
  private readonly qmf = new QmfAnalysis();
  private readonly low: AdpcmBand = lowBand();
  private readonly high: AdpcmBand = highBand();

  /** 16 kHz PCM (2·n samples) → n bytes (one byte per pair of samples). */
  encode(pcm: Int16Array, out: Uint8Array, n: number = pcm.length >> 1): Uint8Array {
    checkLength('pcm', pcm, 2 * n);
    checkLength('out', out, n);
    const qmf = this.qmf;
    for (let i = 0; i < n; i++) {
      qmf.push(pcm[2 * i]!, pcm[2 * i + 1]!);
      const code = encodeLow(this.low, qmf.lowSum >> 14);
      out[i] = (encodeHigh(this.high, qmf.highSum >> 14) << 6) | code;
    }
    return out;
  }

  /** The two bands, 8 kHz each (n samples each, unity-scaled) → n bytes; no QMF. */
  encodeBands(low: Int16Array, high: Int16Array, out: Uint8Array, n: number = low.length): Uint8Array {
    checkLength('low', low, n);
    checkLength('high', high, n);
    checkLength('out', out, n);
    for (let i = 0; i < n; i++) {
      const code = encodeLow(this.low, low[i]! >> 1);
      out[i] = (encodeHigh(this.high, high[i]! >> 1) << 6) | code;
    }
    return out;
  }
}

export class G722Decoder {
  private readonly qmf = new QmfSynthesis();
  private readonly low: AdpcmBand = lowBand();
  private readonly high: AdpcmBand = highBand();

  /** bytes[offset..offset+length) → 2·length samples at 16 kHz in out[0..2·length). */
  decode(bytes: Uint8Array, out: Int16Array, offset = 0, length: number = bytes.length - offset): Int16Array {
    checkRange(bytes, offset, length);
    checkLength('out', out, 2 * length);
    const qmf = this.qmf;
    for (let i = 0; i < length; i++) {
      const byte = bytes[offset + i]!;
      const rlow = decodeLow(this.low, byte & 0x3f);
      const rhigh = decodeHigh(this.high, byte >> 6);
      qmf.push(rlow + rhigh, rlow - rhigh, 11, out, 2 * i);
    }
    return out;
  }

  /** bytes[offset..offset+length) → `length` low-band and `length` high-band samples, unity-scaled; no QMF. */
  decodeBands(bytes: Uint8Array, offset: number, length: number, low: Int16Array, high: Int16Array): void {
    checkRange(bytes, offset, length);
    checkLength('low', low, length);
    checkLength('high', high, length);
    for (let i = 0; i < length; i++) {
      const byte = bytes[offset + i]!;
      low[i] = decodeLow(this.low, byte & 0x3f) << 1;
      high[i] = decodeHigh(this.high, byte >> 6) << 1;
    }
  }
}

function checkRange(bytes: Uint8Array, offset: number, length: number): void {
  if (!Number.isInteger(offset) || offset < 0) throw new RangeError(`bad offset ${offset}`);
  if (!Number.isInteger(length) || length < 0) throw new RangeError(`bad length ${length}`);
  checkLength('bytes', bytes, offset + length);
}
