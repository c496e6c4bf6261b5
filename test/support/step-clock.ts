// A clock for the SIP stack's tests: time moves only when told (advance), and timers fire in time order.
import type { Clock, TimerHandle } from '../../common/clock.ts';

/** A clock that moves only when told; timers fire in time order during `advance`. */
export class FakeClock implements Clock {
  private current = 0;
  private nextId = 1;
  private readonly timers = new Map<number, { at: number; fn: () => void }>();
  now(): number { return this.current; }
  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), fn });
    return { id };
  }
  clearTimer(handle: TimerHandle | undefined): void { if (handle) this.timers.delete(handle.id); }
  /** Number of timers still pending. */
  get pending(): number { return this.timers.size; }
  advance(ms: number): void {
    const end = this.current + ms;
    for (let guard = 0; guard < 100_000; guard++) {
      let nextId = -1; let nextAt = Infinity;
      for (const [id, t] of this.timers) if (t.at < nextAt || (t.at === nextAt && id < nextId)) { nextAt = t.at; nextId = id; }
      if (nextId < 0 || nextAt > end) break;
      const t = this.timers.get(nextId)!;
      this.timers.delete(nextId);
      this.current = nextAt;
      t.fn();
    }
    this.current = end;
  }
}
