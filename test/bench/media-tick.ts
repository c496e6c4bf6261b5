// The media worker's own work per member and tick, without sockets: a
// MediaHost with one conference of N members over a synthetic UdpIo that
// hands every member one RTP packet per tick (a tone for talkers, silence
// for the rest) and throws the sent packets away. What it measures is the
// JavaScript part of a tick (jitter buffers, DTMF gate, talk detection,
// mixing, encoding, RTP headers), the part the capacity bench cannot
// separate from the kernel's UDP work. Run: `make bench B=media-tick`
// (MEMBERS=1000 TALKERS=4 TICKS=1500 CODEC=PCMU|G722), or with node
// --cpu-prof for a profile. With G722 every member is wideband: its packets
// are G.722 (a tone with a 6 kHz part for talkers) and its output is encoded
// for it alone (G.722 keeps state per stream).
import { MediaHost } from '../../bridge/embedded/media/worker/media-host.ts';
import type { MediaClock } from '../../bridge/embedded/media/worker/media-clock.ts';
import { linearToUlaw } from '../../bridge/rtp/g711.ts';
import { G722Encoder } from '../../bridge/rtp/g722.ts';
import { writeRtpHeader } from '../../bridge/rtp/rtp-packet.ts';
import type { DatagramHandler, EndpointPair, RtpAddress, UdpEndpoint, UdpIo } from '../../bridge/rtp/udp-io.ts';

const PEER = 0x7f000001;

class SyntheticEndpoint implements UdpEndpoint {
  handler: DatagramHandler = () => undefined;
  sent = 0;
  constructor(readonly port: number) {}
  onDatagram(h: DatagramHandler): void { this.handler = h; }
  onError(): void { /* none */ }
  send(): void { this.sent++; }
  connect(_to: RtpAddress): void { /* latched */ }
  disconnect(): void { /* none */ }
  close(): Promise<void> { return Promise.resolve(); }
}

/** Feeds every RTP endpoint one packet per poll(): seq/timestamp advance like a phone's. */
class SyntheticIo implements UdpIo {
  readonly kind = 'native' as const;
  readonly rtp: Array<{ ep: SyntheticEndpoint; packet: Uint8Array; seq: number; ts: number; port: number }> = [];
  now = 0;
  constructor(private readonly payloadFor: (index: number) => Uint8Array, private readonly payloadType = 0) {}
  async bindPair(rtpPort: number): Promise<EndpointPair> {
    const ep = new SyntheticEndpoint(rtpPort);
    const packet = new Uint8Array(172);
    packet.set(this.payloadFor(this.rtp.length), 12);
    this.rtp.push({ ep, packet, seq: 1000, ts: 160_000, port: 30_000 + this.rtp.length });
    return { rtp: ep, rtcp: new SyntheticEndpoint(rtpPort + 1) };
  }
  poll(): void {
    for (const r of this.rtp) {
      writeRtpHeader(r.packet, false, this.payloadType, r.seq, r.ts, 0x1234_0000 + r.port);
      r.seq = (r.seq + 1) & 0xffff;
      r.ts = (r.ts + 160) >>> 0;
      r.ep.handler(r.packet, PEER, r.port, this.now);
    }
  }
  beginBatch(): void { /* nothing */ }
  flush(): void { /* nothing */ }
  close(): void { /* nothing */ }
}

function tonePayload(freq: number): Uint8Array {
  const out = new Uint8Array(160);
  for (let i = 0; i < 160; i++) out[i] = linearToUlaw(Math.round(3000 * Math.sin((2 * Math.PI * freq * i) / 8000)));
  return out;
}

/** 20 ms of G.722: 523 Hz plus 6 kHz at 16 kHz (or silence), from a fresh encoder. */
function g722Payload(withTone: boolean): Uint8Array {
  const pcm = new Int16Array(320);
  if (withTone) for (let i = 0; i < 320; i++) pcm[i] = Math.round(3000 * Math.sin((2 * Math.PI * 523 * i) / 16000) + 1000 * Math.sin((2 * Math.PI * 6000 * i) / 16000));
  return new G722Encoder().encode(pcm, new Uint8Array(160));
}

export type BenchCodec = 'PCMU' | 'G722';

export interface MediaTickResult { members: number; talkers: number; codec: BenchCodec; ticks: number; usPerTick: number; usPerMemberTick: number; sentPerTick: number }

export async function benchMediaTick(members = 1000, talkers = 4, ticks = 1500, codec: BenchCodec = 'PCMU'): Promise<MediaTickResult> {
  const wide = codec === 'G722';
  const tone = wide ? g722Payload(true) : tonePayload(523); // 20 ms of 523 Hz is not a whole number of cycles: talkers are never DTMF
  const silence = wide ? g722Payload(false) : new Uint8Array(160).fill(0xff);
  const io = new SyntheticIo((i) => (i < talkers ? tone : silence), wide ? 9 : 0);
  const stopped = { add() {}, delete() {}, size: 0 } as unknown as MediaClock; // ticks are driven below
  const host = new MediaHost(() => undefined, { io, clock: stopped });
  await host.handle({ op: 'conf.create', confId: 'c', settings: { joinLeaveTones: false } });
  for (let i = 0; i < members; i++) {
    const legId = `leg-${i}`;
    await host.handle({ op: 'leg.create', legId, rtpPort: 20_000 + 2 * i, host: '127.0.0.1' });
    await host.handle({
      op: 'leg.configure', legId,
      audio: { codec, payloadType: wide ? 9 : 0, telephoneEventPt: 101, remoteAddress: '127.0.0.1', remotePort: 30_000 + i, remotePtime: 20, direction: 'sendrecv' },
    });
    await host.handle({ op: 'conf.join', confId: 'c', legId, member: {} });
  }
  const warm = Math.min(250, ticks);
  let slot = 0;
  for (let i = 0; i < warm; i++) { io.now += 20; host.tick(io.now, ++slot); }
  const sentBefore = io.rtp.reduce((a, r) => a + r.ep.sent, 0);
  const t0 = performance.now();
  for (let i = 0; i < ticks; i++) { io.now += 20; host.tick(io.now, ++slot); }
  const ms = performance.now() - t0;
  const sent = io.rtp.reduce((a, r) => a + r.ep.sent, 0) - sentBefore;
  await host.closeAll();
  return { members, talkers, codec, ticks, usPerTick: (ms * 1000) / ticks, usPerMemberTick: (ms * 1000) / ticks / members, sentPerTick: sent / ticks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchMediaTick(Number(process.env.MEMBERS ?? 1000), Number(process.env.TALKERS ?? 4), Number(process.env.TICKS ?? 1500), process.env.CODEC === 'G722' ? 'G722' : 'PCMU');
  console.log(JSON.stringify(r));
}
