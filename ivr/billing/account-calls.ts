// The per-account budget while calls run (issue 13, "Money"): each account's
// open answered paid legs, the balance read when its first leg answered
// (minus what its already-ended legs cost, which the CDR close debits), and
// on the IVR clock: `balance-low` to every leg of the account one minute
// before the balance runs out, then every paid leg ended at the exhaustion
// instant (account-budget.ts exhaustionAt). The cut lands 500 ms before the
// increment boundary so the CDR close (ceil to whole seconds, then whole
// increments) charges no further increment: balance_after stays >= 0.
// Recomputed when a leg answers or ends. Never throws into a call.
import type { CallLeg } from '../../bridge/port.ts';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import type { Logger } from '../../common/log.ts';
import { Q850_NOT_AUTHORISED } from '../../core/billing/balance.ts';
import { findRate, type Rate } from '../../core/billing/rating.ts';
import { promptPath, type PromptLang } from '../prompts/catalog.ts';
import { exhaustionAt, legCostAt, type OpenLeg } from './account-budget.ts';

export const WARN_BEFORE_MS = 60_000;
const CUT_EARLY_MS = 500;

interface Tracked extends OpenLeg { leg: CallLeg; lang: PromptLang }

interface AccountBudget {
  balanceMinor: number;
  legs: Tracked[];
  timers: TimerHandle[];
  warnedFor: number | null;
}

export interface AccountCallsDeps {
  accounts: { get(accountId: string): Promise<{ balanceMinor: number }> };
  rates: { list(): Promise<Rate[]> };
  homeRegion?: string;
  clock: Clock;
  log: Logger;
  /** How long before the balance runs out `balance-low` plays (default WARN_BEFORE_MS). */
  warnBeforeMs?: number;
}

export class AccountCalls {
  private readonly budgets = new Map<string, AccountBudget>();
  private readonly loading = new Map<string, Promise<AccountBudget>>();

  constructor(private readonly d: AccountCallsDeps) {}

  /** The open legs of an account (for the money check before a new call). */
  openLegs(accountId: string): readonly OpenLeg[] {
    return this.budgets.get(accountId)?.legs ?? [];
  }

  /** A leg the bridge placed to `e164` answered: track it at its dial-out rate. Logs, never throws. */
  async answeredOut(accountId: string, leg: CallLeg, e164: string | null, lang: PromptLang): Promise<void> {
    if (e164 === null) return;
    try {
      const rate = findRate(await this.d.rates.list(), 'out', { kind: 'number', e164, homeRegion: this.d.homeRegion ?? 'CN' });
      if (rate) await this.answered(accountId, leg, rate, lang);
    } catch (err) {
      this.d.log.error({ err, accountId }, 'account budget: rate not read; the leg is not watched');
    }
  }

  /** A dial-in leg on an access number, answered `agoMs` ago, now known to be the account's: track it at the access number's rate. */
  async answeredIn(accountId: string, leg: CallLeg, accessNumberId: string, lang: PromptLang, agoMs: number): Promise<void> {
    try {
      const rate = findRate(await this.d.rates.list(), 'in', { kind: 'access_number', accessNumberId });
      if (rate) await this.answered(accountId, leg, rate, lang, Math.max(0, agoMs));
    } catch (err) {
      this.d.log.error({ err, accountId }, 'account budget: rate not read; the leg is not watched');
    }
  }

  /** A paid leg of the account answered (its rate known) `agoMs` ago: track it until it ends. Logs, never throws. */
  async answered(accountId: string, leg: CallLeg, rate: Pick<Rate, 'perMinuteMinor' | 'incrementS'>, lang: PromptLang, agoMs = 0): Promise<void> {
    if (rate.perMinuteMinor === 0 || leg.ended) return;
    const answeredAtMs = this.d.clock.now() - agoMs;
    let b: AccountBudget;
    try {
      b = await this.budget(accountId);
    } catch (err) {
      this.d.log.error({ err, accountId }, 'account budget: balance not read; the leg is not watched');
      return;
    }
    if (leg.ended) return;
    const t: Tracked = { leg, lang, perMinuteMinor: rate.perMinuteMinor, incrementS: rate.incrementS, answeredAtMs };
    b.legs.push(t);
    leg.on('hangup', () => this.ended(accountId, t));
    this.schedule(accountId, b);
  }

  private async budget(accountId: string): Promise<AccountBudget> {
    const have = this.budgets.get(accountId);
    if (have) return have;
    let p = this.loading.get(accountId);
    if (!p) {
      p = this.d.accounts.get(accountId).then((a) => {
        const b: AccountBudget = { balanceMinor: a.balanceMinor, legs: [], timers: [], warnedFor: null };
        this.budgets.set(accountId, b);
        return b;
      }).finally(() => this.loading.delete(accountId));
      this.loading.set(accountId, p);
    }
    return p;
  }

  private ended(accountId: string, t: Tracked): void {
    const b = this.budgets.get(accountId);
    if (!b) return;
    const i = b.legs.indexOf(t);
    if (i < 0) return;
    b.legs.splice(i, 1);
    b.balanceMinor -= legCostAt(t, this.d.clock.now());
    if (b.legs.length === 0) {
      for (const h of b.timers) this.d.clock.clearTimer(h);
      this.budgets.delete(accountId);
      return;
    }
    this.schedule(accountId, b);
  }

  private schedule(accountId: string, b: AccountBudget): void {
    for (const h of b.timers) this.d.clock.clearTimer(h);
    b.timers = [];
    const now = this.d.clock.now();
    const at = exhaustionAt(b.balanceMinor, b.legs, now);
    if (at === null) return;
    const cutAt = Math.max(now, at - CUT_EARLY_MS);
    if (b.warnedFor !== at) {
      b.timers.push(this.d.clock.setTimer(Math.max(0, cutAt - (this.d.warnBeforeMs ?? WARN_BEFORE_MS) - now), () => this.warn(accountId, b, at)));
    }
    b.timers.push(this.d.clock.setTimer(cutAt - now, () => this.cut(accountId, b)));
  }

  private warn(accountId: string, b: AccountBudget, at: number): void {
    b.warnedFor = at;
    this.d.log.info({ accountId, legs: b.legs.length }, 'balance low: warning every leg');
    for (const t of b.legs) {
      void t.leg.play({ file: promptPath('balance-low', t.lang) }).catch((err: unknown) => this.d.log.warn({ err }, 'balance-low not played'));
    }
  }

  private cut(accountId: string, b: AccountBudget): void {
    this.d.log.info({ accountId, legs: b.legs.length }, 'balance exhausted: ending the account\'s paid legs');
    for (const t of [...b.legs]) {
      if (!t.leg.ended) void t.leg.hangup(Q850_NOT_AUTHORISED).catch((err: unknown) => this.d.log.warn({ err }, 'hangup failed'));
    }
  }
}
