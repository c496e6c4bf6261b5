// Trying a dial plan on sample numbers without saving it: each rule's
// pattern is checked first (a bad regular expression is a ValidationError
// naming the rule), then each sample is normalised to E.164 and run through
// dialPlanMatch. The operator's dial-plan page ("try" box) calls this
// through its API so unsaved rules can be tried.
import { ValidationError } from '../errors.ts';
import { normalisePhoneNumber } from '../phone/normalise.ts';
import { dialPlanMatch } from './dial-plan.ts';
import type { DialPlanRule } from './store.ts';

export interface DialPlanTry {
  input: string;
  /** The sample as E.164, or null when it is not a phone number. */
  e164: string | null;
  /** Index of the rule that matched, or null (none matched, or bad number). */
  rule: number | null;
  /** The digits the carrier would receive, or null for a bad number. */
  digits: string | null;
  /** Why the sample is not a phone number. */
  error?: string;
}

/** Throws ValidationError (field `rules.N.pattern`) for the first bad pattern. */
export function checkDialPlanRules(rules: readonly DialPlanRule[]): void {
  for (const [i, r] of rules.entries()) {
    try {
      new RegExp(r.pattern);
    } catch (e) {
      throw new ValidationError(`rule ${i + 1}: "${r.pattern}" is not a valid regular expression (${(e as Error).message})`, `rules.${i}.pattern`);
    }
  }
}

/** Each sample's E.164, matching rule and carrier digits under `rules`. */
export function tryDialPlan(rules: readonly DialPlanRule[], samples: readonly string[], defaultRegion?: string): DialPlanTry[] {
  checkDialPlanRules(rules);
  return samples.map((input) => {
    let e164: string;
    try {
      e164 = normalisePhoneNumber(input, { defaultRegion }).e164;
    } catch (e) {
      if (e instanceof ValidationError) return { input, e164: null, rule: null, digits: null, error: e.message };
      throw e;
    }
    const m = dialPlanMatch(e164, rules);
    return { input, e164, rule: m.rule, digits: m.digits };
  });
}
