// Packet loss for sipp's play_pcap_audio: copies a classic pcap (as
// sip-tools/rtp-pcap-gen.mjs writes it: little-endian, microsecond times)
// leaving out every n-th record from a given one on. The remaining packets
// keep their times and sequence numbers, so the receiver sees real gaps
// (RFC 3550 §6.4.1: cumulative lost = expected − received).
import { readFileSync, writeFileSync } from 'node:fs';

const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;

/** Writes `out` from `src` without every `every`-th packet counted from `fromPacket`; returns how many were left out. */
export function dropEvery(src: string, out: string, every: number, fromPacket = 0): { kept: number; dropped: number } {
  const b = readFileSync(src);
  if (b.length < GLOBAL_HEADER || b.readUInt32LE(0) !== 0xa1b2c3d4) throw new Error(`${src}: not a little-endian microsecond pcap`);
  const parts: Buffer[] = [b.subarray(0, GLOBAL_HEADER)];
  let off = GLOBAL_HEADER;
  let index = 0;
  let kept = 0;
  let dropped = 0;
  while (off + RECORD_HEADER <= b.length) {
    const len = b.readUInt32LE(off + 8);
    const end = off + RECORD_HEADER + len;
    if (end > b.length) throw new Error(`${src}: record ${index} runs past the end`);
    const drop = index >= fromPacket && (index - fromPacket) % every === every - 1;
    if (drop) dropped++; else { parts.push(b.subarray(off, end)); kept++; }
    off = end;
    index++;
  }
  writeFileSync(out, Buffer.concat(parts));
  return { kept, dropped };
}
