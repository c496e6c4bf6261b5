// A trunk's dial plan applied to a number: the first rule whose pattern
// matches the E.164 number rewrites it; with no match the digits go without
// the '+'. The dialer uses it for every call; the operator's dial-plan page
// tries it on sample numbers.
import type { DialPlanRule } from './store.ts';

export interface DialPlanResult {
  /** The Request-URI's user part. */
  digits: string;
  /** Index of the rule that matched, or null. */
  rule: number | null;
}

/** The first matching rule's rewrite of an E.164 number, and which rule it was. */
export function dialPlanMatch(e164: string, rules: readonly DialPlanRule[]): DialPlanResult {
  for (const [i, r] of rules.entries()) {
    const re = new RegExp(r.pattern);
    if (re.test(e164)) return { digits: e164.replace(re, r.replacement), rule: i };
  }
  return { digits: e164.replace(/^\+/, ''), rule: null };
}

/** The Request-URI's user part for `e164` under `rules`. */
export function applyDialPlan(e164: string, rules: readonly DialPlanRule[]): string {
  return dialPlanMatch(e164, rules).digits;
}
