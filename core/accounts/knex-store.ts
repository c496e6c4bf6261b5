import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { NotFoundError, ValidationError } from '../errors.ts';
import { date, dateOrNull, num } from '../sql.ts';
import { isTier, type Tier } from './tiers.ts';
import { rechargeClears } from '../billing/low-balance.ts';
import type { Account, AccountPatch, AccountStore, NewAccount, Recharge } from './store.ts';

type Row = Record<string, unknown>;

export function toAccount(r: Row): Account {
  return {
    id: String(r.id), name: String(r.name), tier: r.tier as Tier, balanceMinor: num(r.balance_minor),
    currency: String(r.currency), timeZone: String(r.time_zone), frozen: Boolean(r.frozen),
    balanceExhaustedAt: dateOrNull(r.balance_exhausted_at), createdAt: date(r.created_at),
  };
}

function toRecharge(r: Row): Recharge {
  return {
    id: String(r.id), accountId: String(r.account_id), amountMinor: num(r.amount_minor),
    balanceAfterMinor: num(r.balance_after_minor), operatorUserId: r.operator_user_id === null ? null : String(r.operator_user_id),
    note: String(r.note), createdAt: date(r.created_at),
  };
}

function checkFields(p: AccountPatch): void {
  if (p.name !== undefined && p.name.trim().length === 0) throw new ValidationError('account name is empty', 'name');
  if (p.tier !== undefined && !isTier(p.tier)) throw new ValidationError(`unknown tier ${String(p.tier)}`, 'tier');
  if (p.timeZone !== undefined && !DateTime.local().setZone(p.timeZone).isValid) throw new ValidationError(`unknown time zone ${p.timeZone}`, 'timeZone');
}

export class KnexAccountStore implements AccountStore {
  constructor(private readonly db: Knex) {}

  async create(input: NewAccount): Promise<Account> {
    checkFields(input);
    const [row] = await this.db('accounts').insert({
      name: input.name.trim(), tier: input.tier ?? 'trial', time_zone: input.timeZone ?? 'Asia/Shanghai',
      currency: input.currency ?? 'CNY',
    }).returning('*');
    return toAccount(row as Row);
  }

  async get(accountId: string): Promise<Account> {
    const row = await this.db('accounts').where({ id: accountId }).first() as Row | undefined;
    if (!row) throw new NotFoundError('account', accountId);
    return toAccount(row);
  }

  async list(): Promise<Account[]> {
    return (await this.db('accounts').orderBy('created_at') as Row[]).map(toAccount);
  }

  async update(accountId: string, patch: AccountPatch): Promise<Account> {
    checkFields(patch);
    const set: Row = { updated_at: this.db.fn.now() };
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.tier !== undefined) set.tier = patch.tier;
    if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
    const [row] = await this.db('accounts').where({ id: accountId }).update(set).returning('*');
    if (!row) throw new NotFoundError('account', accountId);
    return toAccount(row as Row);
  }

  async setFrozen(accountId: string, frozen: boolean): Promise<Account> {
    const [row] = await this.db('accounts').where({ id: accountId }).update({ frozen, updated_at: this.db.fn.now() }).returning('*');
    if (!row) throw new NotFoundError('account', accountId);
    return toAccount(row as Row);
  }

  async recharge(accountId: string, amountMinor: number, by: { operatorUserId?: string | null; note?: string } = {}): Promise<Recharge> {
    if (!Number.isSafeInteger(amountMinor) || amountMinor === 0) throw new ValidationError('amount must be a non-zero whole number of minor units', 'amountMinor');
    return this.db.transaction(async (trx) => {
      const [acc] = await trx('accounts').where({ id: accountId })
        .update({
          balance_minor: trx.raw('balance_minor + ?', [amountMinor]),
          balance_exhausted_at: trx.raw('CASE WHEN balance_minor + ? > 0 THEN NULL ELSE balance_exhausted_at END', [amountMinor]),
          ...rechargeClears(trx, amountMinor),
          updated_at: trx.fn.now(),
        }).returning('*');
      if (!acc) throw new NotFoundError('account', accountId);
      const [row] = await trx('recharges').insert({
        account_id: accountId, amount_minor: amountMinor, balance_after_minor: (acc as Row).balance_minor,
        operator_user_id: by.operatorUserId ?? null, note: by.note ?? '',
      }).returning('*');
      return toRecharge(row as Row);
    });
  }

  async listRecharges(accountId: string): Promise<Recharge[]> {
    return (await this.db('recharges').where({ account_id: accountId }).orderBy('created_at', 'desc') as Row[]).map(toRecharge);
  }
}
