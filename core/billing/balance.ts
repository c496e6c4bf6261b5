// Prepaid rules: who may place or take a call, and for how long.
import { CallRefusedError } from '../errors.ts';
import type { Rate } from './rating.ts';

/** Q.850 cause for refusals: 21 call rejected (frozen), 57 bearer capability not authorised (no balance). */
export const Q850_CALL_REJECTED = 21;
export const Q850_NOT_AUTHORISED = 57;

export interface BalanceState {
  frozen: boolean;
  balanceMinor: number;
}

/** Throws CallRefusedError unless a new call may start. At zero balance new calls are refused. */
export function authorizeCall(account: BalanceState | null | undefined, rate?: Rate | null): void {
  if (!account) throw new CallRefusedError('unknown_account', Q850_CALL_REJECTED, 'no account for this call');
  if (account.frozen) throw new CallRefusedError('account_frozen', Q850_CALL_REJECTED, 'account is frozen');
  if (account.balanceMinor <= 0) throw new CallRefusedError('no_balance', Q850_NOT_AUTHORISED, 'account balance is exhausted');
  if (rate === null) throw new CallRefusedError('no_rate', Q850_NOT_AUTHORISED, 'no rate applies to this call');
}

/**
 * The longest a call may last on this balance (seconds after answer), or
 * null when the rate is free. Whole increments whose cost fits the balance.
 */
export function maxCallSeconds(balanceMinor: number, rate: Pick<Rate, 'perMinuteMinor' | 'incrementS'>): number | null {
  if (rate.perMinuteMinor === 0) return null;
  if (balanceMinor <= 0) return 0;
  // Largest n with ceil(n·inc·ppm/60) ≤ balance  ⇔  n·inc·ppm ≤ 60·balance.
  const increments = Math.floor((balanceMinor * 60) / (rate.incrementS * rate.perMinuteMinor));
  return increments * rate.incrementS;
}
