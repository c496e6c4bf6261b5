// The owner's account as the web shows it: the account, its recharge
// records and the convener numbers bound to it.
import type { Repositories } from '../../core/repositories.ts';
import type { Account, Recharge } from '../../core/accounts/store.ts';
import type { ConvenerBinding } from '../../core/conveners/store.ts';

export class AccountService {
  constructor(private readonly repos: Pick<Repositories, 'accounts' | 'conveners'>) {}

  async get(accountId: string): Promise<Account> {
    return this.repos.accounts.get(accountId);
  }

  /** Newest first. */
  async recharges(accountId: string): Promise<Recharge[]> {
    return this.repos.accounts.listRecharges(accountId);
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
