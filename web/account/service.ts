// The owner's account as the web shows it: the account, its recharge
// records, the convener numbers bound to it, and its dial-out policy with
// the calls the IVR refused under it (issue 21; the policy is the operator's
// to change, the owner only sees it).
import type { Repositories } from '../../core/repositories.ts';
import type { Account, Recharge } from '../../core/accounts/store.ts';
import type { ConvenerBinding } from '../../core/conveners/store.ts';
import type { DialOutPolicy } from '../../core/dial-out/store.ts';
import type { AuditEntry } from '../../core/audit/store.ts';
import { DIAL_OUT_REFUSED } from '../../core/dial-out/policy.ts';

/** How many of the latest refusals the account page and API show. */
export const REFUSALS_SHOWN = 50;

export class AccountService {
  constructor(private readonly repos: Pick<Repositories, 'accounts' | 'conveners' | 'dialOut' | 'audit'>) {}

  async get(accountId: string): Promise<Account> {
    return this.repos.accounts.get(accountId);
  }

  /** Newest first. */
  async recharges(accountId: string): Promise<Recharge[]> {
    return this.repos.accounts.listRecharges(accountId);
  }

  /** The policy and the latest dial-out refusals (audit rows `dial_out.refused`), newest first. */
  async dialOut(accountId: string): Promise<{ policy: DialOutPolicy; refusals: AuditEntry[] }> {
    const [policy, refusals] = await Promise.all([
      this.repos.dialOut.policy(accountId), this.repos.audit.list(accountId, { action: DIAL_OUT_REFUSED, limit: REFUSALS_SHOWN }),
    ]);
    return { policy, refusals };
  }

  async conveners(accountId: string): Promise<ConvenerBinding[]> {
    return this.repos.conveners.list(accountId);
  }

  /**
   * Binds a number (normalised to E.164 by the store) with an optional name
   * and room; the store throws ConflictError (field `number`) when the
   * number is bound to any account already.
   */
  async bindConvener(accountId: string, input: { number: string; name?: string | undefined; roomId?: string | undefined }, ctx: { now: Date; defaultRegion?: string }): Promise<ConvenerBinding> {
    return this.repos.conveners.bind(accountId, { number: input.number, ...(input.name ? { name: input.name } : {}), ...(input.roomId ? { roomId: input.roomId } : {}) }, ctx);
  }

  async unbindConvener(accountId: string, id: string): Promise<void> {
    await this.repos.conveners.unbind(accountId, id);
  }
}
