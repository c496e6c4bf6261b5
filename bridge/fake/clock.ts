// The fake engine's clock: time moves only when a test lets it. Timers fire
// in time order; between two timers the clock lets the real event loop
// settle (promise chains, database queries the test says are in flight), so
// a flow runs exactly as it would in real time, only without the waiting.
// `date()` is the wall-clock time that goes with it (the IVR's `now`).
import type { Clock, TimerHandle } from '../../common/clock.ts';

interface Timer { at: number; seq: number; fn: () => void }

export interface FakeClockOptions {
  /** Wall-clock time at fake time 0 (default: the real time now). */
  start?: Date;
  /** Real work the test knows is under way (e.g. database queries): the clock waits for it before moving. */
  busy?: () => boolean;
  /** Real time a settle may take before it is an error (default 5000 ms). */
  settleTimeoutMs?: number;
}

export interface RunOptions {
  /** Most fake time to let pass (default 10 fake minutes). */
  withinMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
}

const MAX_STEPS = 100_000;

export class FakeClock implements Clock {
  private current = 0;
  private seq = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();
  private readonly epoch: number;
  private readonly busy: () => boolean;
  private readonly settleTimeoutMs: number;
  /** Bumped by every timer change and by the fake engine's calls: a settled loop changes nothing. */
  private activity = 0;

  constructor(opts: FakeClockOptions = {}) {
    this.epoch = (opts.start ?? new Date()).getTime();
    this.busy = opts.busy ?? (() => false);
    this.settleTimeoutMs = opts.settleTimeoutMs ?? 5000;
  }

  now(): number { return this.current; }

  /** The wall-clock time now. */
  date(): Date { return new Date(this.epoch + this.current); }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.timers.set(id, { at: this.current + Math.max(0, ms), seq: this.seq++, fn });
    this.activity++;
    return { id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle && this.timers.delete(handle.id)) this.activity++;
  }

  /** Something happened that the loop must settle after (the fake engine calls this). */
  touch(): void { this.activity++; }

  /** Timers still pending. */
  get pending(): number { return this.timers.size; }

  /**
   * Lets the real event loop run until nothing moves: no fake-engine call,
   * no timer change and no busy work for two turns in a row.
   */
  async settle(): Promise<void> {
    const deadline = performance.now() + this.settleTimeoutMs;
    let quiet = 0;
    for (let i = 0; i < MAX_STEPS && quiet < 2; i++) {
      const before = this.activity;
      await new Promise<void>((resolve) => setImmediate(resolve));
      quiet = this.busy() || this.activity !== before ? 0 : quiet + 1;
      if (performance.now() > deadline) throw new Error(`the fake clock never settled within ${this.settleTimeoutMs} ms`);
    }
  }

  /** Moves time on by `ms`, firing each timer due (in order) and settling after each. */
  async advance(ms: number): Promise<void> {
    const end = this.current + ms;
    await this.settle();
    for (let i = 0; i < MAX_STEPS; i++) {
      const next = this.nextTimer();
      if (!next || next.at > end) break;
      this.fire(next);
      await this.settle();
    }
    this.current = end;
    await this.settle();
  }

  /**
   * Runs the world until `done()` holds: settles, then jumps to the next
   * timer, again and again. Throws when `withinMs` of fake time pass first,
   * or when nothing is left to wait for.
   */
  async runUntil(done: () => boolean, opts: RunOptions = {}): Promise<void> {
    const limit = this.current + (opts.withinMs ?? 600_000);
    const what = opts.what ?? 'the condition';
    for (let i = 0; i < MAX_STEPS; i++) {
      await this.settle();
      if (done()) return;
      const next = this.nextTimer();
      if (!next) throw new Error(`waiting for ${what}: nothing left to happen at fake ${this.current} ms`);
      if (next.at > limit) {
        this.current = limit;
        throw new Error(`waiting for ${what}: not within ${opts.withinMs ?? 600_000} fake ms`);
      }
      this.fire(next);
    }
    throw new Error(`waiting for ${what}: more than ${MAX_STEPS} steps`);
  }

  private nextTimer(): (Timer & { id: number }) | undefined {
    let best: (Timer & { id: number }) | undefined;
    for (const [id, t] of this.timers) {
      if (!best || t.at < best.at || (t.at === best.at && t.seq < best.seq)) best = { ...t, id };
    }
    return best;
  }

  private fire(t: Timer & { id: number }): void {
    this.timers.delete(t.id);
    this.current = Math.max(this.current, t.at);
    this.activity++;
    t.fn();
  }
}
