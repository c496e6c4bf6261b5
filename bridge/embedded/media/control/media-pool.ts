// The control side of the media workers: places legs on the least loaded
// worker, hands out RTP port numbers (the worker binds them), routes the
// workers' events to legs, prompts, recordings and conferences, and replaces
// a worker that dies (what it held settles or ends: see workerDied).
import os from 'node:os';
import { randomUUID } from 'node:crypto';
import { InvalidStateError } from '../../../../common/errors.ts';
import { moduleLogger } from '../../../../common/log.ts';
import { PortPool } from '../../../rtp/port-allocator.ts';
import { checkUdpIo, type UdpIoKind } from '../../../rtp/udp-io.ts';
import { MediaError } from '../media-error.ts';
import type { MediaEvent, WorkerStats } from '../protocol.ts';
import { LegMedia } from './leg-media.ts';
import { InProcessChannel, type MediaChannel, WorkerChannel } from './media-channel.ts';
import { PoolCounters, watchPool } from './media-metrics.ts';
import { PendingMedia } from './pending-media.ts';

const log = moduleLogger('media-pool');
const BIND_ATTEMPTS = 16;
/** A worker slot that dies more often than this in RESPAWN_WINDOW_MS is not refilled (a crash loop). */
const MAX_RESPAWNS = 5;
const RESPAWN_WINDOW_MS = 60_000;

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

/** What a conference hears from the pool: its talking events, and the death of a worker. */
export interface ConferenceListener {
  talking(ev: Extract<MediaEvent, { event: 'talking' }>): void;
  /** The recording of the mix stopped on its own (write error). */
  recordFailed(ev: Extract<MediaEvent, { event: 'recordFailed' }>): void;
  /** A worker died: the conference's shard there, and its members on it, are gone. */
  workerDied(channel: MediaChannel): void;
}

export class MediaPool {
  private readonly channels: MediaChannel[];
  private readonly ports: PortPool;
  private readonly legs = new Map<string, LegMedia>();
  /** The plays and recordings waiting for their worker's event. */
  readonly pending = new PendingMedia();
  private readonly conferenceListeners = new Map<string, ConferenceListener>();
  /** Recent deaths per worker slot (times, ms), for the respawn limit. */
  private readonly deaths = new Map<number, number[]>();
  private closed = false;
  readonly spreadAt: number;
  /** The workers' totals for /metrics (media-metrics.ts), and the pool's place among the process's pools. */
  readonly counters = new PoolCounters(() => this.channels);
  private readonly unwatch = watchPool(this.counters);

  constructor(private readonly opts: MediaPoolOptions) {
    this.spreadAt = opts.spreadAt ?? 200;
    this.ports = new PortPool(opts.portMin, opts.portMax);
    checkUdpIo(opts.io ?? 'auto'); // a missing addon is a ConfigError here, not a dead worker
    const n = opts.workers ?? Math.max(1, os.availableParallelism());
    this.channels = n === 0 ? [this.watch(new InProcessChannel(opts.io))] : Array.from({ length: n }, (_, i) => this.spawn(i));
  }

  get workerCount(): number { return this.channels.length; }

  private spawn(slot: number): WorkerChannel {
    const ch = new WorkerChannel(slot, this.opts.io);
    this.watch(ch);
    ch.on('died', (err) => this.workerDied(slot, ch, err));
    return ch;
  }

  private watch<C extends MediaChannel>(ch: C): C {
    ch.on('event', (ev) => this.route(ev));
    return ch;
  }

  /**
   * A worker died: a replacement takes its slot (new calls go there), the
   * conferences drop their shard on it (members elsewhere go on), its
   * conference plays settle, and its legs settle their play and recording and
   * report 'failed' (the call leg then hangs up with Q.850 41).
   */
  private workerDied(slot: number, dead: MediaChannel, err: MediaError): void {
    this.counters.retire(dead);
    const at = this.channels.indexOf(dead);
    if (at >= 0) {
      const replacement = this.closed || !this.mayRespawn(slot) ? undefined : this.spawn(slot);
      if (replacement) this.channels[at] = replacement; else this.channels.splice(at, 1);
      log.warn({ worker: slot, legs: dead.legs }, replacement ? 'a new media worker takes the dead one\'s place' : 'the dead media worker is not replaced');
    }
    for (const c of [...this.conferenceListeners.values()]) c.workerDied(dead);
    this.pending.workerDied(dead);
    for (const leg of [...this.legs.values()]) if (leg.channel === dead) leg.workerDied(err);
  }

  private mayRespawn(slot: number): boolean {
    const now = Date.now();
    const recent = (this.deaths.get(slot) ?? []).filter((t) => now - t < RESPAWN_WINDOW_MS);
    recent.push(now);
    this.deaths.set(slot, recent);
    if (recent.length <= MAX_RESPAWNS) return true;
    log.error({ worker: slot, deaths: recent.length }, 'media worker keeps dying: its slot stays empty');
    return false;
  }

  private leastLoaded(): MediaChannel {
    let best = this.channels[0];
    if (!best) throw new InvalidStateError('no media worker is running');
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
        const leg = new LegMedia({
          legId, callId, channel, localPort: port, host: this.opts.host, pending: this.pending, released: (l) => this.released(l),
        });
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

  private released(leg: LegMedia): void {
    this.legs.delete(leg.legId);
    leg.channel.legs--;
    this.ports.release(leg.localPort);
  }

  listenConference(confId: string, listener: ConferenceListener | undefined): void {
    if (listener) this.conferenceListeners.set(confId, listener); else this.conferenceListeners.delete(confId);
  }

  private route(ev: MediaEvent): void {
    switch (ev.event) {
      case 'dtmf':
        this.legs.get(ev.legId)?.deliver('dtmf', { digit: ev.digit, source: ev.source, durationMs: ev.durationMs });
        return;
      case 'stats':
        this.legs.get(ev.legId)?.deliver('stats', ev.stats);
        return;
      case 'playEnded':
        this.pending.settlePlay(ev.playId, ev.interrupted);
        return;
      case 'recordEnded':
        this.pending.settleRecord(ev.recId, ev.result);
        return;
      case 'talking':
        this.conferenceListeners.get(ev.confId)?.talking(ev);
        return;
      case 'recordFailed':
        this.conferenceListeners.get(ev.confId)?.recordFailed(ev);
        return;
    }
  }

  /** The media hosts (workers), for conferences that spread over them. */
  get hosts(): readonly MediaChannel[] { return this.channels; }

  /** Per-worker figures (legs, members, tick cost, late ticks), in the order of `hosts`. */
  stats(): Promise<WorkerStats[]> {
    return Promise.all(this.channels.map((c) => c.request({ op: 'stats' })));
  }

  /**
   * For tests: stops the thread of the worker `hosts[index]` at once, as a
   * crash would; resolves once the pool has dealt with its death and placed
   * a replacement.
   */
  async terminateWorkerForTest(index: number): Promise<void> {
    const ch = this.channels[index];
    if (!(ch instanceof WorkerChannel)) throw new InvalidStateError(`no media worker thread at ${index}`);
    await ch.terminate();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unwatch();
    await Promise.allSettled(this.channels.map((c) => c.close()));
  }
}
