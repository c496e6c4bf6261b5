// Audio pulled by the playout clock: one 20 ms frame of 8 kHz linear PCM per
// call. Prompts (WAV), tones, silence and sequences of them all implement
// FrameSource, so the engine's play() needs just one loop.

export const SAMPLE_RATE = 8000;
export const FRAME_MS = 20;
export const FRAME_SAMPLES = 160;

export interface FrameSource {
  /**
   * The next 160-sample frame, or null when the source is finished. Writes
   * into `out` when given (and returns it), so a player can reuse one buffer.
   */
  next(out?: Int16Array): Int16Array | null;
}

function frameBuffer(out: Int16Array | undefined): Int16Array {
  if (!out) return new Int16Array(FRAME_SAMPLES);
  if (out.length < FRAME_SAMPLES) throw new RangeError(`frame buffer holds ${out.length} samples, need ${FRAME_SAMPLES}`);
  return out;
}

/** Silence for a duration (rounded up to whole frames), or for ever without one. */
export class SilenceSource implements FrameSource {
  private remaining: number;
  constructor(durationMs?: number) {
    this.remaining = durationMs === undefined ? Infinity : Math.ceil(durationMs / FRAME_MS);
  }
  next(out?: Int16Array): Int16Array | null {
    if (this.remaining <= 0) return null;
    this.remaining--;
    return frameBuffer(out).fill(0, 0, FRAME_SAMPLES);
  }
}

export interface PcmSourceOptions {
  /** Start again at the end (hold music); never finishes. */
  loop?: boolean;
}

/**
 * Plays linear samples (e.g. `readWav(buf).samples`); the last partial frame
 * is padded with silence.
 */
export class PcmSource implements FrameSource {
  private position = 0;
  constructor(private readonly samples: Int16Array, private readonly opts: PcmSourceOptions = {}) {}

  next(out?: Int16Array): Int16Array | null {
    const n = this.samples.length;
    if (n === 0 || (this.position >= n && !this.opts.loop)) return null;
    const frame = frameBuffer(out);
    for (let i = 0; i < FRAME_SAMPLES; i++) {
      if (this.position >= n) {
        if (!this.opts.loop) { frame.fill(0, i, FRAME_SAMPLES); break; }
        this.position = 0;
      }
      frame[i] = this.samples[this.position++]!;
    }
    return frame;
  }

  /** Back to the start (e.g. a prompt replayed after an invalid entry). */
  rewind(): void {
    this.position = 0;
  }
}

/** Plays sources one after the other; finishes after the last. */
export class SequenceSource implements FrameSource {
  private index = 0;
  constructor(private readonly sources: readonly FrameSource[]) {}

  next(out?: Int16Array): Int16Array | null {
    while (this.index < this.sources.length) {
      const frame = this.sources[this.index]!.next(out);
      if (frame) return frame;
      this.index++;
    }
    return null;
  }
}
