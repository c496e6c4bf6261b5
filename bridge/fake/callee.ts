// How a call the bridge places goes (FakeEngine.onDial): answered, busy,
// rejected, failing with a Q.850 cause, or ringing until the caller's
// no-answer timeout — and what the answering party then does. Each call
// placed is written down (`Dialled`) with how it ended.
import type { Q850Cause } from '../q850.ts';
import type { FakeCallLeg } from './leg.ts';
import type { CallerScript } from './script.ts';

export type CalleeOutcome = 'answer' | 'busy' | 'reject' | 'no-answer' | { fail: Q850Cause };

export interface CalleePlan {
  outcome: CalleeOutcome;
  /** Fake ms from the INVITE to the answer or the refusal (default 1000). */
  afterMs?: number;
  /** Rings (180) first (default true); a call that never rang times out with Q.850 18, else 19. */
  rings?: boolean;
  /** What the party does once answered. */
  script?: CallerScript;
}

export interface Dialled {
  uri: string;
  /** Our identity in From. */
  from: string;
  /** Fake ms when it was placed. */
  at: number;
  noAnswerTimeoutMs: number;
  /** The digest credentials the caller passed (OriginateOptions.auth), as given. */
  auth?: { username: string; password: string };
  /** 'ringing' → 'answered', or the Q.850 cause it failed with; 'cancelled' when the caller aborted. */
  state: 'calling' | 'ringing' | 'answered' | 'cancelled' | { failed: Q850Cause };
  leg?: FakeCallLeg;
}

/** The first plan whose pattern the target URI contains (or matches). */
export function planFor(plans: ReadonlyArray<{ match: string | RegExp; plan: CalleePlan }>, uri: string): CalleePlan | undefined {
  return plans.find((p) => (typeof p.match === 'string' ? uri.includes(p.match) : p.match.test(uri)))?.plan;
}
