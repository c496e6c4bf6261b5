// Time for timeouts, replaceable by a fake clock in tests so that a
// ten-second timeout takes no real time: the SIP timers (RFC 3261 §17 Table 4,
// the 2xx retransmission of §13.3.1.4, RFC 4028 session timers) and the IVR's
// digit, menu and end-of-window timeouts. Fakes: bridge/fake/clock.ts (the
// fake engine's, which lets real work settle between timers) and
// test/support/step-clock.ts (the SIP stack's tests).
// Node's setTimeout takes at most 2^31 − 1 ms (24.8 days) and fires a longer
// delay after 1 ms; the system clock waits such a delay in steps (an
// account's balance can last longer than that at its calls' rate).
export type TimerHandle = { readonly id: number };

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
  setTimer(ms: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle | undefined): void;
}

/** The longest delay setTimeout honours, ms. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

class SystemClock implements Clock {
  private readonly handles = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  constructor(private readonly keepAlive: boolean) {}

  now(): number { return performance.now(); }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.arm(id, performance.now() + Math.max(0, ms), fn);
    return { id };
  }

  /** Waits until `at` (performance.now() time), in steps no longer than MAX_TIMEOUT_MS. */
  private arm(id: number, at: number, fn: () => void): void {
    const left = at - performance.now();
    const t = left > MAX_TIMEOUT_MS
      ? setTimeout(() => this.arm(id, at, fn), MAX_TIMEOUT_MS)
      : setTimeout(() => { this.handles.delete(id); fn(); }, Math.max(0, left));
    if (!this.keepAlive) t.unref();
    this.handles.set(id, t);
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (!handle) return;
    const t = this.handles.get(handle.id);
    if (t) { clearTimeout(t); this.handles.delete(handle.id); }
  }
}

/** Real time; a pending timer keeps the process alive (the IVR's timeouts). */
export const systemClock: Clock = new SystemClock(true);

/** Real time; pending timers do not keep the process alive (the SIP stack's retransmissions and timeouts). */
export const backgroundClock: Clock = new SystemClock(false);
