// A werift RTCPeerConnection playing the browser in the WebRTC gateway's
// tests: a complete (non-trickle) offer with Opus/48000/2 and PCMU (or PCMU
// only), a tone sent as Opus (or PCMU) in 20 ms packets, and what it hears
// decoded to 8 kHz.
import OpusScript from 'opusscript';
import { decodeUlaw, encodeUlaw } from '../../bridge/rtp/g711.ts';
import { RTCPeerConnection, RTCRtpCodecParameters, RtpHeader, RtpPacket, type MediaStreamTrack, type RTCRtpTransceiver } from 'werift';

const HOST = '127.0.0.1';

export class TestBrowser {
  readonly pc: RTCPeerConnection;
  readonly transceiver: RTCRtpTransceiver;
  /** Opus packets heard, decoded to 8 kHz mono. */
  readonly heard: Int16Array[] = [];
  private readonly decoder = new OpusScript(8000, 1);
  private readonly encoder = new OpusScript(48000, 1, OpusScript.Application.VOIP);
  private timer: NodeJS.Timeout | undefined;
  private seq = 100;
  private ts = 0;
  private phase = 0;
  private deleted = false;

  constructor(icePortRange: [number, number], direction: 'sendrecv' | 'recvonly' = 'sendrecv', private readonly codec: 'opus' | 'PCMU' = 'opus') {
    const pcmu = new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 });
    this.pc = new RTCPeerConnection({
      codecs: { audio: codec === 'opus' ? [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }), pcmu] : [pcmu] },
      iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: [HOST], iceInterfaceAddresses: { udp4: HOST }, icePortRange,
    });
    this.transceiver = this.pc.addTransceiver('audio', { direction });
    this.pc.onTrack.subscribe((track: MediaStreamTrack) => {
      track.onReceiveRtp.subscribe((p) => {
        if (this.deleted) return;
        if (p.header.payloadType === 0) { this.heard.push(decodeUlaw(p.payload)); return; }
        if (p.header.payloadType !== 111) return;
        try {
          const d = this.decoder.decode(p.payload);
          this.heard.push(new Int16Array(d.buffer.slice(d.byteOffset, d.byteOffset + d.length)));
        } catch { /* a corrupt packet is simply not heard */ }
      });
    });
  }

  /** The complete offer (gathering finished). */
  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise<void>((resolve) => this.pc.iceGatheringStateChange.subscribe((s) => { if (s === 'complete') resolve(); }));
    }
    return this.pc.localDescription!.sdp;
  }

  /** Applies the gateway's answer and waits for ICE+DTLS. */
  async connect(answerSdp: string, timeoutMs = 10_000): Promise<void> {
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    await this.waitState('connected', timeoutMs);
  }

  waitState(state: string, timeoutMs: number): Promise<void> {
    if (this.pc.connectionState === state) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { sub.unSubscribe(); reject(new Error(`browser: no ${state} within ${timeoutMs} ms (now ${this.pc.connectionState})`)); }, timeoutMs);
      const sub = this.pc.connectionStateChange.subscribe((s) => { if (s === state) { clearTimeout(timer); sub.unSubscribe(); resolve(); } });
    });
  }

  /** Sends a tone as 20 ms Opus packets (48 kHz mono, as a browser's microphone), or PCMU for a PCMU-only browser. */
  startTone(hz: number): void {
    if (this.codec === 'PCMU') {
      this.timer = setInterval(() => {
        const pcm = new Int16Array(160);
        for (let i = 0; i < 160; i++) pcm[i] = Math.round(8000 * Math.sin(this.phase++ * 2 * Math.PI * hz / 8000));
        void this.transceiver.sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: 0, sequenceNumber: this.seq++ & 0xffff, timestamp: this.ts, marker: false }), Buffer.from(encodeUlaw(pcm))));
        this.ts = (this.ts + 160) >>> 0;
      }, 20);
      return;
    }
    this.timer = setInterval(() => {
      const pcm = new Int16Array(960);
      for (let i = 0; i < 960; i++) pcm[i] = Math.round(8000 * Math.sin(this.phase++ * 2 * Math.PI * hz / 48000));
      const payload = this.encoder.encode(Buffer.from(pcm.buffer), 960);
      void this.transceiver.sender.sendRtp(new RtpPacket(new RtpHeader({ payloadType: 111, sequenceNumber: this.seq++ & 0xffff, timestamp: this.ts, marker: false }), payload));
      this.ts = (this.ts + 960) >>> 0;
    }, 20);
  }

  stopTone(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The last `ms` of what we heard, as one 8 kHz signal. */
  heardTail(ms: number): Int16Array {
    const all = Int16Array.from(this.heard.flatMap((c) => Array.from(c)));
    return all.subarray(Math.max(0, all.length - ms * 8));
  }

  async close(): Promise<void> {
    this.stopTone();
    await this.pc.close().catch(() => undefined);
    if (!this.deleted) { this.deleted = true; this.decoder.delete(); this.encoder.delete(); }
  }
}
