// The dial-out decision (issue 21): a number the bridge is about to dial
// (after the dial plan, its E.164 form) against the account's allowed
// classes, the platform's block list, the account's outbound calls at once
// and its spend today. Pure: the IVR's guard (ivr/billing/dial-out-guard.ts)
// feeds it what the stores and the running calls say.
import { DateTime } from 'luxon';
import { classifyDestination, type DialOutClass } from '../billing/destination.ts';
import type { DialOutPolicy } from './store.ts';

/** The audit action of every refused dial-out (written by the IVR, read by the owner's and operator's pages). */
export const DIAL_OUT_REFUSED = 'dial_out.refused';

/** Midnight of `now`'s day in `timeZone`: the daily cap's day starts there. */
export function dayStartIn(timeZone: string, now: Date): Date {
  return DateTime.fromJSDate(now).setZone(timeZone).startOf('day').toJSDate();
}

export type DialOutRefusalReason = 'guest' | 'class' | 'blocked' | 'concurrent' | 'daily_cap';

export interface DialOutRefusal {
  reason: DialOutRefusalReason;
  /** What was hit: the class, the prefix, the limit. */
  detail: string;
}

export interface DialOutQuestion {
  /** '+8613…' or null for a SIP URI (no carrier: only the calls-at-once cap applies). */
  e164: string | null;
  homeRegion: string;
  policy: DialOutPolicy;
  blockedPrefixes: readonly string[];
  /** The account's outbound calls now (ringing or answered), this one not counted. */
  openOutbound: number;
  /** Spent today on outbound legs (minor units). */
  spentTodayMinor: number;
}

/** The longest blocked prefix of `digits` (E.164 without '+'), if any. */
export function blockedPrefixOf(digits: string, prefixes: readonly string[]): string | null {
  let best: string | null = null;
  for (const p of prefixes) if (digits.startsWith(p) && (best === null || p.length > best.length)) best = p;
  return best;
}

/** Null when the call may go; the first rule it breaks otherwise. */
export function judgeDialOut(q: DialOutQuestion): DialOutRefusal | null {
  if (q.e164 !== null) {
    let cls: DialOutClass;
    let digits: string;
    try {
      const d = classifyDestination(q.e164, q.homeRegion);
      cls = d.class;
      digits = d.digits;
    } catch {
      return { reason: 'class', detail: 'unclassifiable' };
    }
    const hit = blockedPrefixOf(digits, q.blockedPrefixes);
    if (hit !== null) return { reason: 'blocked', detail: hit };
    if (!q.policy.classes.includes(cls)) return { reason: 'class', detail: cls };
  }
  if (q.openOutbound >= q.policy.maxOutboundCalls) return { reason: 'concurrent', detail: String(q.policy.maxOutboundCalls) };
  if (q.policy.dailyCapMinor !== null && q.spentTodayMinor >= q.policy.dailyCapMinor) return { reason: 'daily_cap', detail: String(q.policy.dailyCapMinor) };
  return null;
}
