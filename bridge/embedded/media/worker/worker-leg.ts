// One call leg's media inside a media worker: its RtpSession, a jitter
// buffer and in-band DTMF detector on the way in, prompts on the way out, a
// recorder; or, once it is a conference member, its input and output go
// through the conference's mixer instead.
//
// A G.722 leg is wideband: its jitter buffer decodes the two sub-bands, the
// 0–4 kHz band is its input like any leg's (DTMF detection, recording, the
// mix) and the 4–8 kHz band goes to the mixer beside it; what it sends is
// encoded here from both bands (G.722 keeps state per stream).
import { moduleLogger } from '../../../../common/log.ts';
import type { DtmfEvent, PromptRef } from '../../../port.ts';
import { DtmfDetector } from '../../../rtp/dtmf-goertzel.ts';
import { FRAME_SAMPLES, SequenceSource, type FrameSource } from '../../../rtp/frame-source.ts';
import { PCMA, PCMU, type G711Codec } from '../../../rtp/g711.ts';
import { G722Decoder, G722Encoder, G722_PAYLOAD_TYPE } from '../../../rtp/g722.ts';
import { JitterBuffer } from '../../../rtp/jitter-buffer.ts';
import type { RtpSession, RtpSessionStats } from '../../../rtp/session.ts';
import { WavWriter } from '../../../rtp/wav.ts';
import type { NegotiatedAudio } from '../../../sip/sdp/types.ts';
import type { LegCounts, LegState, MediaEvent } from '../protocol.ts';
import { MediaError } from '../media-error.ts';
import { promptSource } from './prompt-source.ts';

const log = moduleLogger('media-leg');

/** How long an in-band digit waits for an RFC 4733 report of the same key (phones that send both). */
const INBAND_HOLD_MS = 250;

/** What a conference offers a member leg (set while the leg is a member). */
export interface MemberHooks {
  /** Plays a prompt to this member only, mixed with the room; resolves with whether a key interrupted it. */
  playTo(source: FrameSource, done: (interrupted: boolean) => void): { stop(): void };
}

/** Silence in one band of a wideband frame; never written. */
const NO_SOUND = new Int16Array(FRAME_SAMPLES);

interface ActivePlay { playId: string; interruptible: boolean; stop?: () => void }

interface ActiveRecording {
  recId: string;
  path: string;
  writer: WavWriter;
  frames: number;
  maxFrames: number;
  terminator?: string;
}

export class WorkerLeg {
  audio: NegotiatedAudio | undefined;
  codec: G711Codec = PCMU;
  /** Set while the leg is a conference member. */
  member: MemberHooks | undefined;
  private jitter = new JitterBuffer({ codec: PCMU });
  /** Lost and late frames of the jitter buffers this leg replaced (a codec change starts a new one). */
  private readonly jitterBefore = { lost: 0, late: 0 };
  private readonly detector = new DtmfDetector();
  private source: FrameSource | null = null;
  private play: ActivePlay | undefined;
  private recording: ActiveRecording | undefined;
  private sending = false;
  private receiving = false;
  private dtmfOut = 0;
  private rfc4733Seen: boolean;
  /**
   * In-band digits waiting out INBAND_HOLD_MS, oldest first. A queue, not one
   * slot: keys dialled faster than the hold (ITU-T Q.24 allows 10 per second)
   * must each be reported, not overwritten by the next.
   */
  private readonly pendingInband: { digit: string; durationMs: number; at: number }[] = [];
  private readonly pcmOut = new Int16Array(FRAME_SAMPLES);
  private readonly pcmIn = new Int16Array(FRAME_SAMPLES);
  private readonly bytesOut = new Uint8Array(FRAME_SAMPLES);
  private silence = new Uint8Array(FRAME_SAMPLES).fill(PCMU.silenceByte);
  /** Set for a G.722 leg: its encoder (state per stream) and the high band of the last input frame. */
  private g722: G722Encoder | null = null;
  private readonly pcmInHigh = new Int16Array(FRAME_SAMPLES);
  private inputHighReal = false;
  private closed = false;
  /**
   * Set while this leg is bridged to another leg of this worker (patch()): what
   * arrives here is sent on by the peer as it came (same codec, no decoding,
   * no jitter buffer: the far end's buffer absorbs the jitter), and this leg
   * neither ticks nor sends anything of its own.
   */
  private peer: WorkerLeg | null = null;
  /** Bridged with nothing to pass on: both far ends' media flows elsewhere (another node), this leg idles. */
  private parked = false;
  /** The source stream relayed out of this leg now (the peer's caller), and its timestamps' shift onto ours. */
  private relaySsrc: number | undefined;
  private relayTsShift = 0;

  constructor(readonly legId: string, readonly session: RtpSession, private readonly emit: (ev: MediaEvent) => void, state?: LegState) {
    this.rfc4733Seen = state?.rfc4733Seen ?? false;
    session.audioSink = (data, offset, length, seq, timestamp, ssrc, payloadType, arrivalMs) => {
      if (!this.receiving) return;
      const peer = this.peer;
      if (peer) { if (!this.parked) peer.forwardPayload(data.subarray(offset, offset + length), timestamp, ssrc); }
      else this.jitter.putBytes(seq, timestamp, ssrc, data, offset, length, arrivalMs, payloadType);
    };
    session.on('dtmf', (d) => {
      this.rfc4733Seen = true;
      this.pendingInband.length = 0;
      this.onDigit({ digit: d.digit, source: 'rfc4733', durationMs: d.durationMs });
    });
    session.on('stats', (s: RtpSessionStats) => this.emit({
      event: 'stats', legId,
      stats: { packetsReceived: s.packetsReceived, packetsSent: s.packetsSent, packetsLost: s.packetsLost, fractionLost: s.fractionLost, jitterMs: s.jitterMs, rttMs: s.rttMs },
    }));
    if (state?.audio) this.configure(state.audio);
  }

  get localPort(): number { return this.session.localPort; }
  /** The jitter buffer's current playout delay target, ms. */
  get jitterTargetMs(): number { return this.jitter.targetMs; }
  get configured(): boolean { return this.audio !== undefined; }
  /** Audio waiting in the jitter buffer now, ms. */
  get jitterDepthMs(): number { return this.jitter.depthMs; }

  /** What this leg has counted so far, for the worker's totals (media-counters.ts). */
  counts(): LegCounts {
    const s = this.session.stats;
    const j = this.jitter.counters;
    return { packetsIn: s.packetsReceived, packetsOut: s.packetsSent, framesLost: this.jitterBefore.lost + j.lost, framesLate: this.jitterBefore.late + j.late };
  }

  /** Sends and hears the 4–8 kHz band (G.722). */
  get wideband(): boolean { return this.g722 !== null; }

  /** The 4–8 kHz band of the frame the last pullInput() returned; null when narrowband or nothing arrived. */
  get inputHigh(): Int16Array | null { return this.inputHighReal ? this.pcmInHigh : null; }

  configure(audio: NegotiatedAudio): void {
    const codec = audio.codec === 'PCMA' ? PCMA : PCMU;
    const wideband = audio.codec === 'G722';
    if (codec !== this.codec || wideband !== this.wideband || !this.audio) {
      this.codec = codec;
      const old = this.jitter.counters;
      this.jitterBefore.lost += old.lost;
      this.jitterBefore.late += old.late;
      this.jitter = new JitterBuffer({ codec, bands: wideband ? new G722Decoder() : undefined });
      this.g722 = wideband ? new G722Encoder() : null;
      this.silence = new Uint8Array(FRAME_SAMPLES).fill(codec.silenceByte);
    }
    const pt = wideband ? G722_PAYLOAD_TYPE : audio.payloadType === 8 || audio.payloadType === 0 ? audio.payloadType : (codec === PCMA ? 8 : 0);
    this.session.setPayloadTypes(pt, audio.telephoneEventPt);
    this.session.setSrtp(audio.srtp); // SDES keys: SRTP/SRTCP both ways (undefined: plain RTP)
    if (audio.remotePort > 0 && audio.remoteAddress) {
      const d = this.session.destination;
      const prev = this.audio;
      if (!d || !prev || prev.remoteAddress !== audio.remoteAddress || prev.remotePort !== audio.remotePort) {
        this.session.setRemote({ address: audio.remoteAddress, port: audio.remotePort });
      }
    }
    // RFC 3264 §6.1: we send only when our direction allows it.
    this.sending = audio.direction === 'sendrecv' || audio.direction === 'sendonly';
    this.receiving = audio.direction === 'sendrecv' || audio.direction === 'recvonly';
    this.audio = audio;
  }

  private onDigit(ev: DtmfEvent): void {
    this.emit({ event: 'dtmf', legId: this.legId, digit: ev.digit, source: ev.source, durationMs: ev.durationMs });
    const play = this.play;
    if (play?.interruptible) this.endPlay(true);
    const rec = this.recording;
    if (rec?.terminator?.includes(ev.digit)) void this.endRecording('terminator');
  }

  // ---- prompts ----

  startPlay(playId: string, prompts: PromptRef[], interruptible: boolean): void {
    if (this.play) this.endPlay(true); // a new prompt replaces the one playing
    let source: FrameSource;
    try {
      source = new SequenceSource(prompts.map((p) => promptSource(p)));
    } catch (err) {
      log.error({ err, legId: this.legId }, 'cannot open prompt');
      this.emit({ event: 'playEnded', playId, interrupted: false });
      return;
    }
    const play: ActivePlay = { playId, interruptible };
    this.play = play;
    if (this.member) {
      const handle = this.member.playTo(source, () => { if (this.play === play) this.endPlay(false); });
      play.stop = () => handle.stop();
    } else {
      this.source = source;
      play.stop = () => { if (this.source === source) this.source = null; };
    }
  }

  endPlay(interrupted: boolean): void {
    const play = this.play;
    if (!play) return;
    this.play = undefined;
    play.stop?.();
    this.emit({ event: 'playEnded', playId: play.playId, interrupted });
  }

  // ---- recording ----

  async startRecording(recId: string, path: string, maxMs: number, terminator?: string): Promise<void> {
    if (this.recording) await this.endRecording('max');
    const writer = await WavWriter.open(path);
    this.recording = { recId, path, writer, frames: 0, maxFrames: Math.max(1, Math.ceil(maxMs / 20)), terminator };
  }

  async endRecording(endedBy: 'terminator' | 'max' | 'hangup'): Promise<void> {
    const rec = this.recording;
    if (!rec) return;
    this.recording = undefined;
    try {
      const r = await rec.writer.close();
      this.emit({ event: 'recordEnded', recId: rec.recId, result: { path: rec.path, durationMs: r.durationMs, endedBy } });
    } catch (err) {
      this.emit({ event: 'recordEnded', recId: rec.recId, result: { error: (err as Error).message } });
    }
  }

  // ---- DTMF out ----

  async sendDigits(digits: string, durationMs = 100, gapMs = 100): Promise<void> {
    for (const d of digits) {
      if (this.closed) return;
      this.dtmfOut++; // audio pauses while the event is on the wire (timestamps must not overlap)
      try {
        await this.session.sendTelephoneEvent(d, { durationMs });
      } finally {
        this.dtmfOut--;
      }
      await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  // ---- the 20 ms tick ----

  /**
   * Takes this tick's frame of the caller's audio (decoded, concealed or
   * silence), feeds the in-band detector and the recorder, and returns it;
   * null when nothing real arrived (the mixer then skips the member).
   */
  pullInput(nowMs: number): Int16Array | null {
    const samples = this.pcmIn;
    const real = this.jitter.getInto(samples, this.g722 ? this.pcmInHigh : undefined) !== 'silence';
    this.inputHighReal = real && this.g722 !== null;
    if (real && !this.rfc4733Seen) {
      const digits = this.detector.process(samples);
      for (let i = 0; i < digits.length; i++) this.pendingInband.push({ digit: digits[i]!.digit, durationMs: digits[i]!.durationMs, at: nowMs });
    }
    while (this.pendingInband.length > 0 && nowMs - this.pendingInband[0]!.at >= INBAND_HOLD_MS) {
      const p = this.pendingInband.shift()!;
      this.onDigit({ digit: p.digit, source: 'inband', durationMs: p.durationMs });
    }
    const rec = this.recording;
    if (rec) {
      rec.writer.write(samples);
      if (++rec.frames >= rec.maxFrames) void this.endRecording('max');
    }
    return real ? samples : null;
  }

  /** Sends an encoded frame (the mixer's output, or our own prompt/silence). */
  sendEncoded(bytes: Uint8Array, slot: number): void {
    if (!this.sending || this.dtmfOut > 0 || this.closed) return;
    this.session.sendFrame(bytes, slot);
  }

  /** Sends a wideband member's output (the mixer's two bands), encoded here. */
  sendBands(low: Int16Array, high: Int16Array, slot: number): void {
    const g722 = this.g722;
    if (!g722) return;
    if (!this.sending || this.dtmfOut > 0 || this.closed) return;
    this.session.sendFrame(g722.encodeBands(low, high, this.bytesOut, FRAME_SAMPLES), slot);
  }

  /** The leg this one is bridged to (patch()), or null. */
  get patchedTo(): WorkerLeg | null { return this.peer; }

  /**
   * Bridges this leg to `peer` (or ends the bridge with null), this side
   * only; the host patches both sides. Both legs must speak the same codec
   * (payloads pass untouched) and be outside any conference. `park`: the
   * pair passes nothing on (their far ends were pointed at each other).
   */
  patch(peer: WorkerLeg | null, park = false): void {
    if (peer && (!this.audio || !peer.audio || this.audio.codec !== peer.audio.codec)) {
      throw new MediaError(`legs ${this.legId} (${this.audio?.codec ?? 'not configured'}) and ${peer.legId} (${peer.audio?.codec ?? 'not configured'}) do not share a codec`, 'ECODEC');
    }
    if (peer) this.interruptPlay();
    this.peer = peer;
    this.parked = peer !== null && park;
    this.relaySsrc = undefined;
  }

  /**
   * A payload the peer received, sent from here under this leg's SSRC and
   * sequence, at its source timestamp shifted onto this leg's timeline (set
   * at the source's first packet): losses, pauses and reordering reach the
   * far end's jitter buffer as they were.
   */
  private forwardPayload(payload: Uint8Array, timestamp: number, ssrc: number): void {
    if (!this.sending || this.dtmfOut > 0 || this.closed) return;
    const first = ssrc !== this.relaySsrc;
    if (first) {
      this.relaySsrc = ssrc;
      this.relayTsShift = (this.session.nextTimestamp - timestamp) >>> 0;
    }
    this.session.sendFrameAt(payload, (timestamp + this.relayTsShift) >>> 0, first);
  }

  /** A tick for a leg outside any conference: our own prompt or silence. */
  soloTick(nowMs: number, slot: number): void {
    this.pullInput(nowMs);
    const source = this.source;
    let pcm: Int16Array | null = null;
    if (source) {
      pcm = source.next(this.pcmOut);
      if (pcm === null) {
        this.source = null;
        if (this.play) this.endPlay(false);
      }
    }
    if (this.g722) this.sendBands(pcm ?? NO_SOUND, NO_SOUND, slot);
    else this.sendEncoded(pcm ? this.codec.encode(pcm, this.bytesOut) : this.silence, slot);
  }

  /** Ends what plays, for a move into or out of a conference. */
  interruptPlay(): void { if (this.play) this.endPlay(true); }

  async detach(): Promise<LegState> {
    this.interruptPlay();
    await this.endRecording('hangup');
    this.closed = true;
    const rtp = await this.session.detach();
    return { rtp, audio: this.audio, rfc4733Seen: this.rfc4733Seen };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.interruptPlay();
    await this.endRecording('hangup');
    this.closed = true;
    await this.session.close();
  }
}
