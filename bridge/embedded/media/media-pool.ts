// The control side of the media workers: places legs on the least loaded
// worker, hands out RTP port numbers (the worker binds them), routes the
// workers' events to legs, prompts, recordings and conferences, and moves a
// leg to the worker of the conference it joins (same ports, sockets re-bound
// there, session state carried over).
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { TypedEmitter } from '../../../common/events.ts';
import { InvalidStateError } from '../../../common/errors.ts';
import { moduleLogger } from '../../../common/log.ts';
import type { PlayResult, PromptRef, Recording, RecordOptions } from '../../port.ts';
import { PortPool } from '../../rtp/port-allocator.ts';
import { checkUdpIo, type UdpIoKind } from '../../rtp/udp-io.ts';
import type { NegotiatedAudio } from '../../sip/sdp/types.ts';
import type { LegMedia, LegMediaEvents, LegMediaFactory } from '../leg-media.ts';
import { InProcessChannel, type MediaChannel, WorkerChannel } from './media-channel.ts';
import { MediaError } from './media-host.ts';
import type { ConferenceSettings, MediaEvent, MemberSettings, WorkerStats } from './protocol.ts';

const log = moduleLogger('media-pool');
const BIND_ATTEMPTS = 16;

export interface MediaPoolOptions {
  host: string;
  portMin: number;
  portMax: number;
  /** Media worker threads; 0 runs the media in this thread (debugging). Default: one per core. */
  workers?: number;
  /** RTP socket I/O (see createUdpIo); default 'auto'. */
  io?: UdpIoKind;
  /**
   * Members a conference gathers in one worker before it spreads over the
   * others (one shard per worker, talkers exchanged one tick behind); default 200.
   */
  spreadAt?: number;
}

type ConferenceListener = (ev: Extract<MediaEvent, { event: 'talking' }>) => void;

export class MediaPool implements LegMediaFactory {
  private readonly channels: MediaChannel[];
  private readonly ports: PortPool;
  private readonly legs = new Map<string, WorkerLegMedia>();
  private readonly plays = new Map<string, (interrupted: boolean) => void>();
  private readonly records = new Map<string, (r: Recording | { error: string }) => void>();
  private readonly conferenceListeners = new Map<string, ConferenceListener>();
  private closed = false;
  readonly spreadAt: number;

  constructor(private readonly opts: MediaPoolOptions) {
    this.spreadAt = opts.spreadAt ?? 200;
    this.ports = new PortPool(opts.portMin, opts.portMax);
    checkUdpIo(opts.io ?? 'auto'); // a missing addon is a ConfigError here, not a dead worker
    const n = opts.workers ?? Math.max(1, os.availableParallelism());
    this.channels = n === 0 ? [new InProcessChannel(opts.io)] : Array.from({ length: n }, (_, i) => new WorkerChannel(i, opts.io));
    for (const ch of this.channels) {
      ch.on('event', (ev) => this.route(ev));
      ch.on('died', (err) => {
        for (const leg of this.legs.values()) if (leg.channel === ch) leg.fail(err);
      });
    }
  }

  get workerCount(): number { return this.channels.length; }

  private leastLoaded(): MediaChannel {
    let best = this.channels[0]!;
    for (const ch of this.channels) if (ch.legs < best.legs) best = ch;
    return best;
  }

  async create(callId: string): Promise<LegMedia> {
    if (this.closed) throw new InvalidStateError('media pool is closed');
    const channel = this.leastLoaded();
    const legId = randomUUID();
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const port = this.ports.take();
      try {
        await channel.request({ op: 'leg.create', legId, rtpPort: port, host: this.opts.host });
        channel.legs++;
        const leg = new WorkerLegMedia(this, legId, callId, channel, port);
        this.legs.set(legId, leg);
        return leg;
      } catch (err) {
        this.ports.release(port);
        if (!(err instanceof MediaError && err.code === 'EADDRINUSE')) throw err;
        log.warn({ port }, 'RTP port pair taken by another process; trying the next');
      }
    }
    throw new MediaError(`no RTP port pair could be bound after ${BIND_ATTEMPTS} attempts`, 'EADDRINUSE');
  }

  /** Moves a leg to `to` (the worker of its conference). */
  async move(leg: WorkerLegMedia, to: MediaChannel): Promise<void> {
    const from = leg.channel;
    if (from === to) return;
    const state = await from.request({ op: 'leg.detach', legId: leg.legId });
    from.legs--;
    try {
      await to.request({ op: 'leg.attach', legId: leg.legId, rtpPort: leg.localPort, host: this.opts.host, state });
    } catch (err) {
      // Put it back where it was, so the call goes on outside the conference.
      await from.request({ op: 'leg.attach', legId: leg.legId, rtpPort: leg.localPort, host: this.opts.host, state });
      from.legs++;
      throw err;
    }
    to.legs++;
    leg.channel = to;
  }

  released(leg: WorkerLegMedia): void {
    this.legs.delete(leg.legId);
    leg.channel.legs--;
    this.ports.release(leg.localPort);
  }

  awaitPlay(playId: string): Promise<boolean> {
    return new Promise((resolve) => this.plays.set(playId, resolve));
  }

  cancelPlay(playId: string): void {
    const p = this.plays.get(playId);
    if (p) { this.plays.delete(playId); p(false); }
  }

  awaitRecord(recId: string): Promise<Recording | { error: string }> {
    return new Promise((resolve) => this.records.set(recId, resolve));
  }

  listenConference(confId: string, fn: ConferenceListener | undefined): void {
    if (fn) this.conferenceListeners.set(confId, fn); else this.conferenceListeners.delete(confId);
  }

  private route(ev: MediaEvent): void {
    switch (ev.event) {
      case 'dtmf':
        this.legs.get(ev.legId)?.deliver('dtmf', { digit: ev.digit, source: ev.source, durationMs: ev.durationMs });
        return;
      case 'stats':
        this.legs.get(ev.legId)?.deliver('stats', ev.stats);
        return;
      case 'playEnded': {
        const p = this.plays.get(ev.playId);
        if (p) { this.plays.delete(ev.playId); p(ev.interrupted); }
        return;
      }
      case 'recordEnded': {
        const r = this.records.get(ev.recId);
        if (r) { this.records.delete(ev.recId); r(ev.result); }
        return;
      }
      case 'talking':
        this.conferenceListeners.get(ev.confId)?.(ev);
        return;
    }
  }

  /** The media hosts (workers), for conferences that spread over them. */
  get hosts(): readonly MediaChannel[] { return this.channels; }

  /** Per-worker figures (legs, members, tick cost, late ticks). */
  stats(): Promise<WorkerStats[]> {
    return Promise.all(this.channels.map((c) => c.request({ op: 'stats' })));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.allSettled(this.channels.map((c) => c.close()));
  }
}

/** LegMedia on a media worker. */
export class WorkerLegMedia extends TypedEmitter<LegMediaEvents> implements LegMedia {
  private audio: NegotiatedAudio | undefined;
  private playing: string | undefined;
  private isClosed = false;
  /** Serialises requests that must not overtake each other (configure, move, play). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: MediaPool,
    readonly legId: string,
    readonly callId: string,
    public channel: MediaChannel,
    readonly localPort: number,
  ) { super(); }

  get hasTelephoneEvent(): boolean { return this.audio?.telephoneEventPt !== undefined; }
  get closed(): boolean { return this.isClosed; }

  /** Runs `fn` after the requests queued before it. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  deliver<K extends keyof LegMediaEvents>(event: K, ...args: LegMediaEvents[K]): void { this.emit(event, ...args); }

  fail(err: Error): void {
    if (this.isClosed) return;
    this.emit('failed', err);
  }

  configure(audio: NegotiatedAudio): void {
    this.audio = audio;
    void this.serial(() => this.channel.request({ op: 'leg.configure', legId: this.legId, audio }))
      .catch((err: unknown) => log.error({ err, callId: this.callId }, 'configuring media failed'));
  }

  play(prompts: PromptRef[], opts: { interruptible: boolean }): Promise<PlayResult> {
    if (this.isClosed) return Promise.resolve({ interrupted: false });
    const playId = randomUUID();
    this.playing = playId;
    const ended = this.pool.awaitPlay(playId);
    void this.serial(() => this.channel.request({ op: 'leg.play', legId: this.legId, playId, prompts, interruptible: opts.interruptible }))
      .catch((err: unknown) => { log.error({ err, callId: this.callId }, 'play failed'); this.pool.cancelPlay(playId); });
    return ended.then((interrupted) => {
      if (this.playing === playId) this.playing = undefined;
      return { interrupted };
    });
  }

  stopPlay(): void {
    if (!this.playing || this.isClosed) return;
    void this.serial(() => this.channel.request({ op: 'leg.stopPlay', legId: this.legId })).catch(() => undefined);
  }

  async record(opts: RecordOptions): Promise<Recording> {
    const recId = randomUUID();
    const ended = this.pool.awaitRecord(recId);
    await this.serial(() => this.channel.request({ op: 'leg.record', legId: this.legId, recId, path: opts.path, maxMs: opts.maxMs, terminator: opts.terminator }));
    const r = await ended;
    if ('error' in r) throw new Error(`recording failed: ${r.error}`);
    return r;
  }

  async sendDigits(digits: string, opts: { durationMs?: number; gapMs?: number } = {}): Promise<void> {
    await this.channel.request({ op: 'leg.sendDigits', legId: this.legId, digits, durationMs: opts.durationMs, gapMs: opts.gapMs });
  }

  /** Joins (or changes membership of) the conference hosted on `channel` (after moving there). */
  join(channel: MediaChannel, confId: string, member: MemberSettings): Promise<void> {
    return this.serial(async () => {
      await this.pool.move(this, channel);
      await this.channel.request({ op: 'conf.join', confId, legId: this.legId, member });
    });
  }

  close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.playing) this.pool.cancelPlay(this.playing);
    void this.serial(() => this.channel.request({ op: 'leg.close', legId: this.legId }))
      .catch((err: unknown) => log.warn({ err, callId: this.callId }, 'closing media failed'))
      .finally(() => this.pool.released(this));
  }
}

export type { ConferenceSettings, MemberSettings };
