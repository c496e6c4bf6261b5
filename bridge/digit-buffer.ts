// Keys a call leg received and collect() has not taken yet (type-ahead),
// shared by the engines: RFC 4733, SIP INFO and in-band keys all land here.
import type { CollectOptions } from './port.ts';

/** Digits kept for collect(); beyond, the oldest are forgotten (a flood must not grow without bound). */
export const MAX_BUFFERED_DIGITS = 64;

export class DigitBuffer {
  private readonly digits: string[] = [];
  private readonly waiters = new Set<() => void>();
  private closed = false;

  get size(): number { return this.digits.length; }

  push(digit: string): void {
    if (this.closed) return;
    this.digits.push(digit);
    if (this.digits.length > MAX_BUFFERED_DIGITS) this.digits.shift();
    for (const w of [...this.waiters]) w();
  }

  /** Removes the first buffered key that is one of `keys` (a recording's terminator belongs to the recording). */
  takeFirstOf(keys: string): void {
    const i = this.digits.findIndex((d) => keys.includes(d));
    if (i >= 0) this.digits.splice(i, 1);
  }

  /** The call ended: every wait ends now, and later ones at once. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w();
  }

  private next(timeoutMs: number): Promise<string | undefined> {
    const buffered = this.digits.shift();
    if (buffered !== undefined) return Promise.resolve(buffered);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve(this.digits.shift());
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  async collect(opts: CollectOptions): Promise<string> {
    let out = '';
    for (let i = 0; i <= opts.max; i++) {
      const d = await this.next(out === '' ? opts.firstTimeoutMs : opts.interTimeoutMs);
      if (d === undefined) break;
      if (opts.terminator && opts.terminator.includes(d)) break;
      out += d;
      if (out.length >= opts.max) break;
    }
    return out;
  }
}
