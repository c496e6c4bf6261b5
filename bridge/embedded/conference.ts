// A conference of the embedded engine, on the control thread. Its mixer runs
// in the media worker of its first member; later members' media move there.
import { randomUUID } from 'node:crypto';
import { TypedEmitter } from '../../common/events.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import type { CallLeg, Conference, ConferenceEvents, ConferenceMember, ConferenceOptions, MemberOptions, PromptRef } from '../port.ts';
import type { EmbeddedCallLeg } from './call-leg.ts';
import type { MediaChannel } from './media/media-channel.ts';
import type { MediaPool, WorkerLegMedia } from './media/media-pool.ts';

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
    await this.conference.request({ op: 'conf.update', confId: this.conference.id, legId: this.media.legId, member: opts });
  }

  get media(): WorkerLegMedia { return this.leg.media as WorkerLegMedia; }

  leave(): Promise<void> { return this.conference.remove(this, true); }
}

export class EmbeddedConference extends TypedEmitter<ConferenceEvents> implements Conference {
  readonly id = randomUUID();
  private channel: MediaChannel | undefined;
  private readonly byLeg = new Map<string, Member>();
  private readonly byMediaId = new Map<string, Member>();
  private isClosed = false;
  private creating: Promise<MediaChannel> | undefined;

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

  /** Sends a request to the conference's worker. */
  request(req: Parameters<MediaChannel['request']>[0]): Promise<unknown> {
    if (!this.channel) return Promise.resolve(null);
    return this.channel.request(req);
  }

  /** The conference lives in the worker of its first member. */
  private host(first: WorkerLegMedia): Promise<MediaChannel> {
    this.creating ??= (async () => {
      const ch = first.channel;
      await ch.request({ op: 'conf.create', confId: this.id, settings: { maxTalkers: this.opts.maxTalkers, joinLeaveTones: this.opts.joinLeaveTones } });
      this.channel = ch;
      return ch;
    })();
    return this.creating;
  }

  async join(callLeg: CallLeg, opts: MemberOptions = {}): Promise<ConferenceMember> {
    if (this.isClosed) throw new InvalidStateError('conference is closed');
    const leg = callLeg as EmbeddedCallLeg;
    if (!leg.media || !('legId' in leg.media)) throw new InvalidStateError('not a leg of this engine');
    if (leg.ended) throw new InvalidStateError('call has ended');
    const existing = this.byLeg.get(leg.id);
    if (existing) { await existing.update(opts); return existing; }
    const media = leg.media as WorkerLegMedia;
    const channel = await this.host(media);
    const member = new Member(this, leg, opts);
    this.byLeg.set(leg.id, member);
    this.byMediaId.set(media.legId, member);
    try {
      await media.join(channel, this.id, { muted: opts.muted, deaf: opts.deaf, hold: opts.hold ?? undefined });
    } catch (err) {
      this.byLeg.delete(leg.id);
      this.byMediaId.delete(media.legId);
      throw err;
    }
    leg.once('hangup', () => { void this.remove(member, false); });
    return member;
  }

  async remove(member: Member, tellWorker: boolean): Promise<void> {
    if (member.left) return;
    member.left = true;
    this.byLeg.delete(member.leg.id);
    this.byMediaId.delete(member.media.legId);
    if (tellWorker && !member.leg.ended) {
      await member.media.serial(() => member.media.channel.request({ op: 'conf.leave', confId: this.id, legId: member.media.legId }));
    }
    this.emit('member-left', member);
  }

  async playToAll(prompt: PromptRef | PromptRef[]): Promise<void> {
    if (!this.channel || this.isClosed) return;
    const playId = randomUUID();
    const ended = this.pool.awaitPlay(playId);
    try {
      await this.channel.request({ op: 'conf.playToAll', confId: this.id, playId, prompts: Array.isArray(prompt) ? prompt : [prompt] });
    } catch (err) {
      this.pool.cancelPlay(playId);
      throw err;
    }
    await ended;
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
      await this.request({ op: 'conf.close', confId: this.id });
    } catch (err) {
      log.warn({ err, conference: this.name }, 'closing the conference in its worker failed');
    }
    for (const m of members) await this.remove(m, false);
    this.pool.listenConference(this.id, undefined);
  }
}
