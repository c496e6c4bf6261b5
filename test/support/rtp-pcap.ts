// Generates an RTP pcap for sipp's play_pcap_audio with sip-tools/rtp-pcap-gen.mjs.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export const SIP_TOOLS = resolve(import.meta.dirname, 'sip-tools');

export interface PcapSummary {
  codec: string;
  segments: { segment: string; startMs: number; endMs: number }[];
  packets: number;
  durationMs: number;
}

export interface PcapOptions {
  codec?: 'pcmu' | 'pcma';
  dtmfPt?: number;
  ssrc?: number;
}

/** Writes `out` from segments like `silence:1`, `dtmf:1234#:100:100`, `tone:1000:2`, `wav:FILE`. */
export function makePcap(out: string, segments: string[], opts: PcapOptions = {}): PcapSummary {
  const args = [resolve(SIP_TOOLS, 'rtp-pcap-gen.mjs'), '-o', out, '--json'];
  if (opts.codec) args.push('--codec', opts.codec);
  if (opts.dtmfPt !== undefined) args.push('--dtmf-pt', String(opts.dtmfPt));
  if (opts.ssrc !== undefined) args.push('--ssrc', String(opts.ssrc));
  const text = execFileSync(process.execPath, [...args, ...segments], { encoding: 'utf8', timeout: 30_000 });
  return JSON.parse(text) as PcapSummary;
}
