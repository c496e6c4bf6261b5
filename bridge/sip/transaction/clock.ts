// Time source for the SIP timers (RFC 3261 §17 Table 4, and above the
// transactions the 2xx retransmission of §13.3.1.4 and RFC 4028 session
// timers), replaceable by a FakeClock (./fake-clock.ts) in tests. It lives
// with the transactions, the lowest layer that keeps time.
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
    const t = setTimeout(() => { this.handles.delete(id); fn(); }, ms);
    t.unref?.();
    this.handles.set(id, t);
    return { id };
  }
  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.handles.get(handle.id);
    if (t) { clearTimeout(t); this.handles.delete(handle.id); }
  }
}

export const systemClock: Clock = new SystemClock();
