// The conference mixer core: pure, tick-driven (one call to tick() per 20 ms
// frame), no I/O and no clock. The engine feeds each member's decoded frame
// (pushed with setInput() or pulled from the member's input FrameSource),
// calls tick(), then sends each member's `output`.
//
// Per tick:
//  1. every member's frame is measured (mean square × input gain²) and its
//     TalkDetector updated (start delay, hang-over, both in ticks;
//     talk-detector.ts);
//  2. up to `maxTalkers` talking, unmuted, not-holding members are chosen,
//     loudest first by smoothed energy (the talkers of the last tick get a
//     small bonus so near-equal voices do not flap in and out;
//     talker-selection.ts);
//  3. the talkers (after input gain) and playToAll prompts are summed in an
//     Int32 accumulator: that is the full mix, clamped to Int16 for the
//     recording tap and for the shared frames (mix-bus.ts);
//  4. outputs: a talker hears the mix minus its own contribution (encoded for
//     it alone); every other plain member gets the ONE shared encoded frame of
//     its codec (encoded at most once per codec per tick); deaf members get
//     the codec's silence frame; holding members get their hold source's frame
//     (shared by all holders of that source; hold-feed.ts); a playTo prompt
//     or an output gain makes a member's output private (encoded for it
//     alone; mix-bus.ts).
// So the encoding cost is talkers + codecs in use (+ private outputs), not
// members. Shared frames are the same Uint8Array instance for everyone.
//
// A conference too big for one thread runs as several mixers (shards), one
// per media worker; they exchange their loudest talkers with
// forEachCandidate() and setRemoteTalkers(), and remote talkers compete in
// step 2 and are summed in step 3 (see talker-selection.ts).
//
// Muted members are never mixed, but their talk state is still measured
// (talking events fire with member.muted set, so a UI can say "you are
// muted") unless `detectWhenMuted` is false. Holding members are neither
// measured nor mixed; their input is still pulled so jitter buffers drain.
//
// Buffers returned (outputs, the tick report, the tap's pcm) are reused and
// valid until the next tick(); send or copy them before that. Callbacks (the
// recording tap, a prompt's onEnd) run at the end of tick(), so they may
// change the conference; a prompt queued from onEnd plays from the next tick
// (use SequenceSource for gapless sequences). Hold sources are pulled by this
// mixer once per tick: do not share one source object between mixers.
import { moduleLogger } from '../../common/log.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { FRAME_SAMPLES, type FrameSource } from '../rtp/frame-source.ts';
import type { G711Codec } from '../rtp/g711.ts';
import { SILENCE, codecIndex } from './codec-frames.ts';
import { HoldFeeds } from './hold-feed.ts';
import { MixBus } from './mix-bus.ts';
import { MemberState, NO_PLAYBACKS, type MemberUpdate, type MixerMember, type MixerMemberOptions } from './mixer-member.ts';
import { ActivePlayback, type Playback, type PlaybackEnd } from './playback.ts';
import { TalkerSelection } from './talker-selection.ts';
import { frameMeanSquare, talkDetectorSettings, type TalkDetectorOptions, type TalkDetectorSettings } from './talk-detector.ts';

const log = moduleLogger('mixer');

export interface ConferenceMixerOptions extends TalkDetectorOptions {
  /** Most members mixed at once; default 4. */
  maxTalkers?: number;
  /** Ranking bonus of the last tick's talkers, dB; default 3. */
  incumbentBonusDb?: number;
  /** Measure talk state of muted members; default true. */
  detectWhenMuted?: boolean;
  /** A new tone per join, played to everyone (including the joiner). */
  joinTone?: () => FrameSource;
  /** A new tone per leave, played to those who remain. */
  leaveTone?: () => FrameSource;
  /** Recording tap: the full mix (talkers + playToAll, clamped) every tick; the buffer is reused. */
  onMixFrame?: (pcm: Int16Array, tick: number) => void;
}

export interface TalkingChange {
  readonly member: MixerMember;
  readonly talking: boolean;
}

export interface TickReport {
  /** Ticks run so far (this one included). */
  readonly tick: number;
  /** Members mixed this tick, loudest first. */
  readonly talkers: readonly MixerMember[];
  /** Talk starts and stops since the previous tick. */
  readonly talkingChanges: readonly TalkingChange[];
  /** G.711 encodes done this tick. */
  readonly encodes: number;
}

/** Most shards (media workers) one conference can span. */
export const MAX_SHARDS = 16;

export class ConferenceMixer {
  private readonly settings: TalkDetectorSettings;
  readonly maxTalkers: number;
  private readonly detectWhenMuted: boolean;
  private readonly opts: ConferenceMixerOptions;

  private readonly list: MemberState[] = [];
  private readonly byId = new Map<string, MemberState>();
  private readonly holdFeeds = new HoldFeeds();
  private readonly talkers: TalkerSelection;
  private readonly bus: MixBus;
  private toAll: ActivePlayback[] = [];
  private tickCount = 0;

  // Reused per tick.
  private readonly changes: TalkingChange[] = [];
  private readonly pendingChanges: TalkingChange[] = [];
  /** Playbacks that ran out this tick: their onEnd runs after the tick. */
  private readonly finished: ActivePlayback[] = [];
  private readonly report: { tick: number; talkers: MemberState[]; talkingChanges: TalkingChange[]; encodes: number };

  constructor(opts: ConferenceMixerOptions = {}) {
    this.opts = opts;
    this.settings = talkDetectorSettings(opts);
    this.maxTalkers = opts.maxTalkers ?? 4;
    this.talkers = new TalkerSelection(this.maxTalkers, opts.incumbentBonusDb ?? 3, this.maxTalkers * MAX_SHARDS);
    this.detectWhenMuted = opts.detectWhenMuted ?? true;
    this.bus = new MixBus(this.maxTalkers);
    this.report = { tick: 0, talkers: this.talkers.chosen, talkingChanges: this.changes, encodes: 0 };
  }

  // ------------------------------------------------------------ membership

  get size(): number { return this.list.length; }
  get ticks(): number { return this.tickCount; }

  /** The members in join order (swap-removed on leave); do not modify. */
  get members(): readonly MixerMember[] { return this.list; }

  member(id: string): MixerMember | undefined { return this.byId.get(id); }

  /** The silence frame handed out for `codec` (compare `output` with it to skip or send comfort noise). */
  static silenceFor(codec: G711Codec): Uint8Array { return SILENCE[codecIndex(codec)]!; }

  addMember(id: string, opts: MixerMemberOptions): MixerMember {
    if (this.byId.has(id)) throw new InvalidStateError(`member ${id} is already in the conference`);
    const m = new MemberState(id, opts, this.settings);
    m.index = this.list.length;
    this.list.push(m);
    this.byId.set(id, m);
    if (m.wideband) this.bus.widebandMembers++;
    if (m.announce && this.opts.joinTone) this.playToAll(this.opts.joinTone());
    log.debug({ member: id, codec: m.codec.name, size: this.list.length }, 'member added');
    return m;
  }

  removeMember(id: string): boolean {
    const m = this.byId.get(id);
    if (!m) return false;
    this.byId.delete(id);
    const last = this.list.pop()!;
    if (last !== m) {
      this.list[m.index] = last;
      last.index = m.index;
    }
    m.index = -1;
    if (m.wideband) this.bus.widebandMembers--;
    this.setHoldFeed(m, null);
    for (const p of m.playbacks) p.end('member-left');
    m.playbacks = NO_PLAYBACKS;
    this.talkers.forget(m);
    for (let i = this.pendingChanges.length - 1; i >= 0; i--) {
      if (this.pendingChanges[i]!.member === m) this.pendingChanges.splice(i, 1);
    }
    if (m.announce && this.opts.leaveTone && this.list.length > 0) this.playToAll(this.opts.leaveTone());
    log.debug({ member: id, size: this.list.length }, 'member removed');
    return true;
  }

  update(id: string, change: MemberUpdate): MixerMember {
    const m = this.get(id);
    if (change.inputGainDb !== undefined || change.outputGainDb !== undefined) {
      m.setGains(change.inputGainDb ?? m.inputGainDb, change.outputGainDb ?? m.outputGainDb);
    }
    if (change.codec !== undefined && change.codec !== m.codec) m.setCodec(change.codec);
    if (change.wideband !== undefined && change.wideband !== m.wideband) this.setWideband(m, change.wideband);
    if (change.muted !== undefined) m.muted = change.muted;
    if (change.deaf !== undefined) m.deaf = change.deaf;
    return m;
  }

  /**
   * Puts a member on hold with `source` (shared by members given the same
   * source object: pulled once per tick; loop it, e.g. PcmSource with
   * loop) or takes it off hold with null. A holding member hears only the
   * hold source (and its own playTo prompts) and is not heard.
   */
  setHolding(id: string, source: FrameSource | null): void {
    const m = this.get(id);
    if (source && m.hold === null) {
      if (m.detector.reset() < 0) this.pendingChanges.push({ member: m, talking: false });
    }
    this.setHoldFeed(m, source);
  }

  /**
   * The member's frame for the next tick (instead of pulling its input); kept
   * by reference. A wideband member may add the 4–8 kHz band of the same
   * frame (`high`, 8 kHz samples, unity-scaled): it is mixed only for the
   * wideband members.
   */
  setInput(id: string, pcm: Int16Array | null, high: Int16Array | null = null): void {
    const m = this.get(id);
    if (pcm && pcm.length < FRAME_SAMPLES) throw new RangeError(`input frame holds ${pcm.length} samples, need ${FRAME_SAMPLES}`);
    if (high && high.length < FRAME_SAMPLES) throw new RangeError(`high band frame holds ${high.length} samples, need ${FRAME_SAMPLES}`);
    m.pushed = pcm;
    m.pushedHigh = pcm && m.wideband ? high : null;
  }

  /** Members that send and hear the high band: while there is none, the mixer does no wideband work at all. */
  get widebandMembers(): number { return this.bus.widebandMembers; }

  setInputSource(id: string, source: FrameSource | null): void {
    this.get(id).input = source;
  }

  // ------------------------------------------------------------ shards

  /**
   * Talkers of the other shards for the next tick: `count` frames (gain
   * applied) with their ranks, in any order; copied. They compete with this
   * shard's talkers for the `maxTalkers` places and are mixed for every local
   * member. Cleared by the tick that uses them.
   */
  setRemoteTalkers(count: number, ranks: ArrayLike<number>, frames: (i: number) => Int16Array): void {
    this.talkers.setRemoteTalkers(count, ranks, frames);
  }

  /** This tick's local talker candidates, loudest first: rank, frame (input gain not applied) and input gain. */
  forEachCandidate(fn: (rank: number, frame: Int16Array, gain: number) => void): void {
    this.talkers.forEachCandidate(fn);
  }

  /** Remote talkers mixed in the last tick. */
  get remoteTalkers(): number { return this.talkers.remoteMixed; }

  // ------------------------------------------------------------ prompts

  /** A prompt heard by everyone (part of the mix and of the recording). */
  playToAll(source: FrameSource, onEnd?: (reason: PlaybackEnd) => void): Playback {
    const p = new ActivePlayback(null, source, onEnd);
    this.toAll.push(p);
    return p;
  }

  /** A prompt heard only by `id`, mixed into its output (even when deaf or holding). */
  playTo(id: string, source: FrameSource, onEnd?: (reason: PlaybackEnd) => void): Playback {
    const m = this.get(id);
    const p = new ActivePlayback(id, source, onEnd);
    if (m.playbacks === NO_PLAYBACKS) m.playbacks = [];
    m.playbacks.push(p);
    return p;
  }

  /** Stops every prompt (to all and to members), e.g. when the conference ends. */
  stopAllPlayback(): void {
    for (const p of this.toAll) p.stop();
    for (const m of this.list) for (const p of m.playbacks) p.stop();
  }

  // ------------------------------------------------------------ the tick

  tick(): TickReport {
    const tick = ++this.tickCount;
    this.changes.length = 0;
    for (const c of this.pendingChanges) this.changes.push(c);
    this.pendingChanges.length = 0;

    this.measure();
    const talkers = this.talkers;
    talkers.choose(this.list);
    const bus = this.bus;
    const contributors = bus.mix(talkers.chosen, talkers.remoteFrames, talkers.remoteMixed, this.toAll, this.finished);
    bus.assignOutputs(this.list, tick, contributors, this.finished);

    this.report.tick = tick;
    this.report.encodes = bus.encodes;
    // Callbacks last, when the tick's state is complete: they may change the
    // membership or start the next prompt (which then plays from the next tick).
    this.opts.onMixFrame?.(bus.mixPcm, tick);
    if (this.finished.length > 0) {
      for (const p of this.finished) p.finish();
      this.finished.length = 0;
    }
    return this.report;
  }

  /** Step 1: pulls every member's frame and updates its talk state. */
  private measure(): void {
    const list = this.list;
    for (let k = 0; k < list.length; k++) {
      const m = list[k]!;
      const frame = m.pushed ?? (m.input ? m.input.next(m.inputBuffer) : null);
      m.frameHigh = m.pushed ? m.pushedHigh : null;
      m.pushed = null;
      m.pushedHigh = null;
      if (m.hold !== null) {
        m.frame = null;
        continue;
      }
      m.frame = frame;
      if (m.muted && !this.detectWhenMuted) {
        if (m.detector.reset() < 0) this.changes.push({ member: m, talking: false });
        continue;
      }
      const ms = frame ? frameMeanSquare(frame) * m.inputGain * m.inputGain : 0;
      const change = m.detector.update(ms);
      if (change !== 0) this.changes.push({ member: m, talking: change > 0 });
    }
  }

  // ------------------------------------------------------------ helpers

  private get(id: string): MemberState {
    const m = this.byId.get(id);
    if (!m) throw new InvalidStateError(`no member ${id} in the conference`);
    return m;
  }

  private setWideband(m: MemberState, wideband: boolean): void {
    m.wideband = wideband;
    this.bus.widebandMembers += wideband ? 1 : -1;
    m.frameHigh = null;
    m.pushedHigh = null;
  }

  private setHoldFeed(m: MemberState, source: FrameSource | null): void {
    if (m.hold && m.hold.source === source) return;
    if (m.hold) {
      this.holdFeeds.release(m.hold);
      m.hold = null;
    }
    if (!source) return;
    m.hold = this.holdFeeds.acquire(source);
    m.mixed = false;
  }
}
