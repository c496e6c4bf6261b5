// Time for timeouts (the IVR's digit and menu timeouts, the end-of-window
// clock), replaceable by a fake clock in tests (bridge/fake/clock.ts) so that
// a ten-second timeout takes no real time. The system clock is plain
// setTimeout: timers keep the process alive as they always did.
export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
}

class SystemClock implements Clock {
  private readonly handles = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  now(): number { return performance.now(); }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.handles.set(id, setTimeout(() => { this.handles.delete(id); fn(); }, ms));
    return { id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.handles.get(handle.id);
    if (t) { clearTimeout(t); this.handles.delete(handle.id); }
  }
}

export const systemClock: Clock = new SystemClock();
