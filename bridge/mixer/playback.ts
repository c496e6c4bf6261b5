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
  /** 'ran-out': the source finished during a tick; onEnd runs when the tick is over. */
  private state: 'playing' | 'ran-out' | 'ended' = 'playing';
  /** This tick's frame, or null before it is pulled / after the source ended. */
  frame: Int16Array | null = null;
  private readonly buffer = new Int16Array(FRAME_SAMPLES);

  constructor(
    readonly target: string | null,
    private readonly source: FrameSource,
    private readonly onEnd: ((reason: PlaybackEnd) => void) | undefined,
  ) {}

  get active(): boolean { return this.state === 'playing'; }
  get ranOut(): boolean { return this.state === 'ran-out'; }

  /**
   * Pulls this tick's frame. When the source is finished it returns null and
   * the playback stops playing; the mixer calls finish() once the tick is
   * done, so onEnd never runs in the middle of a tick.
   */
  pull(): Int16Array | null {
    if (this.state !== 'playing') return (this.frame = null);
    const frame = this.source.next(this.buffer);
    if (!frame) this.state = 'ran-out';
    return (this.frame = frame);
  }

  /** onEnd('finished') for a playback whose source ran out in pull(). */
  finish(): void {
    if (this.state === 'ran-out') this.end('finished');
  }

  stop(): void {
    if (this.state === 'playing') this.end('stopped');
  }

  end(reason: PlaybackEnd): void {
    if (this.state === 'ended') return;
    this.state = 'ended';
    this.frame = null;
    this.onEnd?.(reason);
  }
}

/** Drops ended playbacks in place (no allocation per tick); those that ran out go to `finished`. */
export function compactPlaybacks(list: ActivePlayback[], finished: ActivePlayback[]): void {
  let n = 0;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (p.active) list[n++] = p;
    else if (p.ranOut) finished.push(p);
  }
  list.length = n;
}
