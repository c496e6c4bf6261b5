// A call leg of the embedded engine: one INVITE session and its media, with
// DTMF from all three sources (RFC 4733, SIP INFO, in-band), prompts,
// digit collection and recording.
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError, SipError } from '../../common/errors.ts';
import type { Logger } from '../../common/log.ts';
import type {
  CallLeg, CallLegEvents, CollectOptions, DtmfEvent, PlayResult, PromptRef, Recording, RecordOptions,
} from '../port.ts';
import { Q850, type Q850Cause } from '../q850.ts';
import type { InviteSession, TerminationReason } from '../sip/dialog/invite-session.ts';
import { DTMF_RELAY, MAX_INFO_DTMF_BODY, formatInfoDtmf, parseInfoDtmf } from '../sip/message/info-dtmf.ts';
import type { SipRequest } from '../sip/message/message.ts';
import { answerOffer, createOffer, readAnswer } from '../sip/sdp/offer-answer.ts';
import type { AudioCodec, LocalMedia, NegotiatedAudio } from '../sip/sdp/types.ts';
import type { LegMedia } from './media/control/leg-media.ts';
import { DigitBuffer } from '../digit-buffer.ts';

export { MAX_BUFFERED_DIGITS } from '../digit-buffer.ts';

const DTMF_DIGITS = '0123456789*#ABCD';

export interface CallLegInit {
  id: string;
  session: InviteSession;
  media: LegMedia;
  audio: NegotiatedAudio;
  local: LocalMedia;
  direction: 'in' | 'out';
  from: string;
  to: string;
  log: Logger;
}

export class EmbeddedCallLeg extends TypedEmitter<CallLegEvents> implements CallLeg {
  readonly id: string;
  readonly callId: string;
  readonly from: string;
  readonly to: string;
  readonly direction: 'in' | 'out';
  readonly answeredAt = new Date();
  private readonly session: InviteSession;
  readonly media: LegMedia;
  private readonly log: Logger;
  /** What we offer and answer now: our own media, or (redirectMedia) another node's. */
  private local: LocalMedia;
  /** Our own media's description (what redirectMedia(null) goes back to). */
  private readonly ownLocal: LocalMedia;
  private audio: NegotiatedAudio;
  /** True while the far end's media is pointed at another address (redirectMedia). */
  private redirectedAway = false;
  private lastAnswer: string | undefined;
  private held = false;
  private isEnded = false;
  private localCause: Q850Cause | undefined;
  /** Digits received and not yet consumed by collect() (type-ahead). */
  private readonly digits = new DigitBuffer();
  private readonly endWaiters = new Set<() => void>();

  constructor(init: CallLegInit) {
    super();
    this.id = init.id;
    this.callId = init.session.callId;
    this.from = init.from;
    this.to = init.to;
    this.direction = init.direction;
    this.session = init.session;
    this.media = init.media;
    this.audio = init.audio;
    this.local = init.local;
    this.ownLocal = init.local;
    this.log = init.log;
    this.media.configure(this.audio);
    this.media.on('dtmf', (ev) => this.onDigit(ev));
    for (const ev of this.media.takeEarlyDigits()) this.onDigit(ev);
    this.media.on('stats', (s) => this.emit('stats', s));
    // Q.850 41 (temporary failure): the media worker died; a new call goes to its replacement.
    const mediaLost = (err: Error) => {
      this.log.error({ err: err.message }, 'media lost; ending the call');
      void this.hangup(Q850.TEMPORARY_FAILURE);
    };
    this.media.on('failed', mediaLost);
    const lost = this.media.lost; // its worker died while the call was being answered
    if (lost) queueMicrotask(() => mediaLost(lost));
    this.session.on('info', (req) => this.onInfo(req));
    this.session.offerHandler = (offer) => this.onOffer(offer);
    this.session.on('terminated', (r) => this.onTerminated(r));
    if (this.session.terminated) queueMicrotask(() => this.onTerminated({ by: 'remote' }));
  }

  get codec(): AudioCodec { return this.audio.codec; }
  /** Where the far end receives its media (from the SDP), and whether it is SRTP. */
  get remoteMedia(): { address: string; port: number; srtp: boolean } {
    return { address: this.audio.remoteAddress, port: this.audio.remotePort, srtp: this.audio.srtp !== undefined };
  }
  get redirected(): boolean { return this.redirectedAway; }

  /**
   * Points the far end's media at `to` — another node's RTP address, in this
   * leg's codec — with a re-INVITE (RFC 3261 §14), or back at our own with
   * null. Meanwhile an offer from the far end is answered with the same
   * address, and keys we send go as SIP INFO (our RTP no longer reaches it).
   * Rejects (SipError) when the far end refuses or answers another codec;
   * the leg then stays where it was.
   */
  async redirectMedia(to: { address: string; port: number } | null): Promise<void> {
    if (this.isEnded) throw new InvalidStateError('call has ended');
    if (this.audio.srtp) throw new InvalidStateError('an SRTP leg cannot be pointed elsewhere (its keys are ours)');
    const version = Math.max(this.local.sessionVersion, this.ownLocal.sessionVersion) + 1;
    const local: LocalMedia = to
      ? { ...this.ownLocal, address: to.address, port: to.port, codecs: [this.audio.codec], sessionVersion: version }
      : { ...this.ownLocal, sessionVersion: version };
    const answer = await this.session.reinvite(createOffer(local));
    const audio = readAnswer(answer, local);
    if (to && audio.codec !== this.audio.codec) throw new SipError(488, `the far end answered ${audio.codec} to a ${this.audio.codec} offer`);
    this.local = local;
    this.lastAnswer = undefined;
    this.redirectedAway = to !== null;
    this.audio = audio;
    if (!to) this.media.configure(audio); // our media again: where to send, and a new latch
  }
  get ended(): boolean { return this.isEnded; }

  // ---- signalling ----

  private onTerminated(r: TerminationReason): void {
    if (this.isEnded) return;
    this.isEnded = true;
    this.media.close();
    this.digits.close();
    for (const w of [...this.endWaiters]) w();
    const cause = r.by === 'local' ? (this.localCause ?? r.q850 ?? Q850.NORMAL_CLEARING)
      : r.q850 ?? (r.by === 'timeout' ? Q850.RECOVERY_ON_TIMER_EXPIRE : Q850.NORMAL_CLEARING);
    this.log.debug({ by: r.by, cause }, 'call ended');
    this.emit('hangup', { by: r.by, cause, sipStatus: r.status });
  }

  /** A re-INVITE or UPDATE offer: hold, resume, codec or address change. */
  private onOffer(offer: string | undefined): string {
    if (offer === undefined) return createOffer(this.local);
    let result = answerOffer(offer, this.local);
    if (this.lastAnswer !== undefined && stripOrigin(result.answer) !== stripOrigin(this.lastAnswer)) {
      // RFC 3264 §8: a changed description takes the next version number.
      this.local.sessionVersion++;
      result = answerOffer(offer, this.local);
    }
    this.lastAnswer = result.answer;
    this.audio = result.audio;
    this.media.configure(result.audio);
    const held = result.audio.direction === 'recvonly' || result.audio.direction === 'inactive';
    if (held !== this.held) {
      this.held = held;
      this.emit('hold', held);
    }
    return result.answer;
  }

  private onInfo(req: SipRequest): void {
    // A body too long to be a key is not even decoded (info-dtmf.ts bounds it).
    if (req.body.length > MAX_INFO_DTMF_BODY) { this.log.debug({ bytes: req.body.length }, 'INFO body too long for a key: ignored'); return; }
    const parsed = parseInfoDtmf(req.contentType, req.body.toString('utf8'));
    if (parsed) this.onDigit({ digit: parsed.digit, source: 'info', durationMs: parsed.durationMs });
  }

  private onDigit(ev: DtmfEvent): void {
    if (this.isEnded) return;
    this.digits.push(ev.digit);
    this.emit('dtmf', ev);
  }

  async hangup(cause: Q850Cause = Q850.NORMAL_CLEARING): Promise<void> {
    if (this.isEnded) return;
    this.localCause = cause;
    await this.session.hangup({ q850: cause });
  }

  // ---- media ----

  collect(opts: CollectOptions): Promise<string> { return this.digits.collect(opts); }

  async play(prompt: PromptRef | PromptRef[], opts: { interruptible?: boolean } = {}): Promise<PlayResult> {
    if (this.isEnded) throw new InvalidStateError('call has ended');
    const list = Array.isArray(prompt) ? prompt : [prompt];
    // Type-ahead: a key already pressed skips an interruptible prompt.
    if (opts.interruptible && this.digits.size > 0) return { interrupted: true };
    const onHangup = () => this.media.stopPlay();
    this.endWaiters.add(onHangup);
    try {
      return await this.media.play(list, { interruptible: opts.interruptible ?? false });
    } finally {
      this.endWaiters.delete(onHangup);
    }
  }

  async record(opts: RecordOptions): Promise<Recording> {
    if (this.isEnded) throw new InvalidStateError('call has ended');
    const rec = await this.media.record(opts);
    if (rec.endedBy === 'terminator' && opts.terminator) {
      // The terminator key belongs to the recording, not to a later collect().
      this.digits.takeFirstOf(opts.terminator);
    }
    return rec;
  }

  async sendDtmf(digits: string): Promise<void> {
    if (this.isEnded) throw new InvalidStateError('call has ended');
    const clean = digits.toUpperCase().split('').filter((d) => DTMF_DIGITS.includes(d)).join('');
    if (clean.length !== digits.length) throw new RangeError(`not DTMF digits: ${digits}`);
    if (this.audio.telephoneEventPt !== undefined && this.media.hasTelephoneEvent && !this.redirectedAway) {
      await this.media.sendDigits(clean);
      return;
    }
    for (const d of clean) await this.session.info(DTMF_RELAY, formatInfoDtmf(d));
  }
}

function stripOrigin(sdp: string): string {
  return sdp.replace(/^o=.*$/m, '');
}
