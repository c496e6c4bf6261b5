// A FrameSource being played into a conference: to everyone (part of the
// mix) or to one member (mixed into that member's output only).
import { FRAME_SAMPLES, type FrameSource } from '../rtp/frame-source.ts';

export type PlaybackEnd = 'finished' | 'stopped' | 'member-left';

export interface Playback {
  /** The member it plays to, or null for the whole conference. */
  readonly target: string | null;
  readonly active: boolean;
  /** Stops it before the next tick; `onEnd('stopped')` runs now. Idempotent. */
  stop(): void;
}

export class ActivePlayback implements Playback {
  active = true;
  /** This tick's frame, or null before it is pulled / after the source ended. */
  frame: Int16Array | null = null;
  private readonly buffer = new Int16Array(FRAME_SAMPLES);

  constructor(
    readonly target: string | null,
    private readonly source: FrameSource,
    private readonly onEnd: ((reason: PlaybackEnd) => void) | undefined,
  ) {}

  /** Pulls this tick's frame; ends the playback (returning null) when the source is finished. */
  pull(): Int16Array | null {
    if (!this.active) return (this.frame = null);
    const frame = this.source.next(this.buffer);
    if (!frame) {
      this.end('finished');
      return (this.frame = null);
    }
    return (this.frame = frame);
  }

  stop(): void {
    this.end('stopped');
  }

  end(reason: PlaybackEnd): void {
    if (!this.active) return;
    this.active = false;
    this.frame = null;
    this.onEnd?.(reason);
  }
}
