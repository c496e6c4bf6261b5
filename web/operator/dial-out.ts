// Operator work against toll fraud (issue 21): an account's dial-out policy
// (classes, calls at once, daily cap), the platform's blocked prefixes, and
// the watch list of outbound spend — per account the spend in the window and
// today (in the account's own zone, as the IVR's guard counts it against the
// daily cap), the cap, and the dial-out refusals the IVR audited in the
// window. Accounts with refusals but no spend are listed too: a fraudster
// whose every call was refused spends nothing and is still worth a look.
import type { Repositories } from '../../core/repositories.ts';
import type { BlockedPrefix, DialOutPolicy, DialOutPolicyPatch } from '../../core/dial-out/store.ts';
import { dayStartIn, DIAL_OUT_REFUSED } from '../../core/dial-out/policy.ts';

/** The most refusals read for the counts (the audit store's page limit). */
const REFUSALS_READ = 1000;

export interface OutboundSpendRow {
  accountId: string;
  accountName: string;
  currency: string;
  /** Outbound legs that ended in the window: their cost and count. */
  spentMinor: number;
  calls: number;
  /** Since the start of today in the account's zone (what the daily cap is held against). */
  spentTodayMinor: number;
  dailyCapMinor: number | null;
  /** Dial-out refusals audited in the window. */
  refusals: number;
  /** Today's spend is over half the daily cap. */
  overHalfCap: boolean;
}

const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export class DialOutAdminService {
  constructor(private readonly repos: Pick<Repositories, 'dialOut' | 'accounts' | 'audit'>) {}

  /** NotFoundError when the account does not exist. */
  async policy(accountId: string): Promise<DialOutPolicy> {
    return this.repos.dialOut.policy(accountId);
  }

  async setPolicy(accountId: string, patch: { [K in keyof DialOutPolicyPatch]?: DialOutPolicyPatch[K] | undefined }): Promise<DialOutPolicy> {
    await this.repos.accounts.get(accountId);
    return this.repos.dialOut.setPolicy(accountId, defined(patch) as DialOutPolicyPatch);
  }

  async blocked(): Promise<BlockedPrefix[]> {
    return this.repos.dialOut.blocked();
  }

  /** ConflictError when already blocked. */
  async block(prefix: string, description: string): Promise<BlockedPrefix> {
    return this.repos.dialOut.block(prefix, description);
  }

  /** NotFoundError when the prefix is not blocked. */
  async unblock(prefix: string): Promise<void> {
    await this.repos.dialOut.unblock(prefix);
  }

  /** Accounts by outbound spend in the last `days` days, then those with refusals only; largest first. */
  async outboundSpend(now: Date, days: number): Promise<OutboundSpendRow[]> {
    const since = new Date(now.getTime() - days * 86_400_000);
    const [spend, refused] = await Promise.all([
      this.repos.dialOut.outboundSpend(since, { limit: 200 }),
      this.repos.audit.listAll({ action: DIAL_OUT_REFUSED, limit: REFUSALS_READ }),
    ]);
    const refusals = new Map<string, number>();
    for (const e of refused) if (e.accountId && e.at >= since) refusals.set(e.accountId, (refusals.get(e.accountId) ?? 0) + 1);
    const ids = [...spend.map((x) => x.accountId), ...[...refusals.keys()].filter((id) => !spend.some((x) => x.accountId === id))];
    const spent = new Map(spend.map((x) => [x.accountId, x]));
    return Promise.all(ids.map(async (id) => {
      const [account, policy] = await Promise.all([this.repos.accounts.get(id), this.repos.dialOut.policy(id)]);
      const spentTodayMinor = await this.repos.dialOut.spentSince(id, dayStartIn(account.timeZone, now));
      const cap = policy.dailyCapMinor;
      return {
        accountId: id, accountName: account.name, currency: account.currency,
        spentMinor: spent.get(id)?.spentMinor ?? 0, calls: spent.get(id)?.calls ?? 0, spentTodayMinor,
        dailyCapMinor: cap, refusals: refusals.get(id) ?? 0, overHalfCap: cap !== null && spentTodayMinor * 2 > cap,
      };
    }));
  }
}
