// Attempts per key within a sliding window (issue 17: the browser's PIN and
// the listen-in password, per room or link and per client address — e.g. 5
// per 10 minutes, then refused until the oldest attempt ages out). In memory,
// bounded: past `maxKeys` the least recently touched keys are forgotten.
export interface AttemptLimitOptions {
  /** Attempts allowed within the window. */
  max: number;
  windowMs: number;
  maxKeys?: number;
}

export class AttemptLimit {
  /** Insertion order is recency: a touched key moves to the end. */
  private readonly times = new Map<string, number[]>();
  private readonly maxKeys: number;

  constructor(private readonly opts: AttemptLimitOptions) {
    this.maxKeys = opts.maxKeys ?? 100_000;
  }

  /**
   * Counts one attempt on every key, unless one of them is already at the
   * limit: then nothing is counted and the answer is how long until it frees (ms).
   */
  take(keys: readonly string[], now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    let wait = 0;
    for (const key of keys) {
      const t = this.recent(key, now);
      if (t.length >= this.opts.max) wait = Math.max(wait, t[0]! + this.opts.windowMs - now);
    }
    if (wait > 0) return { ok: false, retryAfterMs: wait };
    for (const key of keys) {
      const t = this.recent(key, now);
      t.push(now);
      this.times.delete(key);
      this.times.set(key, t);
    }
    while (this.times.size > this.maxKeys) this.times.delete(this.times.keys().next().value!);
    return { ok: true };
  }

  /** How long until the key may try again (ms); 0 when it may now. Counts nothing. */
  peek(key: string, now: number): number {
    const t = this.recent(key, now);
    return t.length >= this.opts.max ? t[0]! + this.opts.windowMs - now : 0;
  }

  /** Forgets the key's attempts (a right PIN or password does not count against the next visitor from that address). */
  clear(key: string): void {
    this.times.delete(key);
  }

  private recent(key: string, now: number): number[] {
    const t = this.times.get(key) ?? [];
    while (t.length > 0 && t[0]! <= now - this.opts.windowMs) t.shift();
    return t;
  }
}
