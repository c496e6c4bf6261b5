// The look-ups every incoming call makes, shared while they are in flight.
//
// At the top of the hour a hundred callers a second ask the database the
// same things: the access number they dialled, the room whose number they
// typed, its account, the rate table. With the in-process database (PGlite)
// every query runs on the main thread, the thread that also answers SIP and
// reads the keys. Callers that ask the same question while it is being
// answered get that one answer (each its own copy) instead of queueing a
// query each; nothing is kept after it is answered, so an edit (a new PIN,
// a disabled access number, a top-up, a new rate) is seen by the next call
// as before.
import type { Repositories } from '../../core/repositories.ts';

/** One promise per key while it is pending; every caller gets its own copy of the result. */
export class InFlight<T> {
  private readonly pending = new Map<string, Promise<T>>();

  get(key: string, load: () => Promise<T>): Promise<T> {
    let p = this.pending.get(key);
    if (!p) {
      p = load();
      this.pending.set(key, p);
      const forget = () => { if (this.pending.get(key) === p) this.pending.delete(key); };
      p.then(forget, forget);
    }
    return p.then((v) => structuredClone(v));
  }

  get size(): number { return this.pending.size; }
}

/**
 * The repositories with the per-call look-ups shared (see above); everything
 * else is the same object. Method calls reach the real store, `this` intact.
 */
export function withSharedLookups(repos: Repositories): Repositories {
  const accessNumbers = new InFlight<Awaited<ReturnType<Repositories['accessNumbers']['findByNumber']>>>();
  const rooms = new InFlight<Awaited<ReturnType<Repositories['rooms']['findByNumber']>>>();
  const accounts = new InFlight<Awaited<ReturnType<Repositories['accounts']['get']>>>();
  const rates = new InFlight<Awaited<ReturnType<Repositories['rates']['list']>>>();
  const { accessNumbers: a, rooms: r, accounts: acc, rates: rt } = repos;
  return {
    ...repos,
    accessNumbers: override(a, { findByNumber: (n: string) => accessNumbers.get(n, () => a.findByNumber(n)) }),
    rooms: override(r, { findByNumber: (n: string) => rooms.get(n, () => r.findByNumber(n)) }),
    accounts: override(acc, { get: (id: string) => accounts.get(id, () => acc.get(id)) }),
    rates: override(rt, { list: () => rates.get('all', () => rt.list()) }),
  };
}

/** `store` with some methods replaced; the others still run on `store` itself. */
function override<S extends object>(store: S, methods: Partial<S>): S {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (Object.prototype.hasOwnProperty.call(methods, prop)) return (methods as Record<PropertyKey, unknown>)[prop];
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
