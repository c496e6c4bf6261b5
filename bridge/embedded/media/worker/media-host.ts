// Everything a media worker does, as a plain class: it answers the requests
// of protocol.ts and emits its events through a callback. The worker entry
// (media-worker.ts) connects it to its parent port; tests can drive it in
// process.
import { SipError } from '../../../../common/errors.ts';
import { moduleLogger } from '../../../../common/log.ts';
import { RtpSession } from '../../../rtp/session.ts';
import { createUdpIo, type UdpIo } from '../../../rtp/udp-io.ts';
import { MediaError } from '../media-error.ts';
import type { LegState, MediaEvent, MediaHandlers, MediaRequest, MediaResults, WorkerCounters, WorkerStats } from '../protocol.ts';
import { MediaCounters } from './media-counters.ts';
import { MediaClock, type Ticking } from './media-clock.ts';
import { WorkerConference } from './worker-conference.ts';
import { WorkerLeg } from './worker-leg.ts';

const log = moduleLogger('media-host');

export class MediaHost implements Ticking {
  private readonly legs = new Map<string, WorkerLeg>();
  private readonly conferences = new Map<string, WorkerConference>();
  /** legId → the conference it is a member of. */
  private readonly memberOf = new Map<string, WorkerConference>();
  private readonly clock: MediaClock;
  private ticking = false;
  private tickCount = 0;
  private tickTotalMs = 0;
  private tickMaxMs = 0;
  /** Of the ticks' time: reading the sockets, and writing them. */
  private pollTotalMs = 0;
  private flushTotalMs = 0;
  /** Cumulative figures for /metrics (the `counters` request). */
  private readonly counters = new MediaCounters();

  /** How the legs' sockets reach the network: batched through the addon when it is built. */
  readonly io: UdpIo;

  constructor(private readonly emit: (ev: MediaEvent) => void, opts: { clock?: MediaClock; io?: UdpIo } = {}) {
    this.clock = opts.clock ?? new MediaClock();
    this.io = opts.io ?? createUdpIo();
  }

  private leg(legId: string): WorkerLeg {
    const leg = this.legs.get(legId);
    if (!leg) throw new MediaError(`no leg ${legId}`, 'ENOLEG');
    return leg;
  }

  private conference(confId: string): WorkerConference {
    const c = this.conferences.get(confId);
    if (!c) throw new MediaError(`no conference ${confId}`, 'ENOCONF');
    return c;
  }

  private updateTicking(): void {
    const want = this.legs.size > 0;
    if (want && !this.ticking) { this.clock.add(this); this.ticking = true; }
    if (!want && this.ticking) { this.clock.delete(this); this.ticking = false; }
  }

  tick(nowMs: number, slot: number): void {
    const t0 = performance.now();
    // What arrived since the last tick reaches the jitter buffers first (or,
    // for bridged legs, is passed on at once); what this tick sends, passed-on
    // packets included, leaves together at the end.
    this.io.beginBatch();
    this.io.poll();
    const t1 = performance.now();
    for (const c of this.conferences.values()) {
      try { c.tick(nowMs, slot); } catch (err) { log.error({ err, confId: c.confId }, 'conference tick failed'); }
    }
    for (const leg of this.legs.values()) {
      if (this.memberOf.has(leg.legId) || !leg.configured || leg.patchedTo) continue;
      try { leg.soloTick(nowMs, slot); } catch (err) { log.error({ err, legId: leg.legId }, 'leg tick failed'); }
    }
    const t2 = performance.now();
    this.io.flush();
    const t3 = performance.now();
    const ms = t3 - t0;
    this.pollTotalMs += t1 - t0;
    this.flushTotalMs += t3 - t2;
    this.tickCount++;
    this.tickTotalMs += ms;
    if (ms > this.tickMaxMs) this.tickMaxMs = ms;
    this.counters.tick(ms);
  }

  /** Answers one request of protocol.ts through its operation's handler. */
  async handle<R extends MediaRequest>(req: R): Promise<MediaResults[R['op']]> {
    // The table is typed per operation; TypeScript cannot follow `req.op` to
    // its handler through a generic lookup, hence the one cast here.
    const handler = Object.hasOwn(this.handlers, req.op) ? this.handlers[req.op] as (r: MediaRequest) => unknown : undefined;
    if (!handler) throw new SipError(500, `unknown media request ${JSON.stringify(req)}`);
    return (await handler(req)) as MediaResults[R['op']];
  }

  private readonly handlers: MediaHandlers = {
    'leg.create': (req) => this.openLeg(req.legId, req.rtpPort, req.host),
    'leg.attach': (req) => this.openLeg(req.legId, req.rtpPort, req.host, req.state),
    'leg.detach': (req) => this.removeLeg(this.leg(req.legId)).detach(),
    'leg.configure': (req) => {
      const leg = this.leg(req.legId);
      const before = leg.codec;
      const wasWideband = leg.wideband;
      leg.configure(req.audio);
      if (leg.codec !== before || leg.wideband !== wasWideband) this.memberOf.get(req.legId)?.codecChanged(leg);
      return null;
    },
    'leg.play': (req) => { this.leg(req.legId).startPlay(req.playId, req.prompts, req.interruptible); return null; },
    'leg.stopPlay': (req) => { this.leg(req.legId).interruptPlay(); return null; },
    'leg.record': async (req) => {
      await this.leg(req.legId).startRecording(req.recId, req.path, req.maxMs, req.terminator);
      return null;
    },
    'leg.sendDigits': async (req) => {
      await this.leg(req.legId).sendDigits(req.digits, req.durationMs, req.gapMs);
      return null;
    },
    'leg.close': async (req) => {
      const leg = this.legs.get(req.legId);
      if (leg) await this.removeLeg(leg).close();
      return null;
    },
    'leg.patch': (req) => {
      const leg = this.leg(req.legId);
      if (req.peerId === null) { this.unpatch(leg); return null; }
      const peer = this.leg(req.peerId);
      if (peer === leg) throw new MediaError(`leg ${leg.legId} cannot be bridged to itself`, 'EINVAL');
      for (const l of [leg, peer]) {
        if (this.memberOf.has(l.legId)) throw new MediaError(`leg ${l.legId} is a conference member`, 'EBUSY');
        if (l.patchedTo && l.patchedTo !== leg && l.patchedTo !== peer) throw new MediaError(`leg ${l.legId} is bridged to ${l.patchedTo.legId}`, 'EBUSY');
      }
      leg.patch(peer, req.park); // throws ECODEC before either side changes
      peer.patch(leg, req.park);
      return null;
    },
    'conf.create': (req) => {
      if (!this.conferences.has(req.confId)) this.conferences.set(req.confId, new WorkerConference(req.confId, req.settings, this.emit));
      return null;
    },
    'conf.link': (req) => { this.conference(req.confId).link(req.exchange); return null; },
    'conf.join': (req) => {
      const conf = this.conference(req.confId);
      const leg = this.leg(req.legId);
      if (leg.patchedTo) throw new MediaError(`leg ${leg.legId} is bridged to ${leg.patchedTo.legId}`, 'EBUSY');
      const current = this.memberOf.get(req.legId);
      if (current && current !== conf) current.leave(req.legId);
      conf.join(leg, req.member);
      this.memberOf.set(req.legId, conf);
      return null;
    },
    'conf.update': (req) => { this.conference(req.confId).update(req.legId, req.member); return null; },
    'conf.leave': (req) => {
      if (this.conferences.get(req.confId)?.leave(req.legId)) this.memberOf.delete(req.legId);
      return null;
    },
    'conf.playToAll': (req) => { this.conference(req.confId).playToAll(req.playId, req.prompts); return null; },
    'conf.stopPlayToAll': (req) => { this.conference(req.confId).stopPlayToAll(); return null; },
    'conf.record': async (req) => { await this.conference(req.confId).startRecording(req.path); return null; },
    'conf.stopRecord': (req) => this.conference(req.confId).stopRecording(),
    'conf.close': async (req) => {
      const conf = this.conferences.get(req.confId);
      if (!conf) return null;
      this.conferences.delete(req.confId);
      for (const leg of await conf.close()) this.memberOf.delete(leg.legId);
      return null;
    },
    stats: () => this.stats(),
    counters: () => this.readCounters(),
  };

  /** Binds the leg's ports here: a new leg, or one moving in with its state. */
  private async openLeg(legId: string, rtpPort: number, host: string, state?: LegState): Promise<{ localPort: number }> {
    if (this.legs.has(legId)) throw new MediaError(`leg ${legId} exists`, 'EEXIST');
    let pair;
    try {
      pair = await this.io.bindPair(rtpPort, host);
    } catch (err) {
      throw new MediaError(`cannot bind ${host}:${rtpPort}: ${(err as Error).message}`, (err as NodeJS.ErrnoException).code);
    }
    const session = RtpSession.openPair(pair, { payloadType: state?.rtp.payloadType ?? 0, restore: state?.rtp });
    const leg = new WorkerLeg(legId, session, this.emit, state);
    this.legs.set(legId, leg);
    this.counters.legAdded(legId, leg.counts());
    this.updateTicking();
    return { localPort: leg.localPort };
  }

  /** Takes a leg out of its conference and of this host (before it closes or moves away). */
  private removeLeg(leg: WorkerLeg): WorkerLeg {
    this.unpatch(leg);
    this.memberOf.get(leg.legId)?.leave(leg.legId);
    this.memberOf.delete(leg.legId);
    this.legs.delete(leg.legId);
    this.counters.legRemoved(leg.legId, leg.counts());
    this.updateTicking();
    return leg;
  }

  /** Ends the leg's bridge on both sides (each goes back to its own prompts and silence). */
  private unpatch(leg: WorkerLeg): void {
    const peer = leg.patchedTo;
    leg.patch(null);
    if (peer?.patchedTo === leg) peer.patch(null);
  }

  /** The figures since the last call, which starts the next period. */
  private stats(): WorkerStats {
    let jbSum = 0, jbMax = 0;
    for (const leg of this.legs.values()) { const t = leg.jitterTargetMs; jbSum += t; if (t > jbMax) jbMax = t; }
    const stats: WorkerStats = {
      jitterTargetMeanMs: this.legs.size ? jbSum / this.legs.size : 0,
      jitterTargetMaxMs: jbMax,
      legs: this.legs.size,
      conferences: this.conferences.size,
      members: this.memberOf.size,
      lateTicks: this.clock.late,
      skippedTicks: this.clock.skipped,
      tickMeanMs: this.tickCount ? this.tickTotalMs / this.tickCount : 0,
      tickMaxMs: this.tickMaxMs,
      pollMeanMs: this.tickCount ? this.pollTotalMs / this.tickCount : 0,
      flushMeanMs: this.tickCount ? this.flushTotalMs / this.tickCount : 0,
      io: this.io.kind,
    };
    this.tickCount = 0;
    this.tickTotalMs = 0;
    this.tickMaxMs = 0;
    this.pollTotalMs = 0;
    this.flushTotalMs = 0;
    return stats;
  }

  private readCounters(): WorkerCounters {
    const legs = [...this.legs.values()];
    return this.counters.read(legs.map((l) => [l.legId, l.counts()]), legs.map((l) => l.jitterDepthMs));
  }

  /** Closes every leg (worker shutdown). */
  async closeAll(): Promise<void> {
    for (const c of this.conferences.values()) await c.close();
    this.conferences.clear();
    this.memberOf.clear();
    await Promise.allSettled([...this.legs.values()].map((l) => l.close()));
    this.legs.clear();
    this.updateTicking();
    this.io.close();
  }
}
