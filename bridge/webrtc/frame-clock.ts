// One 20 ms clock for every browser→bridge stream of the gateway. It keeps to
// wall time (each tick is scheduled from the start, not from the last tick)
// and calls each listener once per tick with the number of 20 ms periods
// since its last call: a late tick is never turned into a burst of frames.
import { moduleLogger } from '../../common/log.ts';

export const FRAME_MS = 20;

const log = moduleLogger('webrtc');

export type FrameListener = (periods: number) => void;

export class FrameClock {
  private readonly listeners = new Set<FrameListener>();
  private timer: NodeJS.Timeout | undefined;
  private start = 0;
  private ticks = 0;
  private lastTick = 0;

  add(fn: FrameListener): void {
    this.listeners.add(fn);
    if (!this.timer) { this.start = performance.now(); this.ticks = 0; this.lastTick = 0; this.schedule(); }
  }

  delete(fn: FrameListener): void {
    this.listeners.delete(fn);
    if (this.listeners.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    this.ticks++;
    const delay = Math.max(0, this.start + this.ticks * FRAME_MS - performance.now());
    this.timer = setTimeout(() => this.tick(), delay);
  }

  private tick(): void {
    // Periods missed while the thread was busy are reported, not replayed.
    const now = Math.max(this.ticks, Math.floor((performance.now() - this.start) / FRAME_MS));
    const periods = Math.max(1, now - this.lastTick);
    this.lastTick = now;
    this.ticks = now;
    for (const fn of this.listeners) {
      try { fn(periods); } catch (err) { log.error({ err }, 'frame listener threw'); }
    }
    if (this.timer) this.schedule();
  }
}
