// Recent failures per key (a calling number, a source address, a room) for
// the PIN lockout, in memory and bounded without timers: a key keeps only
// its failures within the window (at most `keep` of them) and a deadline
// (`until`: refused or slowed until then). Past `maxKeys` keys, the idle
// ones (no failure in the window, deadline gone) are swept out, then the
// least recently touched without a deadline, then any least recently
// touched, down to nine tenths of the bound: a flood of new numbers costs
// one sweep per tenth, not one per call, and pushes out refusals last.
export interface Tally {
  /** Failure times (ms) within the window, oldest first. */
  readonly times: number[];
  /** Refused or slowed until this time (ms); 0 when not. */
  until: number;
}

export interface FailureTallyOptions {
  windowMs: number;
  /** Most failure times kept per key (the lockout's threshold: older ones change nothing). */
  keep: number;
  maxKeys: number;
}

export class FailureTally {
  /** Insertion order is recency: a touched key moves to the end. */
  private readonly tallies = new Map<string, Tally>();

  constructor(private readonly opts: FailureTallyOptions) {}

  /** The key's tally at `now` (old failures and a past deadline dropped), or undefined if it has none. */
  peek(key: string, now: number): Tally | undefined {
    const t = this.tallies.get(key);
    if (!t) return undefined;
    this.expire(t, now);
    if (this.idle(t)) {
      this.tallies.delete(key);
      return undefined;
    }
    return t;
  }

  /** Counts one failure of `key` at `now`; its tally. */
  add(key: string, now: number): Tally {
    const t = this.tallies.get(key) ?? { times: [], until: 0 };
    this.tallies.delete(key);
    this.expire(t, now);
    t.times.push(now);
    if (t.times.length > this.opts.keep) t.times.splice(0, t.times.length - this.opts.keep);
    this.tallies.set(key, t);
    if (this.tallies.size > this.opts.maxKeys) this.shrink(now);
    return t;
  }

  /** Keys remembered now. */
  get size(): number { return this.tallies.size; }

  private expire(t: Tally, now: number): void {
    const from = t.times.findIndex((at) => now - at < this.opts.windowMs);
    t.times.splice(0, from < 0 ? t.times.length : from);
    if (t.until <= now) t.until = 0;
  }

  private idle(t: Tally): boolean { return t.times.length === 0 && t.until === 0; }

  private shrink(now: number): void {
    for (const [key, t] of this.tallies) {
      this.expire(t, now);
      if (this.idle(t)) this.tallies.delete(key);
    }
    const target = Math.max(1, Math.floor(this.opts.maxKeys * 0.9));
    for (const spareDeadlines of [true, false]) {
      for (const [key, t] of this.tallies) {
        if (this.tallies.size <= target) return;
        if (!spareDeadlines || t.until === 0) this.tallies.delete(key);
      }
    }
  }
}
