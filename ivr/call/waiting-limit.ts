// Calls waiting in the IVR (answered, not yet in a room) per source address.
// A scanner or a flood that dials the access number from one address would
// otherwise hold an answered call, its RTP port and its prompts for each
// INVITE the SIP limits let through, for as long as the IVR waits for keys.
// Over the limit a new call is refused before the answer (Q.850 34 → 503,
// RFC 3398); the carriers' trunks bring every caller from one address and
// have their own limit (0 = none).
//
// A call holds its place from just before the answer until it joins a room
// (CallContext.onJoined) or ends, whichever comes first.
import { counter } from '../../common/metrics.ts';

const refused = counter({
  name: 'bridge_ivr_calls_refused_waiting_total',
  help: 'Incoming calls refused before the answer: their source address had too many calls waiting in the IVR',
});

export interface WaitingLimitConfig {
  /** Calls waiting per source address; 0 = no limit. */
  perSource: number;
  /** The same for the carriers' addresses; 0 = no limit. */
  perCarrier: number;
}

export class WaitingLimit {
  private readonly waiting = new Map<string, number>();
  private readonly carriers: ReadonlySet<string>;

  constructor(private readonly config: WaitingLimitConfig, carrierAddresses: readonly string[]) {
    this.carriers = new Set(carrierAddresses);
  }

  /** Calls waiting from `address` now. */
  count(address: string): number { return this.waiting.get(address) ?? 0; }

  /** Source addresses with calls waiting (the table holds no address at 0). */
  get sources(): number { return this.waiting.size; }

  /**
   * Takes a place for a call from `address`: a release function (idempotent)
   * or undefined when the address is at its limit.
   */
  enter(address: string): (() => void) | undefined {
    const limit = this.carriers.has(address) ? this.config.perCarrier : this.config.perSource;
    const n = this.count(address);
    if (limit > 0 && n >= limit) {
      refused.inc();
      return undefined;
    }
    this.waiting.set(address, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(address) - 1;
      if (left <= 0) this.waiting.delete(address);
      else this.waiting.set(address, left);
    };
  }
}
