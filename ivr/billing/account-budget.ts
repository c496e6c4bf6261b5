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

const MAX_STEPS = 1_000_000;

/**
 * The instant (ms) at which the account's paid legs must be cut, or null
 * when no paid leg is open (free legs are never cut). Returns nowMs when the
 * balance is already spent.
 */
export function exhaustionAt(balanceMinor: number, legs: readonly OpenLeg[], nowMs: number): number | null {
  const paid = legs.filter((l) => l.perMinuteMinor > 0);
  if (paid.length === 0) return null;
  // Candidate cut instants: increment boundaries of any leg, from nowMs on.
  const next = paid.map((l) => {
    const incMs = l.incrementS * 1000;
    const k = Math.max(0, Math.floor((nowMs - l.answeredAtMs) / incMs));
    return l.answeredAtMs + k * incMs;
  });
  for (let step = 0; step < MAX_STEPS; step++) {
    let i = 0;
    for (let j = 1; j < next.length; j++) if (next[j]! < next[i]!) i = j;
    const b = Math.max(next[i]!, nowMs);
    if (usedAt(paid, b + 1) > balanceMinor) return b;
    next[i] = next[i]! + paid[i]!.incrementS * 1000;
  }
  throw new RangeError('exhaustionAt: projection did not converge');
}
