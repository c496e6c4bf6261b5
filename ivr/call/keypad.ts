// The caller's keys, read by one consumer. The leg's own collect() is the
// only way digits leave the engine's buffer; a pump moves them into this
// queue so that steps can wait for a key with a deadline, race a key against
// an outgoing call, and see type-ahead (keys pressed during a prompt).
import type { CallLeg, PromptRef } from '../../bridge/port.ts';
import type { Clock } from '../../common/clock.ts';

export interface CollectSpec {
  max: number;
  terminator?: string;
  firstTimeoutMs: number;
  interTimeoutMs: number;
}

/** What collect() ended with: the digits, and whether the terminator came (vs a timeout). */
export interface Entry {
  digits: string;
  terminated: boolean;
}

const PUMP_WAIT_MS = 60_000;

/** Keys kept unread (type-ahead); beyond, the oldest are forgotten: a flood of keys must not grow without bound. */
export const MAX_TYPE_AHEAD = 64;

/**
 * A digit timeout that fires this much after its due time means the main
 * thread was stalled: keys that arrived meanwhile may still wait unread in
 * the sockets (timers run before I/O after a stall). The timeout is then
 * extended by its lateness, at most MAX_STALL_GRACE_MS in all, so that a
 * busy bridge does not misread a caller who typed on time.
 */
const LATE_MS = 100;
const MAX_STALL_GRACE_MS = 10_000;

export class Keypad {
  private readonly queue: string[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly leg: CallLeg, private readonly clock: Clock) {
    void this.pump();
  }

  private async pump(): Promise<void> {
    for (;;) {
      if (this.leg.ended) break;
      let d: string;
      try {
        d = await this.leg.collect({ max: 1, firstTimeoutMs: PUMP_WAIT_MS, interTimeoutMs: 1 });
      } catch {
        break; // the leg is gone
      }
      if (d !== '') {
        this.queue.push(d);
        if (this.queue.length > MAX_TYPE_AHEAD) this.queue.shift();
      }
      this.wake();
    }
    this.wake();
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Keys waiting to be read (type-ahead). */
  get pending(): number { return this.queue.length; }

  /** Puts a key back in front of the queue (a step read one key too many). */
  unread(key: string): void { this.queue.unshift(key); }

  /** Forgets keys pressed so far. */
  clear(): void { this.queue.length = 0; }

  /** The next key, or undefined after `timeoutMs` (or when the call ends, or `signal` aborts). */
  async next(timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    for (;;) {
      const k = this.queue.shift();
      if (k !== undefined) return k;
      if (this.leg.ended || signal?.aborted || timeoutMs <= 0) return undefined;
      const started = this.clock.now();
      let grace = 0;
      await new Promise<void>((resolve) => {
        const done = () => { this.clock.clearTimer(timer); signal?.removeEventListener('abort', done); this.waiters.delete(done); resolve(); };
        let due = started + timeoutMs;
        const expire = (): void => {
          const late = this.clock.now() - due;
          if (late > LATE_MS && grace + late <= MAX_STALL_GRACE_MS) {
            grace += late;
            due = this.clock.now() + late;
            timer = this.clock.setTimer(late, expire);
            return;
          }
          done();
        };
        let timer = this.clock.setTimer(timeoutMs, expire);
        signal?.addEventListener('abort', done, { once: true });
        this.waiters.add(done);
      });
      timeoutMs -= this.clock.now() - started - grace;
      if (this.queue.length === 0 && timeoutMs <= 0) return undefined;
    }
  }

  /** Waits `ms` of the IVR's clock, less if the call ends; keys pressed meanwhile stay queued (type-ahead). */
  async pause(ms: number): Promise<void> {
    const until = this.clock.now() + ms;
    while (!this.leg.ended && this.clock.now() < until) {
      await new Promise<void>((resolve) => {
        const done = () => { this.clock.clearTimer(timer); this.waiters.delete(done); resolve(); };
        const timer = this.clock.setTimer(until - this.clock.now(), done);
        this.waiters.add(done);
      });
    }
  }

  /** Digits until the terminator, `max` digits, or a timeout (first key / between keys). */
  async collect(spec: CollectSpec, signal?: AbortSignal): Promise<Entry> {
    let digits = '';
    for (let i = 0; i <= spec.max; i++) {
      const k = await this.next(digits === '' ? spec.firstTimeoutMs : spec.interTimeoutMs, signal);
      if (k === undefined) return { digits, terminated: false };
      if (spec.terminator?.includes(k)) return { digits, terminated: true };
      digits += k;
      if (digits.length >= spec.max) return { digits, terminated: false };
    }
    return { digits, terminated: false };
  }

  /**
   * Plays to the caller. Interruptible prompts are skipped when a key is
   * already waiting, and cut short by a key (which stays queued).
   */
  async play(prompt: PromptRef | PromptRef[], interruptible = true): Promise<void> {
    if (this.leg.ended) return;
    if (interruptible && this.queue.length > 0) return;
    try {
      await this.leg.play(prompt, { interruptible });
    } catch (err) {
      if (!this.leg.ended) throw err; // hung up while we started the prompt: nothing to play to
    }
  }
}
