// The browser's side of the gateway: one werift RTCPeerConnection answering a
// complete (non-trickle) offer — host candidates on bindHost only, no STUN or
// TURN, DTLS-SRTP as werift does it — with Opus/48000/2 preferred and PCMU.
import {
  MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters, type RTCRtpTransceiver, type RtpPacket,
} from 'werift';
import { TypedEmitter } from '../../common/events.ts';
import type { BrowserCodec } from './browser-offer.ts';
import { GatewayError } from './gateway-error.ts';

export interface BrowserPeerOptions {
  bindHost: string;
  icePortRange: [number, number];
  /** Our direction towards the browser: sendonly for a listen-in page. */
  direction: 'sendrecv' | 'sendonly';
  /** Longest wait for our own ICE gathering, ms. */
  gatherTimeoutMs: number;
}

export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

type BrowserPeerEvents = {
  /** An RTP packet from the browser (already SRTP-decrypted). */
  rtp: [packet: RtpPacket];
  state: [state: PeerState];
};

function audioCodecs(): RTCRtpCodecParameters[] {
  return [
    new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111, parameters: 'minptime=10;useinbandfec=1' }),
    new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
  ];
}

export class BrowserPeer extends TypedEmitter<BrowserPeerEvents> {
  private closed = false;

  private constructor(
    private readonly pc: RTCPeerConnection,
    private readonly transceiver: RTCRtpTransceiver,
    /** The codec we send (the first the answer lists) and its payload type. */
    readonly sendCodec: { name: BrowserCodec; payloadType: number },
    /** The payload types the answer gave each codec (what the browser's packets carry). */
    readonly payloadTypes: { opus?: number; pcmu?: number },
    readonly answerSdp: string,
  ) {
    super();
    pc.connectionStateChange.subscribe((s) => this.emit('state', s));
  }

  get state(): PeerState { return this.pc.connectionState; }

  /** Takes the browser's offer and gives our answer with every candidate gathered. */
  static async answer(offerSdp: string, o: BrowserPeerOptions): Promise<BrowserPeer> {
    const pc = new RTCPeerConnection({
      codecs: { audio: audioCodecs(), video: [] },
      iceServers: [],
      // Only bindHost: no interface is enumerated, bindHost is added as the one host address, sockets bind to it.
      iceUseIpv4: false, iceUseIpv6: false, iceUseTcp: false,
      iceAdditionalHostAddresses: [o.bindHost],
      iceInterfaceAddresses: { udp4: o.bindHost },
      icePortRange: o.icePortRange,
    });
    // Packets can come before we hold the peer: subscribe to the track before the offer is applied.
    let onRtp: (p: RtpPacket) => void = () => undefined;
    pc.onTrack.subscribe((track: MediaStreamTrack) => { track.onReceiveRtp.subscribe((p) => onRtp(p)); });
    try {
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
      } catch (err) {
        throw new GatewayError(400, `offer refused: ${(err as Error).message}`);
      }
      const transceiver = pc.getTransceivers().find((t) => t.kind === 'audio');
      if (!transceiver) throw new GatewayError(400, 'the offer has no audio transceiver');
      transceiver.setDirection(o.direction);
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc, o.gatherTimeoutMs);
      const codec = transceiver.codecs[0];
      if (!codec) throw new GatewayError(488, 'no common audio codec with the browser');
      const name: BrowserCodec = codec.mimeType.toLowerCase() === 'audio/opus' ? 'opus' : 'PCMU';
      const pts: { opus?: number; pcmu?: number } = {};
      for (const c of transceiver.codecs) {
        const mime = c.mimeType.toLowerCase();
        if (mime === 'audio/opus') pts.opus ??= c.payloadType;
        if (mime === 'audio/pcmu') pts.pcmu ??= c.payloadType;
      }
      const peer = new BrowserPeer(pc, transceiver, { name, payloadType: codec.payloadType }, pts, pc.localDescription?.sdp ?? '');
      onRtp = (p) => { if (!peer.closed) peer.emit('rtp', p); };
      return peer;
    } catch (err) {
      await pc.close().catch(() => undefined);
      throw err;
    }
  }

  /** Sends a packet on our audio track (werift sets our SSRC and payload type and encrypts it). */
  send(packet: RtpPacket): void {
    if (this.closed || this.pc.connectionState !== 'connected') return;
    this.transceiver.sender.sendRtp(packet).catch(() => undefined); // a send racing close(): nothing to do
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pc.close().catch(() => undefined);
  }
}

function gathered(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { sub.unSubscribe(); reject(new GatewayError(504, 'ICE gathering did not complete')); }, timeoutMs);
    const sub = pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') { clearTimeout(timer); sub.unSubscribe(); resolve(); }
    });
  });
}
