// JSON shape of an account.
import type { Account, Recharge } from '../../core/accounts/store.ts';

export function accountJson(a: Account) {
  return {
    id: a.id, name: a.name, tier: a.tier, balanceMinor: a.balanceMinor, currency: a.currency, timeZone: a.timeZone, frozen: a.frozen,
    balanceExhaustedAt: a.balanceExhaustedAt?.toISOString() ?? null, createdAt: a.createdAt.toISOString(),
  };
}

export function rechargeJson(r: Recharge) {
  return { id: r.id, amountMinor: r.amountMinor, balanceAfterMinor: r.balanceAfterMinor, note: r.note, createdAt: r.createdAt.toISOString() };
}
