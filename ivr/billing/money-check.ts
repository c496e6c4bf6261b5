// The money check before the bridge places a call (issue 13, "Money"):
// rates the destination (the dial-out rate of the number's destination
// class, core/billing/rating.ts findRate) and refuses the call when the
// account is frozen, unknown, out of balance, has no rate for it, or cannot
// pay one increment on top of what its open legs already use
// (account-budget.ts canAffordNewLeg). callOut asks this before any INVITE.
import type { Logger } from '../../common/log.ts';
import { authorizeCall, Q850_NOT_AUTHORISED } from '../../core/billing/balance.ts';
import { findRate, type Rate } from '../../core/billing/rating.ts';
import { CallRefusedError } from '../../core/errors.ts';
import { canAffordNewLeg, type OpenLeg } from './account-budget.ts';

/** Why a call may not be placed: a Q.850 cause (21 frozen/unknown, 57 no money) and the reason. */
export interface MoneyRefusal {
  cause: number;
  reason: string;
}

export interface MoneyCheckDeps {
  accounts: { get(accountId: string): Promise<{ frozen: boolean; balanceMinor: number }> };
  rates: { list(): Promise<Rate[]> };
  /** The account's open answered legs (none known: an empty list). */
  openLegs?: (accountId: string) => readonly OpenLeg[];
  nowMs: () => number;
  homeRegion?: string;
  log: Logger;
}

export class MoneyCheck {
  constructor(private readonly d: MoneyCheckDeps) {}

  /** null when the call may go; a refusal otherwise. A SIP URI (no E.164) is not rated here. */
  async check(accountId: string, e164: string | null): Promise<MoneyRefusal | null> {
    let account;
    try {
      account = await this.d.accounts.get(accountId);
    } catch (err) {
      this.d.log.warn({ accountId, err: (err as Error).message }, 'money check: account not read; refusing the call');
      return { cause: 21, reason: 'unknown_account' };
    }
    const rate = e164 === null ? undefined
      : findRate(await this.d.rates.list(), 'out', { kind: 'number', e164, homeRegion: this.d.homeRegion ?? 'CN' });
    try {
      authorizeCall(account, e164 === null ? undefined : rate ?? null);
    } catch (err) {
      if (err instanceof CallRefusedError) return { cause: err.q850, reason: err.reason };
      throw err;
    }
    if (!rate) return null;
    const legs = this.d.openLegs?.(accountId) ?? [];
    if (!canAffordNewLeg(account.balanceMinor, legs, this.d.nowMs(), rate)) {
      return { cause: Q850_NOT_AUTHORISED, reason: 'no_balance' };
    }
    return null;
  }
}
