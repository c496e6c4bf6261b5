// The end of a room's window (SPEC §2.7): warnings 10, 5 and 1 minutes
// before, then the end, where the room decides to extend or to finish.
// Times are kept as a deadline on the clock; `minuteMs` shrinks the minute in tests
// (the remaining time at start is scaled once, extensions add minuteMs each).
import type { Clock, TimerHandle } from '../../common/clock.ts';

const MAX_TIMEOUT_MS = 2_147_483_647; // setTimeout's limit (~24.8 days); long rooms re-arm

export interface WindowClockHandlers {
  warn(minutesLeft: number): void;
  /** The window has run out; resolves with minutes to extend by, or 0 to end. */
  end(): void;
}

export class WindowClock {
  private deadline: number;
  private timers: TimerHandle[] = [];
  private stopped = false;

  /** `remainingMs`: domain time left in the window now (closesAt − now). */
  constructor(
    remainingMs: number,
    private readonly minuteMs: number,
    private readonly warnMinutes: readonly number[],
    private readonly handlers: WindowClockHandlers,
    private readonly clock: Clock,
  ) {
    this.deadline = clock.now() + (remainingMs * minuteMs) / 60_000;
    this.arm();
  }

  /** Real milliseconds until the end. */
  get remainingMs(): number { return Math.max(0, this.deadline - this.clock.now()); }

  extend(minutes: number): void {
    this.deadline += minutes * this.minuteMs;
    this.arm();
  }

  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    for (const t of this.timers) this.clock.clearTimer(t);
    this.timers = [];
  }

  private arm(): void {
    this.clear();
    if (this.stopped) return;
    const now = this.clock.now();
    for (const m of this.warnMinutes) {
      const at = this.deadline - m * this.minuteMs;
      if (at > now) this.at(at, () => this.handlers.warn(m));
    }
    this.at(this.deadline, () => this.handlers.end());
  }

  private at(when: number, fn: () => void): void {
    const delay = when - this.clock.now();
    if (delay > MAX_TIMEOUT_MS) {
      this.timers.push(this.clock.setTimer(MAX_TIMEOUT_MS, () => this.at(when, fn)));
      return;
    }
    this.timers.push(this.clock.setTimer(Math.max(0, delay), () => { if (!this.stopped) fn(); }));
  }
}
