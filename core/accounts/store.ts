// Accounts: tier, prepaid balance, time zone, frozen flag; recharges.
import type { Tier } from './tiers.ts';

export interface Account {
  id: string;
  name: string;
  tier: Tier;
  balanceMinor: number;
  currency: string;
  /** IANA zone used for recurrence and display. */
  timeZone: string;
  frozen: boolean;
  /** Set when a call drew the balance to zero or below (the owner's warning); cleared by a recharge. */
  balanceExhaustedAt: Date | null;
  createdAt: Date;
}

export interface NewAccount {
  name: string;
  tier?: Tier;
  timeZone?: string;
  currency?: string;
}

export interface AccountPatch {
  name?: string;
  tier?: Tier;
  timeZone?: string;
}

export interface Recharge {
  id: string;
  accountId: string;
  amountMinor: number;
  balanceAfterMinor: number;
  operatorUserId: string | null;
  note: string;
  createdAt: Date;
}

export interface AccountStore {
  create(input: NewAccount): Promise<Account>;
  /** NotFoundError when absent. */
  get(accountId: string): Promise<Account>;
  /** Operators' view of every account. */
  list(): Promise<Account[]>;
  update(accountId: string, patch: AccountPatch): Promise<Account>;
  setFrozen(accountId: string, frozen: boolean): Promise<Account>;
  /** Adds to the balance and records the recharge, atomically. */
  recharge(accountId: string, amountMinor: number, by?: { operatorUserId?: string | null; note?: string }): Promise<Recharge>;
  listRecharges(accountId: string): Promise<Recharge[]>;
}
