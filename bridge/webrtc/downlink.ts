// Bridge → browsers: the leg's decoded audio cut into 20 ms frames, encoded
// ONCE per frame for all the browsers on the leg (one Opus encoder per leg,
// PCMU only when a browser chose it), and the same packet given to each
// browser's sender (werift sets each its own SSRC and encrypts with its own
// SRTP keys). Opus runs at the leg's rate; its RTP clock is 48 kHz.
import { Reframer } from './reframe.ts';
import { RtpHeader, RtpPacket } from 'werift';
import { encodeUlaw } from '../rtp/g711.ts';
import type { BrowserPeer } from './browser-peer.ts';
import { OpusEncoder, type OpusRate } from './opus.ts';
import { convertRate } from './resample.ts';

export class Downlink {
  private readonly peers = new Set<BrowserPeer>();
  private readonly reframer = new Reframer();
  private opus: OpusEncoder | undefined;
  private seq = Math.floor(Math.random() * 0x10000);
  /** Frames sent since the start: the RTP timestamps of both codecs follow from it. */
  private frames = 0;
  private readonly tsBase = Math.floor(Math.random() * 0x1_0000_0000);
  readonly stats = { frames: 0, opusBytes: 0 };

  constructor(private readonly rate: OpusRate) {}

  get size(): number { return this.peers.size; }
  add(peer: BrowserPeer): void { this.peers.add(peer); }
  delete(peer: BrowserPeer): void { this.peers.delete(peer); }

  /** Audio from the bridge at the leg's rate. */
  push(pcm: Int16Array): void {
    this.reframer.push(pcm, this.rate / 50, (frame) => this.sendFrame(frame));
  }

  private sendFrame(frame: Int16Array): void {
    if (this.peers.size === 0) return;
    let opusPacket: RtpPacket | undefined;
    let pcmuPacket: RtpPacket | undefined;
    const seq = this.seq;
    for (const peer of this.peers) {
      if (peer.sendCodec.name === 'opus') {
        if (!opusPacket) {
          this.opus ??= new OpusEncoder(this.rate);
          const payload = this.opus.encode(frame);
          this.stats.opusBytes += payload.length;
          opusPacket = packet(peer.sendCodec.payloadType, seq, (this.tsBase + this.frames * 960) >>> 0, payload);
        }
        peer.send(opusPacket);
      } else {
        pcmuPacket ??= packet(peer.sendCodec.payloadType, seq, (this.tsBase + this.frames * 160) >>> 0,
          Buffer.from(encodeUlaw(convertRate(frame, this.rate, 8000))));
        peer.send(pcmuPacket);
      }
    }
    this.seq = (this.seq + 1) & 0xffff;
    this.frames++;
    this.stats.frames++;
  }

  close(): void {
    this.opus?.delete();
    this.opus = undefined;
    this.peers.clear();
  }
}

function packet(payloadType: number, seq: number, timestamp: number, payload: Buffer): RtpPacket {
  return new RtpPacket(new RtpHeader({ payloadType, sequenceNumber: seq, timestamp, marker: false }), payload);
}
