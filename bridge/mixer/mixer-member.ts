// A conference member as the mixer sees it: MixerMember is what callers read
// (talk state, level, this tick's output), MemberState the mixer's own record
// of it (input, gains, hold feed, prompts, its place among the talkers).
import { FRAME_SAMPLES, type FrameSource } from '../rtp/frame-source.ts';
import type { G711Codec } from '../rtp/g711.ts';
import { SILENCE, codecIndex } from './codec-frames.ts';
import type { HoldFeed } from './hold-feed.ts';
import type { ActivePlayback } from './playback.ts';
import { TalkDetector, type TalkDetectorSettings } from './talk-detector.ts';

/** What a member's `output` holds after a tick. */
export type OutputKind =
  | 'silence'  // the codec's shared silence frame (deaf, or nothing to hear)
  | 'shared'   // the shared full-mix frame of the codec
  | 'hold'     // the shared frame of its hold source
  | 'private'  // encoded for this member alone (talker, playTo, output gain)
  | 'bands';   // wideband: outputLow/outputHigh hold its PCM, which its leg encodes (G.722 keeps state per stream)

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
  /** A wideband member: it also sends and hears the 4–8 kHz band. */
  readonly wideband: boolean;
  /** A wideband member's output of the last tick (outputKind 'bands'): the 0–4 kHz band, 8 kHz samples (do not modify: may be shared). */
  readonly outputLow: Int16Array;
  /** …and the 4–8 kHz band, 8 kHz samples, unity-scaled (do not modify: may be shared). */
  readonly outputHigh: Int16Array;
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
  /** Sends and hears the 4–8 kHz band as well (G.722, Opus): its output is PCM of both bands ('bands'). */
  wideband?: boolean;
}

export interface MemberUpdate {
  codec?: G711Codec;
  wideband?: boolean;
  muted?: boolean;
  deaf?: boolean;
  inputGainDb?: number;
  outputGainDb?: number;
}

const GAIN_MIN_DB = -60;
const GAIN_MAX_DB = 24;

function gainOf(db: number, what: string): number {
  if (!Number.isFinite(db) || db < GAIN_MIN_DB || db > GAIN_MAX_DB) {
    throw new RangeError(`${what} ${db} dB outside [${GAIN_MIN_DB}, ${GAIN_MAX_DB}]`);
  }
  return db === 0 ? 1 : 10 ** (db / 20);
}

/** The output bands of a member that has none yet (silence); shared, never written. */
const NO_BAND = new Int16Array(FRAME_SAMPLES);

/** The prompts list of a member without any: shared, never pushed to (playTo gives the member its own). */
export const NO_PLAYBACKS: ActivePlayback[] = [];

export class MemberState implements MixerMember {
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
  wideband: boolean;
  /** The 4–8 kHz band pushed with setInput() for the next tick, and this tick's (wideband members only). */
  pushedHigh: Int16Array | null = null;
  frameHigh: Int16Array | null = null;
  outputLow: Int16Array = NO_BAND;
  outputHigh: Int16Array = NO_BAND;
  /** A wideband member's own output buffers, when its output is not the shared mix. */
  privateLow: Int16Array | null = null;
  privateHigh: Int16Array | null = null;
  readonly inputBuffer = new Int16Array(FRAME_SAMPLES);
  mixed = false;
  /** Contribution slot while mixed. */
  slot = -1;
  hold: HoldFeed | null = null;
  playbacks: ActivePlayback[] = NO_PLAYBACKS;
  privateOut: Uint8Array | null = null;
  output: Uint8Array;
  outputKind: OutputKind = 'silence';
  /** Place in the mixer's member list (swap-removed on leave); -1 once removed. */
  index = -1;

  constructor(readonly id: string, opts: MixerMemberOptions, settings: TalkDetectorSettings) {
    this.codec = opts.codec;
    this.muted = opts.muted ?? false;
    this.deaf = opts.deaf ?? false;
    this.input = opts.input ?? null;
    this.announce = opts.announce ?? true;
    this.wideband = opts.wideband ?? false;
    this.detector = new TalkDetector(settings);
    this.output = SILENCE[codecIndex(opts.codec)]!;
    this.setGains(opts.inputGainDb ?? 0, opts.outputGainDb ?? 0);
  }

  get holding(): boolean { return this.hold !== null; }
  get talking(): boolean { return this.detector.talking; }
  get levelDbfs(): number { return this.detector.levelDbfs; }

  /** Both gains in dB, checked before either changes (RangeError outside [−60, 24]). */
  setGains(inputDb: number, outputDb: number): void {
    const gi = gainOf(inputDb, 'input gain');
    const go = gainOf(outputDb, 'output gain');
    this.inputGainDb = inputDb;
    this.outputGainDb = outputDb;
    this.inputGain = gi;
    this.outputGain = go;
  }

  /** A new codec: the output is its silence until the next tick. */
  setCodec(codec: G711Codec): void {
    this.codec = codec;
    this.output = SILENCE[codecIndex(codec)]!;
    this.outputKind = 'silence';
  }
}
