// One SIP call from the gateway to the bridge (RFC 3261 UAC through the
// project's stack) and its plain RTP over loopback: 20 ms frames out with
// continuous sequence numbers and timestamps, the bridge's audio decoded in.
// A re-INVITE keeps the codec and takes the new address (hold included).
import type { Socket } from 'node:dgram';
import { TypedEmitter } from '../../common/events.ts';
import { SipError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type { PortAllocator } from '../rtp/port-allocator.ts';
import { parseRtp, serializeRtp } from '../rtp/rtp-packet.ts';
import type { ClientInviteSession } from '../sip/dialog/client-invite-session.ts';
import type { TerminationReason } from '../sip/dialog/invite-session.ts';
import type { SipUri } from '../sip/grammar/types.ts';
import type { HeaderField } from '../sip/message/message.ts';
import type { SipUserAgent } from '../sip/user-agent.ts';
import { GatewayError } from './gateway-error.ts';
import { createLegOffer, readLegAnswer, type LegAnswer } from './leg-sdp.ts';
import { g722Codec, pcmuCodec, type G722Implementation, type LegCodecName, type LegVoiceCodec } from './voice-codec.ts';

export interface BridgeLegOptions {
  ua: SipUserAgent;
  ports: PortAllocator;
  bindHost: string;
  target: SipUri;
  from: { user: string; displayName?: string };
  headers: HeaderField[];
  /** G.722 when available (offered first), else PCMU only. */
  g722: G722Implementation | undefined;
  /** recvonly for a listen-in leg. */
  direction: 'sendrecv' | 'recvonly';
  /** The bridge must answer within this (ms): else CANCEL and GatewayError 504. */
  timeoutMs: number;
  /** Aborted before the answer: CANCEL, GatewayError 487. */
  signal?: AbortSignal;
  log: Logger;
}

type BridgeLegEvents = {
  /** Decoded audio from the bridge at codec.sampleRate (one packet's worth, usually 20 ms). */
  audio: [pcm: Int16Array];
  /** The call is over: the bridge hung up, or hangup() was called. */
  ended: [reason: string];
};

export class BridgeLeg extends TypedEmitter<BridgeLegEvents> {
  private seq = Math.floor(Math.random() * 0x10000);
  private timestamp = Math.floor(Math.random() * 0x1_0000_0000);
  private readonly ssrc = Math.floor(Math.random() * 0x1_0000_0000);
  private remote: { address: string; port: number };
  private ended = false;
  private nextMarker = true;

  private constructor(
    private readonly session: ClientInviteSession,
    private readonly sockets: { rtp: Socket; rtcp: Socket; rtpPort: number },
    readonly codec: LegVoiceCodec,
    answer: LegAnswer,
    private readonly opts: BridgeLegOptions,
  ) {
    super();
    this.remote = { address: answer.remoteAddress, port: answer.remotePort };
    sockets.rtp.on('message', (buf, rinfo) => this.onRtp(buf, rinfo.address));
    sockets.rtcp.on('message', () => undefined); // RTCP from the bridge: not used
    session.offerHandler = (offer) => this.onOffer(offer);
    session.on('terminated', (r) => this.finish(describe(r)));
  }

  get callId(): string { return this.session.callId; }

  /** Places the call; resolves once the bridge answered (200 OK, ACK sent). */
  static async open(o: BridgeLegOptions): Promise<BridgeLeg> {
    const pair = await o.ports.allocate();
    const release = (): void => {
      for (const s of [pair.rtp, pair.rtcp]) { try { s.close(); } catch { /* closed already */ } }
      o.ports.release(pair.rtpPort);
    };
    const offered: LegCodecName[] = o.g722 ? ['G722', 'PCMU'] : ['PCMU'];
    let session: ClientInviteSession;
    try {
      session = await o.ua.invite({
        target: o.target, from: o.from, headers: o.headers,
        sdp: createLegOffer({ address: o.bindHost, port: pair.rtpPort, codecs: offered, direction: o.direction }),
      });
    } catch (err) {
      release();
      throw new GatewayError(503, `cannot reach the bridge: ${(err as Error).message}`);
    }
    try {
      await new Promise<void>((resolve, reject) => {
        const giveUp = (err: GatewayError): void => { clearTimeout(timer); o.signal?.removeEventListener('abort', onAbort); void session.hangup(); reject(err); };
        const onAbort = (): void => giveUp(new GatewayError(487, 'cancelled before the bridge answered'));
        const timer = setTimeout(() => giveUp(new GatewayError(504, `the bridge did not answer within ${o.timeoutMs} ms`)), o.timeoutMs);
        if (o.signal?.aborted) { onAbort(); return; }
        o.signal?.addEventListener('abort', onAbort, { once: true });
        session.once('confirmed', () => { clearTimeout(timer); o.signal?.removeEventListener('abort', onAbort); resolve(); });
        session.once('terminated', (r) => {
          clearTimeout(timer);
          o.signal?.removeEventListener('abort', onAbort);
          reject(new GatewayError(r.status ?? (r.by === 'timeout' ? 504 : 503), `the bridge refused the call: ${describe(r)}`));
        });
      });
    } catch (err) {
      release();
      throw err;
    }
    let answer: LegAnswer;
    try {
      answer = readLegAnswer(session.finalResponse?.body.toString('utf8') ?? '', offered);
    } catch (err) {
      void session.hangup({ q850: 88 }); // Q.850 88: incompatible destination
      release();
      throw new GatewayError(err instanceof SipError ? err.status : 488, (err as Error).message);
    }
    const codec = answer.codec === 'G722' && o.g722 ? g722Codec(o.g722) : pcmuCodec();
    o.log.debug({ callId: session.callId, codec: codec.name, remote: `${answer.remoteAddress}:${answer.remotePort}` }, 'bridge answered');
    return new BridgeLeg(session, pair, codec, answer, o);
  }

  /** Sends one 20 ms frame (codec.frameSamples at codec.sampleRate). */
  sendFrame(pcm: Int16Array): void {
    if (this.ended) return;
    const packet = serializeRtp({
      marker: this.nextMarker, payloadType: this.codec.payloadType, seq: this.seq, timestamp: this.timestamp,
      ssrc: this.ssrc, csrc: [], payload: this.codec.encode(pcm), paddingLength: 0,
    });
    this.nextMarker = false;
    this.seq = (this.seq + 1) & 0xffff;
    this.timestamp = (this.timestamp + this.codec.timestampStep) >>> 0;
    this.sockets.rtp.send(packet, this.remote.port, this.remote.address);
  }

  /** A 20 ms frame with nothing to send: the clock moves on, the next packet carries the marker (RFC 3551 §4.1). */
  skipFrame(): void {
    this.timestamp = (this.timestamp + this.codec.timestampStep) >>> 0;
    this.nextMarker = true;
  }

  private onRtp(buf: Buffer, address: string): void {
    if (this.ended || address !== this.remote.address) return;
    let payloadType: number;
    let payload: Uint8Array;
    try {
      ({ payloadType, payload } = parseRtp(buf));
    } catch {
      return; // not RTP: dropped
    }
    if (payloadType !== this.codec.payloadType || payload.length === 0 || payload.length > 1280) return;
    this.emit('audio', this.codec.decode(payload));
  }

  /** A re-INVITE's offer: we keep our codec (488 when it is gone) and follow the address. */
  private onOffer(offer: string | undefined): string {
    const direction = this.opts.direction;
    const ours = createLegOffer({ address: this.opts.bindHost, port: this.sockets.rtpPort, codecs: [this.codec.name], direction });
    if (offer === undefined) return ours;
    const answer = readLegAnswer(offer, [this.codec.name]);
    this.remote = { address: answer.remoteAddress, port: answer.remotePort };
    return ours;
  }

  private hangingUp: Promise<void> | undefined;

  /** BYE (once, however often called); resolves when the bridge answered it or it timed out. */
  hangup(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.hangingUp ??= this.session.hangup().finally(() => this.finish('hangup'));
    return this.hangingUp;
  }

  private finish(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    for (const s of [this.sockets.rtp, this.sockets.rtcp]) { try { s.close(); } catch { /* closed already */ } }
    this.opts.ports.release(this.sockets.rtpPort);
    this.emit('ended', reason);
  }
}

function describe(r: TerminationReason): string {
  return [r.by === 'remote' ? 'bridge-hangup' : r.by, r.status, r.reason].filter((x) => x !== undefined && x !== '').join(' ');
}
