// Talk detection by frame energy with a start delay and a hang-over, counted
// in 20 ms ticks (the mixer is time-agnostic).
//
// Levels follow bridge/rtp/tones.ts: 0 dBFS is a full-scale sine (peak 32767),
// so a −20 dBFS tone measures −20 dBFS here. Comparisons are made on the mean
// square (linear), so the hot path takes no logarithm.
import { FRAME_SAMPLES } from '../rtp/frame-source.ts';

/** Mean square of a full-scale sine (peak 32767): the 0 dBFS reference. */
export const FULL_SCALE_MEAN_SQUARE = (32767 * 32767) / 2;
/** Floor for reported levels (digital silence has no finite level). */
export const MIN_LEVEL_DBFS = -96;

export function dbfsToMeanSquare(dbfs: number): number {
  return FULL_SCALE_MEAN_SQUARE * 10 ** (dbfs / 10);
}

export function meanSquareToDbfs(meanSquare: number): number {
  if (!(meanSquare > 0)) return MIN_LEVEL_DBFS;
  return Math.max(MIN_LEVEL_DBFS, 10 * Math.log10(meanSquare / FULL_SCALE_MEAN_SQUARE));
}

/**
 * Mean square of the first 160 samples. Four partial sums break the chain of
 * dependent additions: it runs for every member every tick, and this makes it
 * several times faster.
 */
export function frameMeanSquare(pcm: Int16Array): number {
  if (pcm.length < FRAME_SAMPLES) throw new RangeError(`frame holds ${pcm.length} samples, need ${FRAME_SAMPLES}`);
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  for (let i = 0; i < FRAME_SAMPLES; i += 4) {
    const a = pcm[i]!, b = pcm[i + 1]!, c = pcm[i + 2]!, d = pcm[i + 3]!;
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  return (s0 + s1 + s2 + s3) / FRAME_SAMPLES;
}

export interface TalkDetectorOptions {
  /** A frame at or above this level counts as speech; default −40 dBFS. */
  thresholdDbfs?: number;
  /** Consecutive speech frames before talking starts (start delay); default 2. */
  startFrames?: number;
  /** Frames below the threshold that keep a talker talking (hang-over); default 20 (400 ms). */
  hangoverFrames?: number;
  /**
   * Weight of the previous smoothed energy per frame (exponential average used
   * to rank talkers); default 0.8, a time constant of about 100 ms.
   */
  smoothing?: number;
}

export interface TalkDetectorSettings {
  readonly thresholdMeanSquare: number;
  readonly startFrames: number;
  readonly hangoverFrames: number;
  readonly smoothing: number;
}

export function talkDetectorSettings(opts: TalkDetectorOptions = {}): TalkDetectorSettings {
  const thresholdDbfs = opts.thresholdDbfs ?? -40;
  const startFrames = opts.startFrames ?? 2;
  const hangoverFrames = opts.hangoverFrames ?? 20;
  const smoothing = opts.smoothing ?? 0.8;
  if (!Number.isFinite(thresholdDbfs) || thresholdDbfs > 0) throw new RangeError(`talk threshold ${thresholdDbfs} dBFS must be ≤ 0`);
  if (!Number.isInteger(startFrames) || startFrames < 1) throw new RangeError(`startFrames ${startFrames} must be an integer ≥ 1`);
  if (!Number.isInteger(hangoverFrames) || hangoverFrames < 0) throw new RangeError(`hangoverFrames ${hangoverFrames} must be an integer ≥ 0`);
  if (!(smoothing >= 0 && smoothing < 1)) throw new RangeError(`smoothing ${smoothing} must be in [0, 1)`);
  return { thresholdMeanSquare: dbfsToMeanSquare(thresholdDbfs), startFrames, hangoverFrames, smoothing };
}

/**
 * One member's talk state. `update()` takes the frame's mean square (after
 * the member's input gain) and returns +1 when talking starts, −1 when it
 * stops, 0 otherwise.
 */
export class TalkDetector {
  talking = false;
  /** Exponentially smoothed mean square, for ranking talkers. */
  smoothed = 0;
  private aboveRun = 0;
  private belowRun = 0;

  constructor(private readonly settings: TalkDetectorSettings) {}

  update(meanSquare: number): -1 | 0 | 1 {
    const s = this.settings;
    this.smoothed = s.smoothing * this.smoothed + (1 - s.smoothing) * meanSquare;
    const above = meanSquare >= s.thresholdMeanSquare;
    if (!this.talking) {
      this.aboveRun = above ? this.aboveRun + 1 : 0;
      if (this.aboveRun >= s.startFrames) {
        this.talking = true;
        this.belowRun = 0;
        return 1;
      }
      return 0;
    }
    if (above) {
      this.belowRun = 0;
      return 0;
    }
    if (++this.belowRun > s.hangoverFrames) {
      this.talking = false;
      this.aboveRun = 0;
      this.belowRun = 0;
      return -1;
    }
    return 0;
  }

  /** Forget the state (e.g. put on hold); −1 if the member was talking. */
  reset(): -1 | 0 {
    const was = this.talking;
    this.talking = false;
    this.aboveRun = 0;
    this.belowRun = 0;
    this.smoothed = 0;
    return was ? -1 : 0;
  }

  get levelDbfs(): number {
    return meanSquareToDbfs(this.smoothed);
  }
}
