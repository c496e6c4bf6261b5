// A conference of the embedded engine, on the control thread. Its mixer runs
// in the media worker of its first member (the home shard), and later
// members' media move there, until it holds `spreadAt` members: from then on
// the conference spreads over the workers, one shard (a mixer of its own
// members) per worker, new members going to the shard with the fewest, and
// the shards exchange their talkers through shared memory one tick behind
// (media/shard-exchange.ts). Prompts to everyone play in every shard; the
// recording of the mix is made in the home shard (its mix holds every
// shard's talkers). When a worker dies, its shard and the members on it are
// gone; the other shards go on, one of them becoming home if need be.
import { randomUUID } from 'node:crypto';
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import type { CallLeg, Conference, ConferenceEvents, ConferenceMember, ConferenceOptions, MemberOptions, PromptRef } from '../port.ts';
import { EmbeddedCallLeg } from './call-leg.ts';
import { MAX_SHARDS } from '../mixer/conference-mixer.ts';
import type { LegMedia } from './media/control/leg-media.ts';
import type { MediaChannel } from './media/control/media-channel.ts';
import type { MediaPool } from './media/control/media-pool.ts';
import type { MediaRequest } from './media/protocol.ts';
import { exchangeBytes, type ExchangeLink } from './media/shard-exchange.ts';

const log = moduleLogger('conference');

class Member implements ConferenceMember {
  muted: boolean;
  deaf: boolean;
  holding: boolean;
  talking = false;
  left = false;

  constructor(private readonly conference: EmbeddedConference, readonly leg: EmbeddedCallLeg, opts: MemberOptions) {
    this.muted = opts.muted ?? false;
    this.deaf = opts.deaf ?? false;
    this.holding = opts.hold != null;
  }

  async update(opts: MemberOptions): Promise<void> {
    if (this.left) throw new InvalidStateError('member has left');
    await this.media.serial(() => this.media.channel.request({ op: 'conf.update', confId: this.conference.id, legId: this.media.legId, member: opts }));
    // Only once the media worker took it: an update it refuses (a gain out of range) changes nothing here either,
    // so muted / deaf / holding never claim what the caller does not hear.
    if (opts.muted !== undefined) this.muted = opts.muted;
    if (opts.deaf !== undefined) this.deaf = opts.deaf;
    if (opts.hold !== undefined) this.holding = opts.hold !== null;
  }

  get media(): LegMedia { return this.leg.media; }

  leave(): Promise<void> { return this.conference.remove(this, true); }
}

/** The conference's mixer in one worker: its region in the talker exchange, and whether it is created. */
interface Shard { index: number; ready: Promise<void> }

const DEFAULT_MAX_TALKERS = 4;

export class EmbeddedConference extends TypedEmitter<ConferenceEvents> implements Conference {
  readonly id = randomUUID();
  /** The home shard's worker: the first member's (another shard's once that worker died). */
  private home: MediaChannel | undefined;
  /** The home shard was given its place in the exchange (the conference has spread). */
  private homeLinked = false;
  private readonly shards = new Map<MediaChannel, Shard>();
  /** Members per shard worker (counted when their join is decided). */
  private readonly shardMembers = new Map<MediaChannel, number>();
  /** The talker exchange, made when the conference first spreads; `regions`: shards it has room for. */
  private exchange: { buffer: SharedArrayBuffer; regions: number } | undefined;
  private readonly byLeg = new Map<string, Member>();
  private readonly byMediaId = new Map<string, Member>();
  private readonly shardOf = new Map<Member, MediaChannel>();
  private recording = false;
  private recordingPath: string | null = null;
  private recordingStartedAt = 0;
  private isClosed = false;

  constructor(readonly name: string, private readonly opts: ConferenceOptions, private readonly pool: MediaPool) {
    super();
    pool.listenConference(this.id, {
      talking: (ev) => {
        const m = this.byMediaId.get(ev.legId);
        if (!m || m.talking === ev.talking) return;
        m.talking = ev.talking;
        this.emit('talking', m, ev.talking);
      },
      recordFailed: (ev) => {
        if (!this.recording || ev.path !== this.recordingPath) return;
        this.recording = false;
        this.emit('recording-failed', { path: ev.path, reason: ev.reason, durationMs: ev.durationMs });
      },
      workerDied: (channel) => this.workerDied(channel),
    });
  }

  get members(): readonly ConferenceMember[] { return [...this.byLeg.values()]; }
  get memberCount(): number { return this.byLeg.size; }
  get closed(): boolean { return this.isClosed; }

  private get maxTalkers(): number { return this.opts.maxTalkers ?? DEFAULT_MAX_TALKERS; }

  /** The shards created so far, with their workers. */
  private async readyShards(): Promise<MediaChannel[]> {
    const shards = [...this.shards];
    const ready = await Promise.allSettled(shards.map(([, s]) => s.ready));
    return shards.flatMap(([channel], i) => (ready[i]!.status === 'fulfilled' ? [channel] : []));
  }

  /** Sends a request to every shard's worker. */
  private async requestAll(req: MediaRequest): Promise<void> {
    await Promise.all((await this.readyShards()).map((channel) => channel.request(req)));
  }

  /**
   * Where a new member's media goes: the home shard until it holds
   * `spreadAt` members, then the worker with the fewest members of this
   * conference (its own worker on a tie, so it need not move).
   */
  private placeMember(media: LegMedia): MediaChannel {
    const own = media.channel;
    const home = this.home;
    if (!home) return own;
    if ((this.shardMembers.get(home) ?? 0) < this.pool.spreadAt && this.shards.size === 1) return home;
    const hosts = this.pool.hosts.slice(0, MAX_SHARDS);
    let best = hosts.includes(own) ? own : home;
    let fewest = this.shardMembers.get(best) ?? 0;
    for (const ch of hosts) {
      const n = this.shardMembers.get(ch) ?? 0;
      if (n < fewest) { best = ch; fewest = n; }
    }
    // Every region of the exchange taken (a home outside the first MAX_SHARDS workers): stay home.
    if (!this.shards.has(best) && this.freeIndex() >= this.regions()) return home;
    return best;
  }

  private regions(): number { return this.exchange?.regions ?? Math.min(this.pool.hosts.length, MAX_SHARDS); }

  /** The lowest exchange region no shard holds (a dead shard's region is taken again). */
  private freeIndex(): number {
    const used = new Set([...this.shards.values()].map((s) => s.index));
    let i = 0;
    while (used.has(i)) i++;
    return i;
  }

  private link(shard: number): ExchangeLink {
    const regions = this.regions();
    this.exchange ??= { buffer: new SharedArrayBuffer(exchangeBytes(regions, this.maxTalkers)), regions };
    return { buffer: this.exchange.buffer, shard, shards: this.exchange.regions, maxTalkers: this.maxTalkers };
  }

  /** The shard on `channel`, created on first use; the first is home, the second links them in a talker exchange. */
  private shardOn(channel: MediaChannel): Promise<void> {
    const existing = this.shards.get(channel);
    if (existing) return existing.ready;
    const settings = { maxTalkers: this.maxTalkers, joinLeaveTones: this.opts.joinLeaveTones };
    const index = this.freeIndex();
    const home = this.home;
    const homeShard = home && this.shards.get(home);
    let ready: Promise<void>;
    if (!home || !homeShard) {
      this.home = channel;
      ready = channel.request({ op: 'conf.create', confId: this.id, settings }).then(() => undefined);
    } else {
      const linkHome = !this.homeLinked;
      this.homeLinked = true;
      ready = (async () => {
        if (linkHome) {
          await homeShard.ready;
          await home.request({ op: 'conf.link', confId: this.id, exchange: this.link(homeShard.index) });
          log.info({ conference: this.name, members: this.byLeg.size }, 'conference spreads over the media workers');
        }
        await channel.request({ op: 'conf.create', confId: this.id, settings: { ...settings, exchange: this.link(index) } });
      })();
    }
    this.shards.set(channel, { index, ready });
    return ready;
  }

  async join(callLeg: CallLeg, opts: MemberOptions = {}): Promise<ConferenceMember> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    if (!(callLeg instanceof EmbeddedCallLeg)) throw new InvalidStateError('not a leg of this engine');
    const leg = callLeg;
    if (leg.ended) throw new InvalidStateError('call has ended');
    const existing = this.byLeg.get(leg.id);
    if (existing) { await existing.update(opts); return existing; }
    const media = leg.media;
    const target = this.placeMember(media);
    const member = new Member(this, leg, opts);
    this.byLeg.set(leg.id, member);
    this.byMediaId.set(media.legId, member);
    this.shardOf.set(member, target);
    this.shardMembers.set(target, (this.shardMembers.get(target) ?? 0) + 1);
    try {
      await this.shardOn(target);
      await media.join(target, this.id, { muted: opts.muted, deaf: opts.deaf, hold: opts.hold ?? undefined, talkDb: opts.talkDb, listenDb: opts.listenDb });
    } catch (err) {
      this.forget(member);
      throw err;
    }
    leg.once('hangup', () => { void this.remove(member, false); });
    return member;
  }

  async remove(member: Member, tellWorker: boolean): Promise<void> {
    if (member.left) return;
    member.left = true;
    this.forget(member);
    if (tellWorker && !member.leg.ended) {
      await member.media.serial(() => member.media.channel.request({ op: 'conf.leave', confId: this.id, legId: member.media.legId }));
    }
    this.emit('member-left', member);
  }

  private forget(member: Member): void {
    this.byLeg.delete(member.leg.id);
    this.byMediaId.delete(member.media.legId);
    const ch = this.shardOf.get(member);
    this.shardOf.delete(member);
    if (ch && this.shardMembers.has(ch)) this.shardMembers.set(ch, this.shardMembers.get(ch)! - 1);
  }

  /**
   * A media worker died: the members mixed there leave (their legs are being
   * hung up), its shard is dropped and its exchange region freed; if it was
   * home, another shard becomes home (the recording of the mix, if one ran
   * there, is lost with it).
   */
  private workerDied(channel: MediaChannel): void {
    const shard = this.shards.get(channel);
    const gone = [...this.shardOf].flatMap(([m, ch]) => (ch === channel ? [m] : []));
    if (!shard && gone.length === 0) return;
    for (const m of gone) void this.remove(m, false);
    this.shards.delete(channel);
    this.shardMembers.delete(channel);
    if (this.home === channel) {
      if (this.recording) {
        log.warn({ conference: this.name }, 'the recording of the mix was lost with its media worker');
        this.recording = false;
        this.emit('recording-failed', { path: this.recordingPath ?? '', reason: 'worker_died', durationMs: Date.now() - this.recordingStartedAt });
      }
      this.home = this.shards.keys().next().value;
      // Without shards, the next member starts the conference afresh (a new home, not linked).
      if (!this.home) this.homeLinked = false;
    }
    log.warn({ conference: this.name, membersLost: gone.length, shardsLeft: this.shards.size }, 'a media worker of the conference died');
  }

  /** Plays in every shard (each mixes it for its members); resolves when all have played it. */
  async playToAll(prompt: PromptRef | PromptRef[]): Promise<void> {
    if (!this.home || this.isClosed) return;
    const prompts = Array.isArray(prompt) ? prompt : [prompt];
    await Promise.all((await this.readyShards()).map((channel) => this.playOn(channel, prompts)));
  }

  private async playOn(channel: MediaChannel, prompts: PromptRef[]): Promise<void> {
    const playId = randomUUID();
    // Bound to the shard's worker: if it dies, the pool settles this play.
    const ended = this.pool.pending.awaitPlay(playId, channel);
    try {
      await channel.request({ op: 'conf.playToAll', confId: this.id, playId, prompts });
    } catch (err) {
      this.pool.pending.settlePlay(playId, false);
      if (!this.shards.has(channel)) return; // the shard died with its worker: no one there to hear it
      throw err;
    }
    await ended;
  }

  async startRecording(path: string): Promise<void> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    if (!this.home) throw new InvalidStateError('the conference has no members yet');
    await this.home.request({ op: 'conf.record', confId: this.id, path });
    this.recording = true;
    this.recordingPath = path;
    this.recordingStartedAt = Date.now();
  }

  async stopRecording(): Promise<{ path: string; durationMs: number } | null> {
    // Closed: close() stopped the recording (its worker no longer knows the conference) — nothing to stop.
    if (!this.home || this.isClosed) return null;
    this.recording = false;
    return this.home.request({ op: 'conf.stopRecord', confId: this.id });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const members = [...this.byLeg.values()];
    try {
      await this.requestAll({ op: 'conf.close', confId: this.id });
    } catch (err) {
      log.warn({ err, conference: this.name }, 'closing the conference in its worker failed');
    }
    for (const m of members) await this.remove(m, false);
    this.pool.listenConference(this.id, undefined);
  }
}
