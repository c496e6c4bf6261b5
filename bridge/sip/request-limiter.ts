// Per-source limits on new SIP requests: one token bucket per source IP
// address, so that a scanner or a flood from one address is answered cheaply
// (the user agent sends a stateless 503 with Retry-After to a new INVITE,
// RFC 3261 §21.5.4, and drops any other new request) instead of costing a
// transaction, a session and an IVR call each.
//
// Only requests that would start something are counted (the user agent
// decides, user-agent.ts): retransmissions, ACKs, CANCELs of a pending INVITE
// and requests inside a running dialog pass untouched, so running calls are
// never starved. The carriers' trunks send every caller from one address:
// their addresses get their own, much higher, limit (0 = none).
//
// A limited source is logged when it is first limited and then at most once
// per period, with the count since the last line: never once per packet.
import type { Clock } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import { counter } from '../../common/metrics.ts';

const limited = counter<'action'>({
  name: 'bridge_sip_requests_limited_total',
  help: 'New SIP requests over their source address\'s limit: answered 503 (INVITE) or dropped (other methods)',
  labelNames: ['action'],
});

export interface RequestLimitSettings {
  /** Tokens per second per source address; 0 = no limit. */
  ratePerS: number;
  /** Bucket size: requests a quiet source may send at once. */
  burst: number;
  /** The carriers' trunk addresses and their limit (0 = none). */
  carrierAddresses: readonly string[];
  carrierRatePerS: number;
  carrierBurst: number;
  /** Seconds in the 503's Retry-After. */
  retryAfterS: number;
  /** At most one log line per limited source per this many seconds. */
  logPeriodS: number;
  /** Most source addresses tracked; beyond, the least recently seen are forgotten (default 100,000). */
  maxSources?: number;
}

interface Bucket {
  tokens: number;
  at: number;
  /** Requests limited since the last log line, and when that line was written. */
  unlogged: number;
  loggedAt: number;
}

export class RequestLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly carriers: ReadonlySet<string>;
  private readonly maxSources: number;

  constructor(readonly settings: RequestLimitSettings, private readonly clock: Clock, private readonly log: Logger) {
    this.carriers = new Set(settings.carrierAddresses);
    this.maxSources = settings.maxSources ?? 100_000;
  }

  /** Sources currently tracked (bounded by maxSources). */
  get trackedSources(): number { return this.buckets.size; }

  /** Takes a token for a new request from `address`; false when it is over the limit (`method` only for the metric and log). */
  admit(address: string, method: string): boolean {
    const carrier = this.carriers.has(address);
    const rate = carrier ? this.settings.carrierRatePerS : this.settings.ratePerS;
    if (rate <= 0) return true;
    const burst = Math.max(1, carrier ? this.settings.carrierBurst : this.settings.burst);
    const now = this.clock.now();
    let b = this.buckets.get(address);
    if (b) {
      // Least recently seen first: delete and set again moves it to the end.
      this.buckets.delete(address);
      b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
      b.at = now;
    } else {
      if (this.buckets.size >= this.maxSources) this.buckets.delete(this.buckets.keys().next().value!);
      b = { tokens: burst, at: now, unlogged: 0, loggedAt: -Infinity };
    }
    this.buckets.set(address, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    limited.inc({ action: method === 'INVITE' ? 'rejected' : 'dropped' });
    b.unlogged++;
    if (now - b.loggedAt >= this.settings.logPeriodS * 1000) {
      this.log.warn({ source: address, carrier, limited: b.unlogged, ratePerS: rate, burst, periodS: this.settings.logPeriodS },
        'SIP requests over the per-source limit (503 to INVITEs, others dropped)');
      b.unlogged = 0;
      b.loggedAt = now;
    }
    return false;
  }
}
