// A packet capture on the loopback interface for wire tests that must look at
// what really crossed the wire (e.g. that SRTP media is not plain G.711):
// tcpdump writes a pcap while the test runs; the UDP datagrams are read back.
// tcpdump needs root or CAP_NET_RAW (the suite runs as root, like sipp).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface UdpDatagram { src: string; sport: number; dst: string; dport: number; payload: Buffer }

export class UdpCapture {
  private constructor(private readonly child: ChildProcess, private readonly file: string, private readonly exited: Promise<void>) {}

  /** Starts tcpdump on lo with a BPF `filter`; resolves once it is listening (bounded). */
  static async start(file: string, filter: string, timeoutMs = 10_000): Promise<UdpCapture> {
    const child = spawn('tcpdump', ['-i', 'lo', '-n', '-U', '-s', '2048', '-w', file, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`tcpdump did not start: ${err}`)); }, timeoutMs);
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        if (err.includes('listening on')) { clearTimeout(t); resolve(); }
      });
      child.once('error', (e) => { clearTimeout(t); reject(e); });
      child.once('exit', (code) => { clearTimeout(t); reject(new Error(`tcpdump exited (${code}): ${err}`)); });
    });
    return new UdpCapture(child, file, exited);
  }

  /** Stops the capture (this tcpdump only, by its PID) and reads the UDP datagrams it holds. */
  async stop(): Promise<UdpDatagram[]> {
    if (this.child.exitCode === null) this.child.kill('SIGINT');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
    return readPcapUdp(readFileSync(this.file));
  }
}

/** UDP over IPv4 from a classic pcap (Ethernet or Linux cooked link types, as tcpdump writes for lo). */
export function readPcapUdp(b: Buffer): UdpDatagram[] {
  if (b.length < 24) return [];
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const link = u32(20);
  const linkLen = link === 1 ? 14 : link === 113 ? 16 : link === 0 ? 4 : -1;
  if (linkLen < 0) throw new Error(`pcap link type ${link} not handled`);
  const out: UdpDatagram[] = [];
  for (let o = 24; o + 16 <= b.length;) {
    const incl = u32(o + 8);
    const data = b.subarray(o + 16, o + 16 + incl);
    o += 16 + incl;
    const ip = data.subarray(linkLen);
    if (ip.length < 20 || ip[0]! >> 4 !== 4 || ip[9] !== 17) continue;
    const ihl = (ip[0]! & 0x0f) * 4;
    const udp = ip.subarray(ihl);
    if (udp.length < 8) continue;
    const len = udp.readUInt16BE(4);
    out.push({
      src: ip.subarray(12, 16).join('.'), dst: ip.subarray(16, 20).join('.'),
      sport: udp.readUInt16BE(0), dport: udp.readUInt16BE(2), payload: Buffer.from(udp.subarray(8, len)),
    });
  }
  return out;
}
