// Hold sources of one mixer. A holding member hears only its hold source
// (and its own playTo prompts) and is not heard. Members put on hold with the
// same source object share one HoldFeed: the source is pulled once per tick
// and encoded at most once per codec per tick, and every plain holder of a
// codec gets the same encoded frame (output kind 'hold').
//
// A feed pulls its source for one mixer only: do not share one source object
// between mixers (or shards), or each would take every other frame.
import { FRAME_SAMPLES, type FrameSource } from '../rtp/frame-source.ts';
import { CODECS } from './codec-frames.ts';

/** A hold source shared by the members holding on it: pulled and encoded once per tick. */
export class HoldFeed {
  holders = 0;
  pcm: Int16Array | null = null;
  private pulledTick = -1;
  private readonly buffer = new Int16Array(FRAME_SAMPLES);
  /** The frame encoded per codec index, and the tick it was encoded for. */
  readonly encoded = CODECS.map(() => new Uint8Array(FRAME_SAMPLES));
  readonly encodedTick = [-1, -1];

  constructor(readonly source: FrameSource) {}

  /** This tick's frame of the source (pulled by the first holder that asks), or null: nothing to hear. */
  frame(tick: number): Int16Array | null {
    if (this.pulledTick !== tick) {
      this.pulledTick = tick;
      this.pcm = this.source.next(this.buffer);
    }
    return this.pcm;
  }
}

/** The feeds of one mixer by source, counted by holders and dropped by the last one. */
export class HoldFeeds {
  private readonly bySource = new Map<FrameSource, HoldFeed>();

  /** The feed of `source` with one more holder. */
  acquire(source: FrameSource): HoldFeed {
    let feed = this.bySource.get(source);
    if (!feed) {
      feed = new HoldFeed(source);
      this.bySource.set(source, feed);
    }
    feed.holders++;
    return feed;
  }

  /** One holder fewer; the last one drops the feed. */
  release(feed: HoldFeed): void {
    if (--feed.holders === 0) this.bySource.delete(feed.source);
  }
}
