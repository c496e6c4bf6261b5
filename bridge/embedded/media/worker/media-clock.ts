// One 20 ms clock for all the legs of a thread: each tick pulls a frame from
// every leg's source and jitter buffer. Ticks are scheduled against a
// monotonic clock (not chained intervals), so timer lateness never drifts the
// audio: a late tick is caught up, within a bound; a long stall (e.g. a
// debugger pause) skips ahead instead of bursting. Catch-up ticks run one at a
// time with the I/O poll in between (setImmediate), so packets that waited in
// the sockets during the stall reach the jitter buffers before their frames
// are due.
import { moduleLogger } from '../../../../common/log.ts';

const log = moduleLogger('media-clock');
export interface Ticking {
  /** `slot`: the number of this 20 ms slot since the clock started (consecutive unless ticks were skipped). */
  tick(nowMs: number, slot: number): void;
}

const FRAME_MS = 20;
/** Most ticks run back to back to catch up after a late timer. */
const MAX_CATCH_UP = 5;

export class MediaClock {
  private readonly members = new Set<Ticking>();
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private origin = 0;
  private ticks = 0;
  /** Ticks skipped after stalls longer than MAX_CATCH_UP frames. */
  skipped = 0;
  /** Ticks run later than one frame after their due time. */
  late = 0;

  /**
   * `aligned`: ticks fall on the 20 ms grid of `now()` and slots count from
   * its zero, so clocks of several threads given the same epoch tick
   * together and number their slots alike (the shards of a conference
   * exchange talkers by slot). Otherwise the first tick is 20 ms after start
   * and slots count from 1.
   */
  constructor(private readonly now: () => number = () => performance.now(), private readonly aligned = false) {}

  add(member: Ticking): void {
    this.members.add(member);
    if (!this.timer) this.start();
  }

  delete(member: Ticking): void {
    this.members.delete(member);
    if (this.members.size === 0) this.stop();
  }

  get size(): number { return this.members.size; }

  private start(): void {
    if (this.aligned) {
      this.origin = 0;
      this.ticks = Math.floor(this.now() / FRAME_MS);
    } else {
      this.origin = this.now();
      this.ticks = 0;
    }
    this.schedule();
  }

  private stop(): void {
    if (this.timer) { clearTimeout(this.timer as NodeJS.Timeout); clearImmediate(this.timer as NodeJS.Immediate); }
    this.timer = undefined;
  }

  private schedule(): void {
    const due = this.origin + (this.ticks + 1) * FRAME_MS;
    const wait = due - this.now();
    this.timer = wait > 0 ? setTimeout(() => this.run(), wait) : setImmediate(() => this.run());
  }

  private run(): void {
    const now = this.now();
    const behind = Math.floor((now - this.origin) / FRAME_MS) - this.ticks;
    if (behind <= 0) { this.schedule(); return; }
    if (behind > MAX_CATCH_UP) {
      this.skipped += behind - 1;
      this.ticks += behind - 1;
    } else if (behind > 1) {
      this.late++;
    }
    this.ticks++;
    for (const m of this.members) {
      try { m.tick(now, this.ticks); } catch (err) { log.error({ err }, 'media tick failed'); } // one leg never stops the clock
    }
    if (this.members.size > 0) this.schedule(); else this.timer = undefined;
  }
}
