// A call leg's media as the control thread sees it: a proxy for the leg's
// WorkerLeg in a media worker. It sends the leg's requests in order, waits
// for the worker's events that end a play or a recording, moves the leg to
// the worker of a conference it joins (same ports, sockets re-bound there,
// session state carried over), and reports the worker's death.
import { randomUUID } from 'node:crypto';
import { TypedEmitter } from '../../../../common/events.ts';
import { moduleLogger } from '../../../../common/log.ts';
import type { DtmfEvent, LegStats, PlayResult, PromptRef, Recording, RecordOptions } from '../../../port.ts';
import type { NegotiatedAudio } from '../../../sip/sdp/types.ts';
import { MediaError } from '../media-error.ts';
import type { MemberSettings } from '../protocol.ts';
import type { MediaChannel } from './media-channel.ts';
import type { PendingMedia } from './pending-media.ts';

const log = moduleLogger('leg-media');

export type LegMediaEvents = {
  dtmf: [event: DtmfEvent];
  stats: [stats: LegStats];
  /** The media of this leg is lost (its worker died): the call must end. */
  failed: [err: MediaError];
};

export interface LegMediaInit {
  legId: string;
  callId: string;
  channel: MediaChannel;
  localPort: number;
  /** The RTP address, to bind the same ports in another worker. */
  host: string;
  pending: PendingMedia;
  /** Called once, when the leg's media is closed and its ports may be reused. */
  released: (leg: LegMedia) => void;
}

export class LegMedia extends TypedEmitter<LegMediaEvents> {
  readonly legId: string;
  readonly callId: string;
  readonly localPort: number;
  /** The worker that holds the leg now. */
  channel: MediaChannel;
  private readonly pending: PendingMedia;
  private audio: NegotiatedAudio | undefined;
  private playing: string | undefined;
  private recording: string | undefined;
  private isClosed = false;
  private lostWith: MediaError | undefined;
  /** Serialises requests that must not overtake each other (configure, move, play). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly init: LegMediaInit) {
    super();
    this.legId = init.legId;
    this.callId = init.callId;
    this.localPort = init.localPort;
    this.channel = init.channel;
    this.pending = init.pending;
  }

  get hasTelephoneEvent(): boolean { return this.audio?.telephoneEventPt !== undefined; }
  get closed(): boolean { return this.isClosed; }
  /** Set when the leg's worker died (the 'failed' event was emitted then). */
  get lost(): MediaError | undefined { return this.lostWith; }

  /** Runs `fn` after the requests queued before it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Keys that came before anyone listened: media flows from our 200 OK, the
   * call leg that listens is made at the ACK, and a phone may key at once
   * (RFC 3264 §6: the answerer must be ready to receive when it answers).
   * Bounded like the leg's own type-ahead; taken by the first 'dtmf' listener.
   */
  private early: DtmfEvent[] = [];

  deliver<K extends 'dtmf' | 'stats'>(event: K, ...args: LegMediaEvents[K]): void {
    if (event === 'dtmf' && this.listenerCount('dtmf') === 0) {
      if (this.early.length < 64) this.early.push(args[0] as DtmfEvent);
      return;
    }
    this.emit(event, ...args);
  }

  /** The keys delivered before anyone listened (see `early`), once. */
  takeEarlyDigits(): DtmfEvent[] {
    const e = this.early;
    this.early = [];
    return e;
  }

  /** Its worker died: the play and recording it waits for settle, and the call is told. */
  workerDied(err: MediaError): void {
    if (this.isClosed || this.lostWith) return;
    this.lostWith = err;
    if (this.playing) this.pending.settlePlay(this.playing, false);
    if (this.recording) this.pending.failRecord(this.recording, err);
    this.emit('failed', err);
  }

  /** Start, or change after a re-INVITE: where to send, which codec, which direction. */
  configure(audio: NegotiatedAudio): void {
    this.audio = audio;
    void this.serial(() => this.channel.request({ op: 'leg.configure', legId: this.legId, audio }))
      .catch((err: unknown) => log.error({ err, callId: this.callId }, 'configuring media failed'));
  }

  /** Plays prompts to this leg (inside a conference: to this member only, mixed with the room). */
  play(prompts: PromptRef[], opts: { interruptible: boolean }): Promise<PlayResult> {
    if (this.isClosed || this.lostWith) return Promise.resolve({ interrupted: false });
    const playId = randomUUID();
    this.playing = playId;
    const ended = this.pending.awaitPlay(playId);
    void this.serial(() => this.channel.request({ op: 'leg.play', legId: this.legId, playId, prompts, interruptible: opts.interruptible }))
      .catch((err: unknown) => { log.error({ err, callId: this.callId }, 'play failed'); this.pending.settlePlay(playId, false); });
    return ended.then((interrupted) => {
      if (this.playing === playId) this.playing = undefined;
      return { interrupted };
    });
  }

  stopPlay(): void {
    if (!this.playing || this.isClosed || this.lostWith) return;
    void this.serial(() => this.channel.request({ op: 'leg.stopPlay', legId: this.legId })).catch(() => undefined);
  }

  async record(opts: RecordOptions): Promise<Recording> {
    if (this.lostWith) throw this.lostWith;
    const recId = randomUUID();
    this.recording = recId;
    const ended = this.pending.awaitRecord(recId);
    try {
      await this.serial(() => this.channel.request({ op: 'leg.record', legId: this.legId, recId, path: opts.path, maxMs: opts.maxMs, terminator: opts.terminator }))
        .catch((err: unknown) => { this.pending.settleRecord(recId, { error: 'not started' }); throw err; });
      const r = await ended;
      if ('error' in r) throw new Error(`recording failed: ${r.error}`);
      return r;
    } finally {
      if (this.recording === recId) this.recording = undefined;
    }
  }

  /** RFC 4733 telephone-events; resolves when the last digit has been sent. */
  async sendDigits(digits: string, opts: { durationMs?: number; gapMs?: number } = {}): Promise<void> {
    await this.channel.request({ op: 'leg.sendDigits', legId: this.legId, digits, durationMs: opts.durationMs, gapMs: opts.gapMs });
  }

  /** Joins (or changes membership of) the conference hosted on `channel` (after moving there). */
  join(channel: MediaChannel, confId: string, member: MemberSettings): Promise<void> {
    return this.serial(async () => {
      await this.moveTo(channel);
      await this.channel.request({ op: 'conf.join', confId, legId: this.legId, member });
    });
  }

  /**
   * Bridges this leg's media to `peer`'s, packet for packet (the same codec on
   * both), or with `park` pairs them passing nothing: the peer's media first
   * moves to this leg's worker. Rejects with
   * the worker's MediaError (ECODEC, EBUSY) and changes nothing then.
   */
  async patch(peer: LegMedia, opts: { park?: boolean } = {}): Promise<void> {
    if (this.lostWith) throw this.lostWith;
    if (peer.lostWith) throw peer.lostWith;
    await peer.serial(() => peer.moveTo(this.channel));
    await this.serial(() => this.channel.request({ op: 'leg.patch', legId: this.legId, peerId: peer.legId, park: opts.park }));
  }

  /** Ends this leg's bridge (both sides); nothing when it has none. */
  unpatch(): Promise<void> {
    if (this.isClosed || this.lostWith) return Promise.resolve();
    return this.serial(async () => { await this.channel.request({ op: 'leg.patch', legId: this.legId, peerId: null }); });
  }

  /** Moves the leg's media to the worker `to`: detached here, attached there with its state. */
  private async moveTo(to: MediaChannel): Promise<void> {
    const from = this.channel;
    if (from === to) return;
    const host = this.init.host;
    const state = await from.request({ op: 'leg.detach', legId: this.legId });
    from.legs--;
    try {
      await to.request({ op: 'leg.attach', legId: this.legId, rtpPort: this.localPort, host, state });
    } catch (err) {
      // Put it back where it was, so the call goes on outside the conference.
      await from.request({ op: 'leg.attach', legId: this.legId, rtpPort: this.localPort, host, state });
      from.legs++;
      throw err;
    }
    to.legs++;
    this.channel = to;
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.playing) this.pending.settlePlay(this.playing, false);
    if (this.lostWith) { this.init.released(this); return; } // its worker, and the leg in it, are gone
    void this.serial(() => this.channel.request({ op: 'leg.close', legId: this.legId }))
      .catch((err: unknown) => log.warn({ err, callId: this.callId }, 'closing media failed'))
      .finally(() => this.init.released(this));
  }
}
