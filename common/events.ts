// Typed events: an event map per class, and an emit that survives a throwing
// listener (the error is logged, the other listeners still run).
import { moduleLogger } from './log.ts';

const log = moduleLogger('events');

export type EventMap = Record<string, unknown[]>;
type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<E extends EventMap> {
  private readonly listeners = new Map<keyof E, Array<Listener<never[]>>>();

  on<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const list = this.listeners.get(event) ?? [];
    list.push(fn as unknown as Listener<never[]>);
    this.listeners.set(event, list);
    return this;
  }

  once<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const wrapper: Listener<E[K]> = (...args) => { this.off(event, wrapper); fn(...args); };
    return this.on(event, wrapper);
  }

  off<K extends keyof E>(event: K, fn: Listener<E[K]>): this {
    const list = this.listeners.get(event);
    if (list) {
      const i = list.indexOf(fn as unknown as Listener<never[]>);
      if (i >= 0) list.splice(i, 1);
    }
    return this;
  }

  listenerCount<K extends keyof E>(event: K): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  removeAllListeners(): void { this.listeners.clear(); }

  protected emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const list = this.listeners.get(event);
    if (!list || list.length === 0) return;
    if (list.length === 1) {
      // The common case (one listener, e.g. every RTP packet): no copy of the list.
      try {
        (list[0] as unknown as Listener<E[K]>)(...args);
      } catch (err) {
        log.error({ err, event: String(event) }, 'event listener threw');
      }
      return;
    }
    for (const fn of [...list]) {
      try {
        (fn as unknown as Listener<E[K]>)(...args);
      } catch (err) {
        log.error({ err, event: String(event) }, 'event listener threw');
      }
    }
  }

  /** Resolves with the next emission of `event` (its arguments), rejects after `timeoutMs`. */
  waitFor<K extends keyof E>(event: K, timeoutMs: number): Promise<E[K]> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => { this.off(event, fn); reject(new Error(`timed out waiting for ${String(event)}`)); }, timeoutMs);
      const fn: Listener<E[K]> = (...args) => { clearTimeout(timer); this.off(event, fn); resolve(args); };
      this.on(event, fn);
    });
  }
}
