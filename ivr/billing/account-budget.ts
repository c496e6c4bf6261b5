// The balance projection for one account's open legs (issue 13, "Money").
// Each leg costs what the CDR close will charge (core/cdr/knex-store.ts):
// costOf(billedSeconds(ceil(ms / 1000), increment), perMinute). The cost of
// a leg jumps just after each whole increment since its answer, so the
// account runs out at the first increment boundary after which the sum of
// the legs' costs would exceed the balance: cutting exactly at that boundary
// leaves balance_after >= 0 and every CDR agreeing with it to the cent.
import { billedSeconds, costOf } from '../../core/billing/rating.ts';

export interface OpenLeg {
  perMinuteMinor: number;
  incrementS: number;
  /** Answer time, ms on the IVR clock. */
  answeredAtMs: number;
}

/** What a leg costs if it ends at nowMs (same arithmetic as the CDR close). */
export function legCostAt(leg: OpenLeg, nowMs: number): number {
  const ms = nowMs - leg.answeredAtMs;
  const billable = ms <= 0 ? 0 : Math.ceil(ms / 1000);
  return costOf(billedSeconds(billable, leg.incrementS), leg.perMinuteMinor);
}

/** The sum the account's open legs have used by nowMs. */
export function usedAt(legs: readonly OpenLeg[], nowMs: number): number {
  return legs.reduce((sum, l) => sum + legCostAt(l, nowMs), 0);
}

/** True when a new call may start: what remains covers one increment of its rate. */
export function canAffordNewLeg(balanceMinor: number, legs: readonly OpenLeg[], nowMs: number,
  rate: Pick<OpenLeg, 'perMinuteMinor' | 'incrementS'>): boolean {
  if (rate.perMinuteMinor === 0) return balanceMinor > 0;
  return balanceMinor - usedAt(legs, nowMs) >= costOf(rate.incrementS, rate.perMinuteMinor);
}

/** Ten years: a projection beyond this is no cut (only reached by a balance no call could spend). */
const HORIZON_MS = 10 * 365 * 24 * 3600_000;

/**
 * The instant (ms) at which the account's paid legs must be cut, or null
 * when no paid leg is open (free legs are never cut) or the balance lasts
 * beyond the horizon. Returns nowMs when the balance is already spent.
 *
 * usedAt(t + 1) only rises when t reaches a leg's increment boundary, so the
 * first t ≥ nowMs at which it exceeds the balance is nowMs or a boundary: a
 * binary search over t finds it in O(legs × log(time)) — an account with a
 * thousand callers in one meeting is recomputed at every answer and hang-up.
 */
export function exhaustionAt(balanceMinor: number, legs: readonly OpenLeg[], nowMs: number): number | null {
  const paid = legs.filter((l) => l.perMinuteMinor > 0);
  if (paid.length === 0) return null;
  const over = (t: number): boolean => usedAt(paid, t + 1) > balanceMinor;
  if (over(nowMs)) return nowMs;
  let lo = nowMs; // not over
  let step = 1000;
  let hi = nowMs + step;
  while (!over(hi)) {
    if (hi - nowMs > HORIZON_MS) return null;
    lo = hi;
    step *= 2;
    hi = nowMs + step;
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (over(mid)) hi = mid; else lo = mid;
  }
  return hi;
}
