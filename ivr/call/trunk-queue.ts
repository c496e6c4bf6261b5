// Pacing of the calls the bridge places on one trunk (issue 13): at most
// `maxConcurrent` calls in progress (INVITE sent until the call ends; an
// answered call still holds a carrier channel) and at most
// `maxCallsPerSecond` new INVITEs, spaced evenly (one every 1000/cps ms).
// Waiting calls are FIFO; a cancelled waiter leaves at once; the limits are
// read at each grant, so an operator's change applies to the next call.
// Between the grant and the INVITE the call's CDR is written and its media
// made ready, which takes a varying few ms; so the engine also waits at
// `sendGate()` just before the INVITE leaves, which holds any INVITE that
// would make more than `maxCallsPerSecond` in the last second (plus
// SEND_MARGIN_MS) as the carrier counts them.
import { systemClock, type Clock, type TimerHandle } from '../../common/clock.ts';
import { CallFailedError } from '../../common/errors.ts';
import { Q850 } from '../../bridge/q850.ts';

export interface TrunkLimits { maxConcurrent: number; maxCallsPerSecond: number }

/**
 * Slack on the carrier's one-second window. The carrier stamps each INVITE
 * when its own loop reads it, and ours leaves when our loop gets to it; on a
 * loaded machine either can be tens of ms late, which can put one INVITE too
 * many into the carrier's second. With 10 ms a CI run's sipp saw 6 INVITEs in
 * one second on a 5 calls/s trunk; 50 ms costs 5 % of the rate.
 */
export const SEND_MARGIN_MS = 50;

/** Waiting calls per trunk beyond which a new call fails at once. */
export const MAX_WAITING = 10_000;

interface Waiter { grant: (release: () => void) => void; fail: (err: Error) => void }

export class TrunkQueue {
  private running = 0;
  private nextSlotAt = 0;
  private readonly waiting: Waiter[] = [];
  private timer: TimerHandle | null = null;
  /** When the last INVITEs left (at most maxCallsPerSecond of them), oldest first. */
  private readonly sent: number[] = [];
  private gate: Promise<void> = Promise.resolve();

  constructor(private limits: TrunkLimits, private readonly clock: Clock = systemClock, private readonly maxWaiting = MAX_WAITING) {}

  setLimits(limits: TrunkLimits): void { this.limits = limits; this.pump(); }

  get inProgress(): number { return this.running; }
  get queued(): number { return this.waiting.length; }

  /** Waits for a slot; resolves to the release function (call it when the call ends). */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(new CallFailedError(Q850.NORMAL_CLEARING, undefined, 'cancelled while queued'));
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(new CallFailedError(Q850.SWITCH_CONGESTION, undefined, 'trunk queue full'));
    }
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.waiting.indexOf(w);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(new CallFailedError(Q850.NORMAL_CLEARING, undefined, 'cancelled while queued'));
      };
      const w: Waiter = {
        grant: (release) => { signal?.removeEventListener('abort', onAbort); resolve(release); },
        fail: reject,
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(w);
      this.pump();
    });
  }

  /** Resolves when an INVITE may leave now without more than maxCallsPerSecond in any second; one at a time. */
  sendGate(): Promise<void> {
    const step = this.gate.then(() => this.waitForWindow());
    this.gate = step;
    return step;
  }

  private async waitForWindow(): Promise<void> {
    const n = this.limits.maxCallsPerSecond;
    while (this.sent.length > n) this.sent.shift();
    if (this.sent.length === n) {
      const wait = this.sent[0]! + 1000 + SEND_MARGIN_MS - this.clock.now();
      if (wait > 0) await new Promise<void>((resolve) => { this.clock.setTimer(wait, resolve); });
      this.sent.shift();
    }
    this.sent.push(this.clock.now());
  }

  private pump(): void {
    if (this.timer) return;
    while (this.waiting.length > 0 && this.running < this.limits.maxConcurrent) {
      const t = this.clock.now();
      if (t < this.nextSlotAt) {
        this.timer = this.clock.setTimer(this.nextSlotAt - t, () => { this.timer = null; this.pump(); });
        return;
      }
      this.nextSlotAt = Math.max(t, this.nextSlotAt) + 1000 / this.limits.maxCallsPerSecond;
      const w = this.waiting.shift()!;
      this.running += 1;
      let released = false;
      w.grant(() => {
        if (released) return;
        released = true;
        this.running -= 1;
        this.pump();
      });
    }
  }
}

/** One queue per trunk id, its limits refreshed from the trunk row at each call. */
export class TrunkPacing {
  private readonly queues = new Map<string, TrunkQueue>();
  constructor(private readonly clock: Clock = systemClock) {}
  queueFor(trunk: { id: string } & TrunkLimits): TrunkQueue {
    const limits = { maxConcurrent: trunk.maxConcurrent, maxCallsPerSecond: trunk.maxCallsPerSecond };
    let q = this.queues.get(trunk.id);
    if (!q) { q = new TrunkQueue(limits, this.clock); this.queues.set(trunk.id, q); } else q.setLimits(limits);
    return q;
  }

  /** Over every trunk: calls waiting for a slot, and calls holding one (INVITE sent, not yet ended). */
  totals(): { queued: number; inProgress: number } {
    let queued = 0, inProgress = 0;
    for (const q of this.queues.values()) { queued += q.queued; inProgress += q.inProgress; }
    return { queued, inProgress };
  }
}
