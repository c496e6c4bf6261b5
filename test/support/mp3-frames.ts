// MPEG audio frame headers (ISO/IEC 11172-3 §2.4.2.3, 13818-3 and the
// MPEG-2.5 extension), enough to check an MP3 file frame by frame: every
// frame starts with the 11-bit sync, and each header's length leads to the
// next one.
//
//  AAAAAAAA AAABBCCD EEEEFFGH IIJJKLMM
//  A sync  B version (00 2.5, 10 MPEG-2, 11 MPEG-1)  C layer (01 = III)
//  D no CRC  E bitrate index  F sample rate index  G padding  H private …

export interface Mp3Frame { offset: number; version: '1' | '2' | '2.5'; bitrateKbps: number; sampleRate: number; length: number; samples: number }

const BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const BITRATES_V2_L3 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const RATES: Record<string, number[]> = { '1': [44100, 48000, 32000], '2': [22050, 24000, 16000], '2.5': [11025, 12000, 8000] };

/** Layer III frames of the buffer, from offset 0 (an ID3v2 tag skipped); throws at the first byte that is not a frame. */
export function mp3Frames(buf: Uint8Array): Mp3Frame[] {
  let o = 0;
  if (buf.length >= 10 && buf[0] === 0x49 && buf[1] === 0x44 && buf[2] === 0x33) {
    o = 10 + ((buf[6]! << 21) | (buf[7]! << 14) | (buf[8]! << 7) | buf[9]!);
  }
  const frames: Mp3Frame[] = [];
  while (o + 4 <= buf.length) {
    const b1 = buf[o + 1]!, b2 = buf[o + 2]!;
    if (buf[o] !== 0xff || (b1 & 0xe0) !== 0xe0) throw new Error(`no frame sync at byte ${o}`);
    const v = (b1 >> 3) & 3;
    if (v === 1) throw new Error(`reserved MPEG version at byte ${o}`);
    const version = v === 3 ? '1' : v === 2 ? '2' : '2.5';
    if (((b1 >> 1) & 3) !== 1) throw new Error(`not Layer III at byte ${o}`);
    const bi = b2 >> 4, ri = (b2 >> 2) & 3, pad = (b2 >> 1) & 1;
    if (bi === 0 || bi === 15 || ri === 3) throw new Error(`bad bitrate/rate index at byte ${o}`);
    const bitrateKbps = (version === '1' ? BITRATES_V1_L3 : BITRATES_V2_L3)[bi]!;
    const sampleRate = RATES[version]![ri]!;
    const samples = version === '1' ? 1152 : 576;
    const length = Math.floor((samples / 8) * bitrateKbps * 1000 / sampleRate) + pad;
    if (o + length > buf.length) throw new Error(`frame at byte ${o} truncated`);
    frames.push({ offset: o, version, bitrateKbps, sampleRate, length, samples });
    o += length;
  }
  if (o !== buf.length) throw new Error(`${buf.length - o} stray bytes after the last frame`);
  return frames;
}
