// The conference mixer core: pure, tick-driven (one call to tick() per 20 ms
// frame), no I/O and no clock. The engine feeds each member's decoded frame
// (pushed with setInput() or pulled from the member's input FrameSource),
// calls tick(), then sends each member's `output`.
//
// Per tick:
//  1. every member's frame is measured (mean square × input gain²) and its
//     TalkDetector updated (start delay, hang-over, both in ticks);
//  2. up to `maxTalkers` talking, unmuted, not-holding members are chosen,
//     loudest first by smoothed energy (the talkers of the last tick get a
//     small bonus so near-equal voices do not flap in and out);
//  3. the talkers (after input gain) and playToAll prompts are summed in an
//     Int32 accumulator: that is the full mix, clamped to Int16 for the
//     recording tap and for the shared frames;
//  4. outputs: a talker hears the mix minus its own contribution (encoded for
//     it alone); every other plain member gets the ONE shared encoded frame of
//     its codec (encoded at most once per codec per tick); deaf members get
//     the codec's silence frame; holding members get their hold source's frame
//     (shared by all holders of that source); a playTo prompt or an output
//     gain makes a member's output private (encoded for it alone).
// So the encoding cost is talkers + codecs in use (+ private outputs), not
// members. Shared frames are the same Uint8Array instance for everyone.
//
// A conference too big for one thread runs as several mixers (shards), one
// per media worker, each with its own members. Each shard offers its local
// talker candidates (forEachCandidate: rank, frame and input gain) to the
// others and takes theirs with setRemoteTalkers(); step 2 then picks the
// loudest `maxTalkers` of both, and remote talkers are summed into the mix
// like local ones (they have no output here: their own shard gives them the
// mix minus themselves).
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
import { PCMA, PCMU, type G711Codec } from '../rtp/g711.ts';
import { ActivePlayback, type Playback, type PlaybackEnd } from './playback.ts';
import { TalkDetector, frameMeanSquare, talkDetectorSettings, type TalkDetectorOptions, type TalkDetectorSettings } from './talk-detector.ts';

const log = moduleLogger('mixer');

export type { Playback, PlaybackEnd } from './playback.ts';

/** What a member's `output` holds after a tick. */
export type OutputKind =
  | 'silence'  // the codec's shared silence frame (deaf, or nothing to hear)
  | 'shared'   // the shared full-mix frame of the codec
  | 'hold'     // the shared frame of its hold source
  | 'private'; // encoded for this member alone (talker, playTo, output gain)

export interface MixerMember {
  readonly id: string;
  readonly codec: G711Codec;
  readonly muted: boolean;
  readonly deaf: boolean;
  readonly holding: boolean;
  readonly inputGainDb: number;
  readonly outputGainDb: number;
  /** Talk state (with hang-over), also measured while muted. */
  readonly talking: boolean;
  /** Smoothed input level after the input gain, dBFS. */
  readonly levelDbfs: number;
  /** Mixed into the conference in the last tick. */
  readonly mixed: boolean;
  /** The payload to send for the last tick (do not modify: may be shared). */
  readonly output: Uint8Array;
  readonly outputKind: OutputKind;
}

export interface MixerMemberOptions {
  codec: G711Codec;
  /** Pulled once per tick when no frame was pushed with setInput(); null = no audio. */
  input?: FrameSource;
  muted?: boolean;
  deaf?: boolean;
  /** Input gain in dB, applied before detection and mixing; default 0. */
  inputGainDb?: number;
  /** Output volume in dB; anything but 0 makes the member's output private. */
  outputGainDb?: number;
  /** Play the join tone (and later the leave tone); default true. */
  announce?: boolean;
}

export interface MemberUpdate {
  codec?: G711Codec;
  muted?: boolean;
  deaf?: boolean;
  inputGainDb?: number;
  outputGainDb?: number;
}

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

const GAIN_MIN_DB = -60;
const GAIN_MAX_DB = 24;

function gainOf(db: number, what: string): number {
  if (!Number.isFinite(db) || db < GAIN_MIN_DB || db > GAIN_MAX_DB) {
    throw new RangeError(`${what} ${db} dB outside [${GAIN_MIN_DB}, ${GAIN_MAX_DB}]`);
  }
  return db === 0 ? 1 : 10 ** (db / 20);
}

/** Index of a codec in per-codec arrays. */
const codecIndex = (codec: G711Codec): number => (codec.payloadType === 0 ? 0 : 1);
const CODECS: readonly G711Codec[] = [PCMU, PCMA];
const silenceFrame = (codec: G711Codec): Uint8Array => new Uint8Array(FRAME_SAMPLES).fill(codec.silenceByte);
/** The silence frames handed out as outputs; shared by every mixer (never written). */
const SILENCE: readonly Uint8Array[] = CODECS.map(silenceFrame);
/** Most shards (media workers) one conference can span. */
export const MAX_SHARDS = 16;
const NO_PLAYBACKS: ActivePlayback[] = [];

/** Drops ended playbacks in place (no allocation per tick); those that ran out go to `finished`. */
function compact(list: ActivePlayback[], finished: ActivePlayback[]): void {
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (p.active) list[n++] = p;
    else if (p.ranOut) finished.push(p);
  }
  list.length = n;
}

/** A hold source shared by the members holding on it: pulled and encoded once per tick. */
class HoldFeed {
  holders = 0;
  pcm: Int16Array | null = null;
  private pulledTick = -1;
  private readonly buffer = new Int16Array(FRAME_SAMPLES);
  readonly encoded = CODECS.map(() => new Uint8Array(FRAME_SAMPLES));
  readonly encodedTick = [-1, -1];

  constructor(readonly source: FrameSource) {}

  frame(tick: number): Int16Array | null {
    if (this.pulledTick !== tick) {
      this.pulledTick = tick;
      this.pcm = this.source.next(this.buffer);
    }
    return this.pcm;
  }
}

class MemberState implements MixerMember {
  codec: G711Codec;
  muted: boolean;
  deaf: boolean;
  inputGainDb = 0;
  outputGainDb = 0;
  inputGain = 1;
  outputGain = 1;
  input: FrameSource | null;
  readonly announce: boolean;
  readonly detector: TalkDetector;
  /** Frame pushed with setInput() for the next tick. */
  pushed: Int16Array | null = null;
  /** This tick's input frame (null: none). */
  frame: Int16Array | null = null;
  readonly inputBuffer = new Int16Array(FRAME_SAMPLES);
  mixed = false;
  /** Contribution slot while mixed. */
  slot = -1;
  hold: HoldFeed | null = null;
  playbacks: ActivePlayback[] = NO_PLAYBACKS;
  privateOut: Uint8Array | null = null;
  output: Uint8Array;
  outputKind: OutputKind = 'silence';
  index = -1;

  constructor(readonly id: string, opts: MixerMemberOptions, settings: TalkDetectorSettings) {
    this.codec = opts.codec;
    this.muted = opts.muted ?? false;
    this.deaf = opts.deaf ?? false;
    this.input = opts.input ?? null;
    this.announce = opts.announce ?? true;
    this.detector = new TalkDetector(settings);
    this.output = SILENCE[codecIndex(opts.codec)]!;
  }

  get holding(): boolean { return this.hold !== null; }
  get talking(): boolean { return this.detector.talking; }
  get levelDbfs(): number { return this.detector.levelDbfs; }
}

export class ConferenceMixer {
  private readonly settings: TalkDetectorSettings;
  readonly maxTalkers: number;
  private readonly incumbentBonus: number;
  private readonly detectWhenMuted: boolean;
  private readonly opts: ConferenceMixerOptions;

  private readonly list: MemberState[] = [];
  private readonly byId = new Map<string, MemberState>();
  private readonly holdFeeds = new Map<FrameSource, HoldFeed>();
  private toAll: ActivePlayback[] = [];
  private tickCount = 0;

  // Reused per tick.
  private readonly acc = new Int32Array(FRAME_SAMPLES);
  private readonly scratch = new Int32Array(FRAME_SAMPLES);
  private readonly mixPcm = new Int16Array(FRAME_SAMPLES);
  private readonly outPcm = new Int16Array(FRAME_SAMPLES);
  private readonly slots: Int32Array[];
  private readonly ranks: Float64Array;
  private readonly chosen: MemberState[] = [];
  private readonly previous: MemberState[] = [];
  private readonly sharedOut = CODECS.map(() => new Uint8Array(FRAME_SAMPLES));
  private readonly sharedTick = [-1, -1];
  /** This tick's local candidates (the loudest `maxTalkers` local talkers), before remote talkers compete. */
  private readonly candidates: MemberState[] = [];
  private readonly candidateRanks: Float64Array;
  /** Remote talkers for the next tick, loudest first, and how many of them made it into the mix. */
  private remoteCount = 0;
  private readonly remoteRanks: Float64Array;
  private readonly remoteFrames: Int16Array[];
  private remoteMixed = 0;
  private readonly changes: TalkingChange[] = [];
  private readonly pendingChanges: TalkingChange[] = [];
  /** Playbacks that ran out this tick: their onEnd runs after the tick. */
  private readonly finished: ActivePlayback[] = [];
  private encodes = 0;
  private readonly report: { tick: number; talkers: MemberState[]; talkingChanges: TalkingChange[]; encodes: number };

  constructor(opts: ConferenceMixerOptions = {}) {
    this.opts = opts;
    this.settings = talkDetectorSettings(opts);
    this.maxTalkers = opts.maxTalkers ?? 4;
    if (!Number.isInteger(this.maxTalkers) || this.maxTalkers < 1) throw new RangeError(`maxTalkers ${this.maxTalkers} must be an integer ≥ 1`);
    const bonusDb = opts.incumbentBonusDb ?? 3;
    if (!(bonusDb >= 0 && bonusDb <= 20)) throw new RangeError(`incumbentBonusDb ${bonusDb} must be in [0, 20]`);
    this.incumbentBonus = 10 ** (bonusDb / 10);
    this.detectWhenMuted = opts.detectWhenMuted ?? true;
    this.slots = Array.from({ length: this.maxTalkers }, () => new Int32Array(FRAME_SAMPLES));
    this.ranks = new Float64Array(this.maxTalkers);
    this.candidateRanks = new Float64Array(this.maxTalkers);
    this.remoteRanks = new Float64Array(this.maxTalkers * MAX_SHARDS);
    this.remoteFrames = Array.from({ length: this.maxTalkers * MAX_SHARDS }, () => new Int16Array(FRAME_SAMPLES));
    this.report = { tick: 0, talkers: this.chosen, talkingChanges: this.changes, encodes: 0 };
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
    this.applyGains(m, opts.inputGainDb ?? 0, opts.outputGainDb ?? 0);
    m.index = this.list.length;
    this.list.push(m);
    this.byId.set(id, m);
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
    this.setHoldFeed(m, null);
    for (const p of m.playbacks) p.end('member-left');
    m.playbacks = NO_PLAYBACKS;
    const prev = this.previous.indexOf(m);
    if (prev >= 0) this.previous.splice(prev, 1);
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
      this.applyGains(m, change.inputGainDb ?? m.inputGainDb, change.outputGainDb ?? m.outputGainDb);
    }
    if (change.codec !== undefined && change.codec !== m.codec) {
      m.codec = change.codec;
      m.output = SILENCE[codecIndex(m.codec)]!;
      m.outputKind = 'silence';
    }
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

  /** The member's frame for the next tick (instead of pulling its input); kept by reference. */
  setInput(id: string, pcm: Int16Array | null): void {
    const m = this.get(id);
    if (pcm && pcm.length < FRAME_SAMPLES) throw new RangeError(`input frame holds ${pcm.length} samples, need ${FRAME_SAMPLES}`);
    m.pushed = pcm;
  }

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
    const n = Math.min(count, this.remoteFrames.length);
    let k = 0;
    for (let i = 0; i < n; i++) {
      // insertion by rank, loudest first
      const rank = ranks[i]!;
      let j = k++;
      const frame = this.remoteFrames[j]!;
      while (j > 0 && this.remoteRanks[j - 1]! < rank) {
        this.remoteRanks[j] = this.remoteRanks[j - 1]!;
        this.remoteFrames[j] = this.remoteFrames[j - 1]!;
        j--;
      }
      this.remoteRanks[j] = rank;
      this.remoteFrames[j] = frame;
      frame.set(frames(i).subarray(0, FRAME_SAMPLES));
    }
    this.remoteCount = k;
  }

  /** This tick's local talker candidates, loudest first: rank, frame (input gain not applied) and input gain. */
  forEachCandidate(fn: (rank: number, frame: Int16Array, gain: number) => void): void {
    for (let j = 0; j < this.candidates.length; j++) {
      const m = this.candidates[j]!;
      if (m.frame) fn(this.candidateRanks[j]!, m.frame, m.inputGain);
    }
  }

  /** Remote talkers mixed in the last tick. */
  get remoteTalkers(): number { return this.remoteMixed; }

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
    this.encodes = 0;
    this.changes.length = 0;
    for (const c of this.pendingChanges) this.changes.push(c);
    this.pendingChanges.length = 0;

    this.measure();
    this.chooseTalkers();
    const contributors = this.mixAll();
    this.assignOutputs(tick, contributors);

    this.report.tick = tick;
    this.report.encodes = this.encodes;
    // Callbacks last, when the tick's state is complete: they may change the
    // membership or start the next prompt (which then plays from the next tick).
    this.opts.onMixFrame?.(this.mixPcm, tick);
    if (this.finished.length > 0) {
      for (const p of this.finished) p.finish();
      this.finished.length = 0;
    }
    return this.report;
  }

  private measure(): void {
    const list = this.list;
    for (let k = 0; k < list.length; k++) {
      const m = list[k]!;
      const frame = m.pushed ?? (m.input ? m.input.next(m.inputBuffer) : null);
      m.pushed = null;
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

  /** Top `maxTalkers` by smoothed energy (with the incumbents' bonus), by insertion. */
  private chooseTalkers(): void {
    const chosen = this.chosen;
    const ranks = this.ranks;
    const max = this.maxTalkers;
    chosen.length = 0;
    const list = this.list;
    for (let k = 0; k < list.length; k++) {
      const m = list[k]!;
      if (!m.detector.talking || m.muted || m.frame === null) continue;
      const rank = m.detector.smoothed * (m.mixed ? this.incumbentBonus : 1);
      let n = chosen.length;
      if (n < max) chosen.push(m);
      else if (rank <= ranks[max - 1]!) continue;
      else n = max - 1;
      while (n > 0 && ranks[n - 1]! < rank) {
        ranks[n] = ranks[n - 1]!;
        chosen[n] = chosen[n - 1]!;
        n--;
      }
      ranks[n] = rank;
      chosen[n] = m;
    }
    const candidates = this.candidates;
    candidates.length = chosen.length;
    for (let j = 0; j < chosen.length; j++) { candidates[j] = chosen[j]!; this.candidateRanks[j] = ranks[j]!; }
    // Remote talkers compete for the places: merge the two lists, loudest first.
    let remote = 0;
    if (this.remoteCount > 0) {
      let local = 0;
      while (local + remote < max && (local < chosen.length || remote < this.remoteCount)) {
        if (remote >= this.remoteCount || (local < chosen.length && ranks[local]! >= this.remoteRanks[remote]!)) local++;
        else remote++;
      }
      chosen.length = local;
      this.remoteCount = 0;
    }
    this.remoteMixed = remote;
    for (const m of this.previous) m.mixed = false;
    this.previous.length = 0;
    for (let j = 0; j < chosen.length; j++) {
      const m = chosen[j]!;
      m.mixed = true;
      m.slot = j;
      this.previous.push(m);
    }
  }

  /** Sums talkers and playToAll prompts into acc and mixPcm; returns how many contributed. */
  private mixAll(): number {
    const acc = this.acc;
    acc.fill(0);
    let contributors = 0;
    for (const m of this.chosen) {
      const frame = m.frame!;
      const slot = this.slots[m.slot]!;
      const g = m.inputGain;
      if (g === 1) {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          const v = frame[i]!;
          slot[i] = v;
          acc[i] = acc[i]! + v;
        }
      } else {
        for (let i = 0; i < FRAME_SAMPLES; i++) {
          let v = Math.round(frame[i]! * g);
          v = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
          slot[i] = v;
          acc[i] = acc[i]! + v;
        }
      }
      contributors++;
    }
    for (let r = 0; r < this.remoteMixed; r++) {
      const frame = this.remoteFrames[r]!;
      for (let i = 0; i < FRAME_SAMPLES; i++) acc[i] = acc[i]! + frame[i]!;
      contributors++;
    }
    if (this.toAll.length > 0) {
      for (const p of this.toAll) {
        const frame = p.pull();
        if (!frame) continue;
        for (let i = 0; i < FRAME_SAMPLES; i++) acc[i] = acc[i]! + frame[i]!;
        contributors++;
      }
      compact(this.toAll, this.finished);
    }
    const mix = this.mixPcm;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = acc[i]!;
      mix[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    return contributors;
  }

  private assignOutputs(tick: number, contributors: number): void {
    const list = this.list;
    for (let k = 0; k < list.length; k++) {
      const m = list[k]!;
      const ci = codecIndex(m.codec);
      let prompts = false;
      if (m.playbacks.length > 0) {
        for (const p of m.playbacks) if (p.pull()) prompts = true;
        compact(m.playbacks, this.finished);
      }
      const plain = !prompts && m.outputGain === 1;
      const hold = m.hold;
      if (hold !== null) {
        const pcm = hold.frame(tick);
        if (plain) {
          if (pcm) {
            if (hold.encodedTick[ci] !== tick) {
              hold.encodedTick[ci] = tick;
              CODECS[ci]!.encode(pcm, hold.encoded[ci]!);
              this.encodes++;
            }
            this.setOutput(m, hold.encoded[ci]!, 'hold');
          } else this.setOutput(m, SILENCE[ci]!, 'silence');
        } else this.privateOutput(m, ci, pcm, false, false);
        continue;
      }
      // What the conference gives this member: nothing when deaf, or when the
      // only contribution is the member's own voice.
      const hearsMix = !m.deaf && contributors > (m.mixed ? 1 : 0);
      if (plain) {
        if (!hearsMix) this.setOutput(m, SILENCE[ci]!, 'silence');
        else if (!m.mixed) this.setOutput(m, this.shared(ci, tick), 'shared');
        else this.privateOutput(m, ci, null, true, true);
      } else if (!hearsMix && !prompts) {
        this.setOutput(m, SILENCE[ci]!, 'silence');
      } else {
        this.privateOutput(m, ci, null, hearsMix, m.mixed && hearsMix);
      }
    }
  }

  private setOutput(m: MemberState, bytes: Uint8Array, kind: OutputKind): void {
    m.output = bytes;
    m.outputKind = kind;
  }

  private shared(ci: number, tick: number): Uint8Array {
    const out = this.sharedOut[ci]!;
    if (this.sharedTick[ci] !== tick) {
      this.sharedTick[ci] = tick;
      CODECS[ci]!.encode(this.mixPcm, out);
      this.encodes++;
    }
    return out;
  }

  /** (mix [− own] | base) + the member's prompts, × output gain, clamped and encoded for the member alone. */
  private privateOutput(m: MemberState, ci: number, base: Int16Array | null, withMix: boolean, minusOwn: boolean): void {
    const s = this.scratch;
    if (withMix) {
      const acc = this.acc;
      if (minusOwn) {
        const own = this.slots[m.slot]!;
        for (let i = 0; i < FRAME_SAMPLES; i++) s[i] = acc[i]! - own[i]!;
      } else s.set(acc);
    } else if (base) {
      for (let i = 0; i < FRAME_SAMPLES; i++) s[i] = base[i]!;
    } else s.fill(0);
    for (const p of m.playbacks) {
      const f = p.frame;
      if (f) for (let i = 0; i < FRAME_SAMPLES; i++) s[i] = s[i]! + f[i]!;
    }
    const out = this.outPcm;
    const g = m.outputGain;
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      const v = g === 1 ? s[i]! : Math.round(s[i]! * g);
      out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
    }
    const bytes = m.privateOut ?? (m.privateOut = new Uint8Array(FRAME_SAMPLES));
    CODECS[ci]!.encode(out, bytes);
    this.encodes++;
    this.setOutput(m, bytes, 'private');
  }

  // ------------------------------------------------------------ helpers

  private get(id: string): MemberState {
    const m = this.byId.get(id);
    if (!m) throw new InvalidStateError(`no member ${id} in the conference`);
    return m;
  }

  private applyGains(m: MemberState, inputDb: number, outputDb: number): void {
    const gi = gainOf(inputDb, 'input gain');
    const go = gainOf(outputDb, 'output gain');
    m.inputGainDb = inputDb;
    m.outputGainDb = outputDb;
    m.inputGain = gi;
    m.outputGain = go;
  }

  private setHoldFeed(m: MemberState, source: FrameSource | null): void {
    if (m.hold && m.hold.source === source) return;
    if (m.hold) {
      if (--m.hold.holders === 0) this.holdFeeds.delete(m.hold.source);
      m.hold = null;
    }
    if (!source) return;
    let feed = this.holdFeeds.get(source);
    if (!feed) {
      feed = new HoldFeed(source);
      this.holdFeeds.set(source, feed);
    }
    feed.holders++;
    m.hold = feed;
    m.mixed = false;
  }
}
