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
}
