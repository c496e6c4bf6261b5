// JSON shape of an account, its recharges and its dial-out refusals.
import type { Account, Recharge } from '../../core/accounts/store.ts';
import type { AuditEntry } from '../../core/audit/store.ts';

export function accountJson(a: Account) {
  return {
    id: a.id, name: a.name, tier: a.tier, balanceMinor: a.balanceMinor, currency: a.currency, timeZone: a.timeZone, frozen: a.frozen,
    balanceExhaustedAt: a.balanceExhaustedAt?.toISOString() ?? null, createdAt: a.createdAt.toISOString(),
  };
}

export function rechargeJson(r: Recharge) {
  return { id: r.id, amountMinor: r.amountMinor, balanceAfterMinor: r.balanceAfterMinor, note: r.note, createdAt: r.createdAt.toISOString() };
}

/** A dial-out refusal (audit row `dial_out.refused`, written by ivr/billing/dial-out-guard.ts). */
export function refusalJson(e: AuditEntry) {
  const d = e.data;
  const str = (v: unknown): string => (typeof v === 'string' ? v : '');
  return {
    at: e.at.toISOString(), roomNumber: str(d.roomNumber), target: str(d.target), e164: typeof d.e164 === 'string' ? d.e164 : null,
    reason: str(d.reason), detail: str(d.detail), origin: str(d.origin),
  };
}
