// A conference of the embedded engine, on the control thread. Its mixer runs
// in the media worker of its first member (the home shard), and later
// members' media move there, until it holds `spreadAt` members: from then on
// the conference spreads over the workers, one shard (a mixer of its own
// members) per worker, new members going to the shard with the fewest, and
// the shards exchange their talkers through shared memory one tick behind
// (media/shard-exchange.ts). Prompts to everyone play in every shard; the
// recording of the mix is made in the home shard (its mix holds every
// shard's talkers).
import { randomUUID } from 'node:crypto';
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import type { CallLeg, Conference, ConferenceEvents, ConferenceMember, ConferenceOptions, MemberOptions, PromptRef } from '../port.ts';
import type { EmbeddedCallLeg } from './call-leg.ts';
import { MAX_SHARDS } from '../mixer/conference-mixer.ts';
import type { MediaChannel } from './media/media-channel.ts';
import type { MediaPool, WorkerLegMedia } from './media/media-pool.ts';
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
    if (opts.muted !== undefined) this.muted = opts.muted;
    if (opts.deaf !== undefined) this.deaf = opts.deaf;
    if (opts.hold !== undefined) this.holding = opts.hold !== null;
    await this.media.serial(() => this.media.channel.request({ op: 'conf.update', confId: this.conference.id, legId: this.media.legId, member: opts }));
  }

  get media(): WorkerLegMedia { return this.leg.media as WorkerLegMedia; }

  leave(): Promise<void> { return this.conference.remove(this, true); }
}

interface Shard { channel: MediaChannel; index: number }

const DEFAULT_MAX_TALKERS = 4;

export class EmbeddedConference extends TypedEmitter<ConferenceEvents> implements Conference {
  readonly id = randomUUID();
  /** The home shard's worker (the first member's). */
  private channel: MediaChannel | undefined;
  private readonly shards = new Map<MediaChannel, Promise<Shard>>();
  /** Members per shard worker (counted when their join is decided). */
  private readonly shardMembers = new Map<MediaChannel, number>();
  private exchange: SharedArrayBuffer | undefined;
  private readonly byLeg = new Map<string, Member>();
  private readonly byMediaId = new Map<string, Member>();
  private readonly shardOf = new Map<Member, MediaChannel>();
  private isClosed = false;

  constructor(readonly name: string, private readonly opts: ConferenceOptions, private readonly pool: MediaPool) {
    super();
    pool.listenConference(this.id, (ev) => {
      const m = this.byMediaId.get(ev.legId);
      if (!m || m.talking === ev.talking) return;
      m.talking = ev.talking;
      this.emit('talking', m, ev.talking);
    });
  }

  get members(): readonly ConferenceMember[] { return [...this.byLeg.values()]; }

  /** Sends a request to every shard's worker. */
  private async requestAll(req: Parameters<MediaChannel['request']>[0]): Promise<void> {
    const shards = await Promise.allSettled(this.shards.values());
    await Promise.all(shards.flatMap((s) => (s.status === 'fulfilled' ? [s.value.channel.request(req)] : [])));
  }

  /**
   * Where a new member's media goes: the home shard until it holds
   * `spreadAt` members, then the worker with the fewest members of this
   * conference (its own worker on a tie, so it need not move).
   */
  private placeMember(media: WorkerLegMedia): MediaChannel {
    const own = media.channel;
    if (!this.channel) return own;
    const home = this.channel;
    if ((this.shardMembers.get(home) ?? 0) < this.pool.spreadAt && this.shards.size === 1) return home;
    const hosts = this.pool.hosts.slice(0, MAX_SHARDS);
    let best = hosts.includes(own) ? own : home;
    let fewest = this.shardMembers.get(best) ?? 0;
    for (const ch of hosts) {
      const n = this.shardMembers.get(ch) ?? 0;
      if (n < fewest) { best = ch; fewest = n; }
    }
    return best;
  }

  /** The shard on `channel`, created on first use; the first is home, the second links them in a talker exchange. */
  private shardOn(channel: MediaChannel): Promise<Shard> {
    let shard = this.shards.get(channel);
    if (shard) return shard;
    const index = this.shards.size;
    const maxTalkers = this.opts.maxTalkers ?? DEFAULT_MAX_TALKERS;
    const settings = { maxTalkers, joinLeaveTones: this.opts.joinLeaveTones };
    const shards = Math.min(this.pool.hosts.length, MAX_SHARDS);
    const link = (i: number): ExchangeLink => {
      this.exchange ??= new SharedArrayBuffer(exchangeBytes(shards, maxTalkers));
      return { buffer: this.exchange, shard: i, shards, maxTalkers };
    };
    const home = this.shards.get(this.channel!);
    shard = (async () => {
      if (index === 0) {
        await channel.request({ op: 'conf.create', confId: this.id, settings });
      } else {
        if (index === 1) {
          const h = await home!;
          await h.channel.request({ op: 'conf.link', confId: this.id, exchange: link(0) });
          log.info({ conference: this.name, members: this.byLeg.size }, 'conference spreads over the media workers');
        }
        await channel.request({ op: 'conf.create', confId: this.id, settings: { ...settings, exchange: link(index) } });
      }
      return { channel, index };
    })();
    if (index === 0) this.channel = channel;
    this.shards.set(channel, shard);
    return shard;
  }

  async join(callLeg: CallLeg, opts: MemberOptions = {}): Promise<ConferenceMember> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    const leg = callLeg as EmbeddedCallLeg;
    if (!leg.media || !('legId' in leg.media)) throw new InvalidStateError('not a leg of this engine');
    if (leg.ended) throw new InvalidStateError('call has ended');
    const existing = this.byLeg.get(leg.id);
    if (existing) { await existing.update(opts); return existing; }
    const media = leg.media as WorkerLegMedia;
    const target = this.placeMember(media);
    const member = new Member(this, leg, opts);
    this.byLeg.set(leg.id, member);
    this.byMediaId.set(media.legId, member);
    this.shardOf.set(member, target);
    this.shardMembers.set(target, (this.shardMembers.get(target) ?? 0) + 1);
    try {
      const shard = await this.shardOn(target);
      await media.join(shard.channel, this.id, { muted: opts.muted, deaf: opts.deaf, hold: opts.hold ?? undefined });
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
    if (ch) this.shardMembers.set(ch, (this.shardMembers.get(ch) ?? 1) - 1);
  }

  /** Plays in every shard (each mixes it for its members); resolves when all have played it. */
  async playToAll(prompt: PromptRef | PromptRef[]): Promise<void> {
    if (!this.channel || this.isClosed) return;
    const prompts = Array.isArray(prompt) ? prompt : [prompt];
    const shards = (await Promise.allSettled(this.shards.values())).flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    await Promise.all(shards.map(async (shard) => {
      const playId = randomUUID();
      const ended = this.pool.awaitPlay(playId);
      try {
        await shard.channel.request({ op: 'conf.playToAll', confId: this.id, playId, prompts });
      } catch (err) {
        this.pool.cancelPlay(playId);
        throw err;
      }
      await ended;
    }));
  }

  async startRecording(path: string): Promise<void> {
    if (!this.channel) throw new InvalidStateError('the conference has no members yet');
    await this.channel.request({ op: 'conf.record', confId: this.id, path });
  }

  async stopRecording(): Promise<{ path: string; durationMs: number } | null> {
    if (!this.channel) return null;
    return (await this.channel.request({ op: 'conf.stopRecord', confId: this.id })) as { path: string; durationMs: number } | null;
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
