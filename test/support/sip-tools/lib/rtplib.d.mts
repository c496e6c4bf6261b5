// Types for the parts of rtplib.mjs the TypeScript tests import.
export function ulawToLinear(u: number): number;
export function alawToLinear(a: number): number;
export function parseRtp(buf: Buffer): { marker: boolean; pt: number; seq: number; ts: number; ssrc: number; payload: Buffer } | null;
/** UDP datagrams of a pcap/pcapng capture, with their capture time (µs since the epoch). */
export function readUdpPackets(file: string): Array<{ timeUs: number; src: string; sport: number; dst: string; dport: number; payload: Buffer }>;
