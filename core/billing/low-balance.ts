// The owner's low-balance warning (issue 14): each account has a threshold;
// a rated call that draws the balance below it marks the account "low"
// (once: `noteCharge`, inside the charging transaction), a web process then
// claims the mark and mails the owners (once: `claimMails`), and the
// dashboard shows a banner while it lasts. A recharge or a lower threshold
// that brings the balance back to the threshold clears the mark: the next
// fall below warns again.
import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../errors.ts';
import { dateOrNull, num } from '../sql.ts';
import { auditRow } from '../audit/knex-store.ts';

export interface LowBalanceState {
  accountId: string;
  /** 0: no warning. */
  thresholdMinor: number;
  balanceMinor: number;
  /** When a rated call drew the balance below the threshold; null while above it. */
  lowSince: Date | null;
  mailedAt: Date | null;
}

export interface LowBalanceStore {
  get(accountId: string): Promise<LowBalanceState>;
  /** Sets the threshold (0 turns the warning off); a balance at or above the new one clears the mark. */
  setThreshold(accountId: string, thresholdMinor: number): Promise<LowBalanceState>;
  /**
   * Marks the warnings not yet mailed as mailed and returns them: of several
   * web processes sweeping the same database, one mails each crossing.
   */
  claimMails(at: Date, limit?: number): Promise<LowBalanceState[]>;
}

export const MAX_THRESHOLD_MINOR = 100_000_000;

type Row = Record<string, unknown>;

function toState(r: Row): LowBalanceState {
  return {
    accountId: String(r.id), thresholdMinor: num(r.low_balance_threshold_minor), balanceMinor: num(r.balance_minor),
    lowSince: dateOrNull(r.low_balance_since), mailedAt: dateOrNull(r.low_balance_mailed_at),
  };
}

const COLUMNS = ['id', 'balance_minor', 'low_balance_threshold_minor', 'low_balance_since', 'low_balance_mailed_at'];

/**
 * Inside the transaction that drew `balanceMinor` from the account: marks it
 * low when the balance is now below a threshold it was not already below.
 * True when this charge crossed it.
 */
export async function noteCharge(trx: Knex.Transaction, accountId: string, legId: string): Promise<boolean> {
  const [row] = await trx('accounts').where({ id: accountId }).whereNull('low_balance_since')
    .where('low_balance_threshold_minor', '>', 0).whereRaw('balance_minor < low_balance_threshold_minor')
    .update({ low_balance_since: trx.fn.now(), low_balance_mailed_at: null }).returning(COLUMNS) as Row[];
  if (!row) return false;
  const s = toState(row);
  await trx('audit_log').insert(auditRow({
    accountId, actor: 'system', action: 'balance.low', targetType: 'account', targetId: accountId,
    data: { balanceMinor: s.balanceMinor, thresholdMinor: s.thresholdMinor, legId },
  }));
  return true;
}

/** The SET clauses of a recharge of `amountMinor`: back at the threshold or above re-arms the warning. */
export function rechargeClears(knex: Knex, amountMinor: number): Record<string, Knex.Raw> {
  return {
    low_balance_since: knex.raw('CASE WHEN balance_minor + ? >= low_balance_threshold_minor THEN NULL ELSE low_balance_since END', [amountMinor]),
    low_balance_mailed_at: knex.raw('CASE WHEN balance_minor + ? >= low_balance_threshold_minor THEN NULL ELSE low_balance_mailed_at END', [amountMinor]),
  };
}

export class KnexLowBalanceStore implements LowBalanceStore {
  constructor(private readonly db: Knex) {}

  async get(accountId: string): Promise<LowBalanceState> {
    const row = await this.db('accounts').where({ id: accountId }).first(COLUMNS) as Row | undefined;
    if (!row) throw new NotFoundError('account', accountId);
    return toState(row);
  }

  async setThreshold(accountId: string, thresholdMinor: number): Promise<LowBalanceState> {
    if (!Number.isSafeInteger(thresholdMinor) || thresholdMinor < 0 || thresholdMinor > MAX_THRESHOLD_MINOR) {
      throw new ValidationError(`the threshold must be a whole number of minor units from 0 to ${MAX_THRESHOLD_MINOR}`, 'thresholdMinor');
    }
    const clear = 'CASE WHEN balance_minor >= ? THEN NULL ELSE ?? END';
    const [row] = await this.db('accounts').where({ id: accountId }).update({
      low_balance_threshold_minor: thresholdMinor,
      low_balance_since: this.db.raw(clear, [thresholdMinor, 'low_balance_since']),
      low_balance_mailed_at: this.db.raw(clear, [thresholdMinor, 'low_balance_mailed_at']),
      updated_at: this.db.fn.now(),
    }).returning(COLUMNS) as Row[];
    if (!row) throw new NotFoundError('account', accountId);
    return toState(row);
  }

  async claimMails(at: Date, limit = 100): Promise<LowBalanceState[]> {
    const ids = this.db('accounts').whereNotNull('low_balance_since').whereNull('low_balance_mailed_at').limit(limit).select('id');
    const rows = await this.db('accounts').whereIn('id', ids).whereNotNull('low_balance_since').whereNull('low_balance_mailed_at')
      .update({ low_balance_mailed_at: at }).returning(COLUMNS) as Row[];
    return rows.map(toState);
  }
}
