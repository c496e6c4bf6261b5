// A tiny SIP UAS playing "the bridge" for the WebRTC gateway's tests: the
// project's own user agent on 127.0.0.1, answering each INVITE (PCMU, or
// G.722 when told to and offered) or refusing it or letting it ring, sending
// a tone on each answered call in 20 ms packets and keeping what it hears.
import type { Socket } from 'node:dgram';
import { TypedEmitter } from '../../common/events.ts';
import { moduleLogger } from '../../common/log.ts';
import { decodeUlaw, encodeUlaw } from '../../bridge/rtp/g711.ts';
import { G722Decoder, G722Encoder } from '../../bridge/rtp/g722.ts';
import { bindPair } from '../../bridge/rtp/port-allocator.ts';
import { parseRtp, serializeRtp } from '../../bridge/rtp/rtp-packet.ts';
import type { ServerInviteSession } from '../../bridge/sip/dialog/server-invite-session.ts';
import { getHeader } from '../../bridge/sip/message/headers.ts';
import { answerOffer } from '../../bridge/sip/sdp/offer-answer.ts';
import { SipTransport } from '../../bridge/sip/transport/transport.ts';
import { SipUserAgent } from '../../bridge/sip/user-agent.ts';

const HOST = '127.0.0.1';

/** Our side of a PCMU call on `port` (with telephone-event), at SDP version `version`. */
const pcmuLocal = (port: number, version: number) => ({ address: HOST, port, codecs: ['PCMU' as const], telephoneEvent: true, ptime: 20, sessionId: '1', sessionVersion: version });

export type UasMode = { answer: true } | { reject: number } | { ring: true };

export type UasCodec = 'PCMU' | 'G722';

export class UasCall {
  /** What the caller sent us, decoded (at `rate`). */
  readonly heard: Int16Array[] = [];
  /** Each audio packet's arrival (performance.now()), sequence number, timestamp, our port it came to and where it came from. */
  readonly arrivals: Array<{ at: number; seq: number; ts: number; port: number; from: string }> = [];
  readonly rate: number;
  private readonly g722 = { enc: new G722Encoder(), dec: new G722Decoder() };
  private timer: NodeJS.Timeout | undefined;
  private seq = 1;
  private ts = 0;
  private phase = 0;
  ended = false;
  readonly endedBy: Promise<string>;

  private readonly sockets: Socket[] = [];
  /** Our answer to the INVITE (set by ToneUas). */
  answerSdp = '';

  constructor(
    readonly session: ServerInviteSession, private rtp: Socket | undefined, private remote: { address: string; port: number } | undefined,
    private readonly toneHz: number, readonly codec: UasCodec = 'PCMU',
  ) {
    this.rate = codec === 'G722' ? 16000 : 8000;
    this.endedBy = new Promise((resolve) => session.once('terminated', (r) => { this.stop(); resolve(r.by); }));
    if (rtp) this.listen(rtp);
  }

  /** Moves our media to a new port with a re-INVITE (`offer` rewritten from our answer); resolves with the gateway's answer. */
  async moveTo(port: number): Promise<string> {
    const pair = await bindPair(port, HOST);
    pair.rtcp.close();
    this.listen(pair.rtp);
    const offer = this.answerSdp.replace(/^m=audio \d+/m, `m=audio ${port}`).replace(/^(o=\S+ \S+ )(\d+)/m, (_m, a: string, v: string) => `${a}${Number(v) + 1}`);
    const answer = await this.session.reinvite(offer);
    this.rtp = pair.rtp;
    return answer;
  }

  private listen(rtp: Socket): void {
    this.sockets.push(rtp);
    const port = rtp.address().port;
    rtp.on('message', (buf, rinfo) => {
      try {
        const p = parseRtp(buf);
        if (p.payloadType === 0 || p.payloadType === 9) this.arrivals.push({ at: performance.now(), seq: p.seq, ts: p.timestamp, port, from: `${rinfo.address}:${rinfo.port}` });
        if (this.codec === 'PCMU' && p.payloadType === 0) this.heard.push(decodeUlaw(p.payload));
        if (this.codec === 'G722' && p.payloadType === 9) this.heard.push(this.g722.dec.decode(p.payload, new Int16Array(p.payload.length * 2)));
      } catch { /* not RTP */ }
    });
  }

  get requestUser(): string | undefined { return this.session.request.uri.user; }
  get fromDisplayName(): string | undefined { return this.session.request.from.displayName; }
  header(name: string): string | undefined { return getHeader(this.session.request, name); }
  get offer(): string { return this.session.offer ?? ''; }

  /** Where our media goes now (a re-INVITE the call accepted may have moved it). */
  get sendingTo(): { address: string; port: number } | undefined { return this.remote; }

  /**
   * Takes re-INVITE offers (ToneUas.acceptReinvite): answers from our answer
   * with the next version, and sends to the address the offer gives.
   */
  acceptReinvites(): void {
    let version = 1;
    this.session.offerHandler = (offer) => {
      const bump = (sdp: string) => sdp.replace(/^(o=\S+ \S+ )(\d+)/m, (_m, a: string) => `${a}${version + 1}`);
      if (offer === undefined) return bump(this.answerSdp);
      const port = this.rtp!.address().port;
      const { answer, audio } = answerOffer(offer, pcmuLocal(port, ++version));
      this.remote = { address: audio.remoteAddress, port: audio.remotePort };
      return answer;
    };
  }

  /** Sends the tone in 20 ms packets of the call's codec until the call ends. */
  startTone(): void {
    if (!this.rtp || !this.remote) return;
    const rtp = this.rtp;
    const n = this.rate / 50;
    this.timer = setInterval(() => {
      const pcm = new Int16Array(n);
      for (let i = 0; i < n; i++) pcm[i] = Math.round(8000 * Math.sin(this.phase++ * 2 * Math.PI * this.toneHz / this.rate));
      const payload = this.codec === 'G722' ? this.g722.enc.encode(pcm, new Uint8Array(160)) : encodeUlaw(pcm);
      const payloadType = this.codec === 'G722' ? 9 : 0;
      const remote = this.remote!;
      rtp.send(serializeRtp({ marker: false, payloadType, seq: this.seq++ & 0xffff, timestamp: this.ts, ssrc: 0x1234, csrc: [], payload, paddingLength: 0 }), remote.port, remote.address);
      this.ts += 160;
    }, 20);
  }

  /** The last `ms` of what we heard, as one signal at `rate`. */
  heardTail(ms: number): Int16Array {
    const all = Int16Array.from(this.heard.flatMap((c) => Array.from(c)));
    return all.subarray(Math.max(0, all.length - (ms * this.rate) / 1000));
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.ended) {
      this.ended = true;
      for (const s of this.sockets) { try { s.close(); } catch { /* closed */ } }
    }
  }

  async bye(): Promise<void> { await this.session.hangup(); }
}

type UasEvents = { call: [call: UasCall] };

export class ToneUas extends TypedEmitter<UasEvents> {
  readonly calls: UasCall[] = [];
  mode: UasMode = { answer: true };
  /** The codec to answer with: G.722 is taken only when offered (pt 9), else PCMU. */
  codec: UasCodec = 'PCMU';
  /** Whether answered calls take re-INVITE offers (PCMU calls); refused with 488 otherwise. */
  acceptReinvite = false;
  private nextRtpPort: number;
  private constructor(private readonly transport: SipTransport, private readonly ua: SipUserAgent, private readonly rtpPorts: { min: number; max: number }, private readonly toneHz: number) {
    super();
    this.nextRtpPort = rtpPorts.min;
    ua.on('invite', (s) => void this.onInvite(s));
  }

  static async start(o: { port: number; rtpMin: number; rtpMax: number; toneHz: number }): Promise<ToneUas> {
    const log = moduleLogger('test-uas');
    const transport = new SipTransport({ host: HOST, port: o.port, transports: ['udp'], logger: log });
    await transport.listen();
    const ua = new SipUserAgent({ transport, logger: log, host: HOST, port: o.port, contactUser: 'bridge' });
    return new ToneUas(transport, ua, { min: o.rtpMin, max: o.rtpMax }, o.toneHz);
  }

  private async onInvite(s: ServerInviteSession): Promise<void> {
    const mode = this.mode;
    if ('reject' in mode) { s.reject(mode.reject); this.emitCall(new UasCall(s, undefined, undefined, this.toneHz)); return; }
    if ('ring' in mode) { s.progress(180); this.emitCall(new UasCall(s, undefined, undefined, this.toneHz)); return; }
    const port = this.nextRtpPort;
    this.nextRtpPort = port + 2 > this.rtpPorts.max - 1 ? this.rtpPorts.min : port + 2;
    const pair = await bindPair(port, HOST);
    pair.rtcp.close();
    const offer = s.offer ?? '';
    const { answer: pcmuAnswer, audio } = answerOffer(offer, pcmuLocal(port, 1));
    const g722 = this.codec === 'G722' && /^m=audio \d+ RTP\/AVP( \d+)* 9( |\r?$)/m.test(offer);
    const answer = g722 ? pcmuAnswer.replace(/^m=audio (\d+) RTP\/AVP 0/m, 'm=audio $1 RTP/AVP 9').replace(/a=rtpmap:0 PCMU\/8000/, 'a=rtpmap:9 G722/8000') : pcmuAnswer;
    const call = new UasCall(s, pair.rtp, { address: audio.remoteAddress, port: audio.remotePort }, this.toneHz, g722 ? 'G722' : 'PCMU');
    call.answerSdp = answer;
    if (this.acceptReinvite && !g722) call.acceptReinvites();
    s.accept(answer);
    s.once('confirmed', () => call.startTone());
    this.emitCall(call);
  }

  private emitCall(call: UasCall): void {
    this.calls.push(call);
    this.emit('call', call);
  }

  async close(): Promise<void> {
    for (const c of this.calls) { c.stop(); if (!c.session.terminated) await c.session.hangup().catch(() => undefined); }
    this.ua.close();
    await this.transport.close();
  }
}
