// What operators run: customer accounts (opened with their owner login in
// one transaction, changed, frozen, topped up), access numbers and rates.
import type { Repositories } from '../../core/repositories.ts';
import type { Account, AccountPatch, Recharge } from '../../core/accounts/store.ts';
import type { Tier } from '../../core/accounts/tiers.ts';
import type { User } from '../../core/users/store.ts';
import type { AccessNumber, NewAccessNumber, NewRate } from '../../core/telephony/store.ts';
import type { Rate } from '../../core/billing/rating.ts';
import { NotFoundError } from '../../core/errors.ts';

/** An account to open, with its first owner login and an opening balance. */
export interface NewCustomer {
  name: string;
  tier: Tier;
  timeZone: string;
  owner: { username: string; password: string; displayName?: string | undefined; email?: string | undefined };
  initialBalanceMinor: number;
}

export interface AccountWithOwners {
  account: Account;
  owners: User[];
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export class OperatorService {
  constructor(private readonly repos: Repositories) {}

  async accounts(): Promise<AccountWithOwners[]> {
    const accounts = await this.repos.accounts.list();
    return Promise.all(accounts.map(async (account) => ({ account, owners: await this.repos.users.listByAccount(account.id) })));
  }

  /**
   * Opens the account, its owner and the opening balance in one transaction:
   * when any step fails (a login already taken, a weak password) nothing of
   * it stays behind.
   */
  async openAccount(input: NewCustomer, by: { operatorUserId: string; locale: string }): Promise<{ account: Account; owner: User }> {
    return this.repos.transaction(async (tx) => {
      const created = await tx.accounts.create({ name: input.name, tier: input.tier, timeZone: input.timeZone });
      const o = input.owner;
      const owner = await tx.users.create({
        accountId: created.id, role: 'owner', username: o.username, password: o.password,
        ...(o.displayName ? { displayName: o.displayName } : {}), email: o.email || null, locale: by.locale,
      });
      if (input.initialBalanceMinor > 0) {
        await tx.accounts.recharge(created.id, input.initialBalanceMinor, { operatorUserId: by.operatorUserId, note: 'opening balance' });
      }
      return { account: await tx.accounts.get(created.id), owner };
    });
  }

  /** Changes name, tier or zone, then freezes or unfreezes when asked. */
  async updateAccount(id: string, patch: AccountPatch, frozen: boolean | undefined): Promise<Account> {
    let a = await this.repos.accounts.get(id);
    if (Object.keys(patch).length > 0) a = await this.repos.accounts.update(a.id, defined(patch));
    if (frozen !== undefined) a = await this.repos.accounts.setFrozen(a.id, frozen);
    return a;
  }

  /** A negative amount is a correction. */
  async recharge(accountId: string, amountMinor: number, by: { operatorUserId: string; note: string }): Promise<Recharge> {
    return this.repos.accounts.recharge(accountId, amountMinor, by);
  }

  async recharges(accountId: string): Promise<Recharge[]> {
    await this.repos.accounts.get(accountId);
    return this.repos.accounts.listRecharges(accountId);
  }

  async accessNumbers(): Promise<AccessNumber[]> {
    return this.repos.accessNumbers.list();
  }

  async addAccessNumber(input: NewAccessNumber): Promise<AccessNumber> {
    return this.repos.accessNumbers.create(input);
  }

  async updateAccessNumber(id: string, patch: Partial<Omit<AccessNumber, 'id'>>): Promise<AccessNumber> {
    return this.repos.accessNumbers.update(id, defined(patch));
  }

  async removeAccessNumber(id: string): Promise<void> {
    await this.repos.accessNumbers.delete(id);
  }

  async rates(): Promise<Rate[]> {
    return this.repos.rates.list();
  }

  /** Adds the rate of a destination, or replaces the one it has. */
  async saveRate(input: NewRate): Promise<Rate> {
    if (input.accessNumberId) await this.repos.accessNumbers.get(input.accessNumberId);
    return this.repos.rates.upsert({ ...input, accessNumberId: input.accessNumberId ?? null, prefix: input.prefix ?? null });
  }

  async updateRate(id: string, patch: { perMinuteMinor?: number | undefined; incrementS?: number | undefined; description?: string | undefined }): Promise<Rate> {
    if (!(await this.repos.rates.list()).some((r) => r.id === id)) throw new NotFoundError('rate', id);
    return this.repos.rates.update(id, defined(patch));
  }

  async removeRate(id: string): Promise<void> {
    await this.repos.rates.delete(id);
  }
}
