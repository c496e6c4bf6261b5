// What a SIP peer received, from the wire: tcpdump captures the UDP sent to
// its media port on lo (needs root or CAP_NET_RAW, as sipp's pcap play does),
// then the PCMU RTP is decoded with its arrival times, so a test can ask how
// loud a tone was in a wall-clock window.
import { spawn, type ChildProcess } from 'node:child_process';
import { parseRtp, readUdpPackets, ulawToLinear } from './sip-tools/lib/rtplib.mjs';
import { steadyToneDb } from './audio-check.ts';

export interface ReceivedAudio {
  /** Level (dB, steadyToneDb) of `hz` in what arrived between the two wall-clock times (ms). */
  levelOf(hz: number, fromMs: number, toMs: number): number;
  packets: number;
}

export class RtpCapture {
  private constructor(private readonly child: ChildProcess, private readonly file: string, private readonly exited: Promise<void>) {}

  /** Starts tcpdump for UDP to `port` on lo into `file`; resolves once it listens (bounded). */
  static async start(file: string, port: number, timeoutMs = 10_000): Promise<RtpCapture> {
    const child = spawn('tcpdump', ['-i', 'lo', '-n', '-s0', '-U', '-w', file, `udp and dst port ${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<void>((res) => child.once('exit', () => res()));
    let err = '';
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`tcpdump did not start: ${err}`)), timeoutMs);
      child.stderr?.on('data', (d: Buffer) => { err += d.toString(); if (/listening on/.test(err)) { clearTimeout(timer); res(); } });
      child.once('exit', (code) => { clearTimeout(timer); rej(new Error(`tcpdump exited ${code}: ${err}`)); });
    });
    return new RtpCapture(child, file, exited);
  }

  /** Stops the capture and decodes what came (PCMU only: the bridge answers sipp with PT 0). */
  async stop(): Promise<ReceivedAudio> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    await this.exited;
    const frames: Array<{ atMs: number; samples: Int16Array }> = [];
    for (const u of readUdpPackets(this.file)) {
      const rtp = parseRtp(u.payload);
      if (!rtp || rtp.pt !== 0) continue;
      const s = new Int16Array(rtp.payload.length);
      for (let i = 0; i < s.length; i++) s[i] = ulawToLinear(rtp.payload[i]!);
      frames.push({ atMs: u.timeUs / 1000, samples: s });
    }
    return {
      packets: frames.length,
      levelOf(hz: number, fromMs: number, toMs: number): number {
        const parts = frames.filter((f) => f.atMs >= fromMs && f.atMs < toMs).map((f) => f.samples);
        const n = parts.reduce((a, p) => a + p.length, 0);
        if (n < 4000) throw new Error(`only ${n / 8} ms of audio arrived between ${fromMs} and ${toMs}`);
        const all = new Int16Array(n);
        let off = 0;
        for (const p of parts) { all.set(p, off); off += p.length; }
        return steadyToneDb(all, hz);
      },
    };
  }
}
