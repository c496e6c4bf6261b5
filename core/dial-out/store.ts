// Who may dial out, where and how much (issue 21, toll fraud): per account
// the destination classes it may call (international only when an operator
// allows it), outbound calls at once and outbound spend per day; the
// platform-wide block list of premium and high-risk prefixes.
import type { DialOutClass } from '../billing/destination.ts';

export interface DialOutPolicy {
  /** Destination classes the account may call. */
  classes: DialOutClass[];
  /** Outbound calls of the account at once (ringing or answered). */
  maxOutboundCalls: number;
  /** Outbound spend per day in the account's time zone (minor units); null: no cap. */
  dailyCapMinor: number | null;
  /** Guests may use `*6` in the rooms that allow it (RoomOptions.guestsMayInvite); off: chairs only everywhere. */
  guestsMayInvite: boolean;
}

export type DialOutPolicyPatch = Partial<DialOutPolicy>;

export interface BlockedPrefix {
  /** E.164 digits without '+', e.g. '882' or '4470'. */
  prefix: string;
  description: string;
  createdAt: Date;
}

export interface OutboundSpend {
  accountId: string;
  accountName: string;
  /** Cost of outbound legs that ended in the window, minor units. */
  spentMinor: number;
  calls: number;
}

export interface DialOutStore {
  /** NotFoundError when the account does not exist. */
  policy(accountId: string): Promise<DialOutPolicy>;
  /** ValidationError on an unknown class, a cap that is not a whole number ≥ 0. */
  setPolicy(accountId: string, patch: DialOutPolicyPatch): Promise<DialOutPolicy>;
  blocked(): Promise<BlockedPrefix[]>;
  /** ValidationError unless 1–15 digits; ConflictError when already blocked. */
  block(prefix: string, description?: string): Promise<BlockedPrefix>;
  /** NotFoundError when the prefix is not blocked. */
  unblock(prefix: string): Promise<void>;
  /** Cost of the account's outbound legs that ended at or after `since`, minor units. */
  spentSince(accountId: string, since: Date): Promise<number>;
  /** Every account's outbound spend in [since, now), largest first (the operator's watch list). */
  outboundSpend(since: Date, opts?: { limit?: number }): Promise<OutboundSpend[]>;
}
