// The owner's low-balance warning on the web (issue 14): the threshold the
// owner sets on the account page, the state the dashboard's banner shows,
// and the mail. The crossing itself is noted by core when a rated call is
// charged (core/billing/low-balance.ts noteCharge); this side sweeps for
// crossings not yet mailed, claims each (so of several web processes on one
// database one sends it) and mails every owner with an address, in their
// language, through the MailService (SMTP, or the operator's outbox).
import type { Repositories } from '../../core/repositories.ts';
import type { LowBalanceState } from '../../core/billing/low-balance.ts';
import type { StoredMail } from '../../core/outbox/store.ts';
import { moduleLogger } from '../../common/log.ts';
import { isLocale, t as translate, type Locale, type MessageKey } from '../i18n/messages.ts';
import { formatMoney } from '../views/format.ts';
import type { MailService } from '../mail/mailer.ts';

const log = moduleLogger('web', { part: 'low-balance' });

/** How often the web looks for warnings to mail (a crossing is mailed within this). */
export const DEFAULT_LOW_BALANCE_SWEEP_MS = 15_000;

export class LowBalanceService {
  constructor(private readonly repos: Pick<Repositories, 'lowBalance'>) {}

  get(accountId: string): Promise<LowBalanceState> {
    return this.repos.lowBalance.get(accountId);
  }

  setThreshold(accountId: string, thresholdMinor: number): Promise<LowBalanceState> {
    return this.repos.lowBalance.setThreshold(accountId, thresholdMinor);
  }

  /** Is the banner up? Below the threshold since a charge, and not yet at zero (that banner is the exhausted one). */
  static showsBanner(s: LowBalanceState): boolean {
    return s.lowSince !== null && s.thresholdMinor > 0 && s.balanceMinor < s.thresholdMinor;
  }
}

export class LowBalanceMailer {
  constructor(
    private readonly repos: Pick<Repositories, 'lowBalance' | 'accounts' | 'users'>,
    private readonly mail: MailService,
    private readonly now: () => Date,
    /** Also told of each crossing claimed (the balance.low webhook); its failure does not stop the mail. */
    private readonly onClaimed?: (s: LowBalanceState) => Promise<void>,
  ) {}

  /** Sweeps every `everyMs` until the returned stop is called (the timer does not keep the process alive). */
  start(everyMs: number = DEFAULT_LOW_BALANCE_SWEEP_MS): () => void {
    let running = false;
    const timer = setInterval(() => {
      if (running) return; // a slow sweep (SMTP) is not overlapped by the next
      running = true;
      this.sweep().catch((err: unknown) => log.error({ err }, 'low-balance sweep failed')).finally(() => { running = false; });
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Claims the crossings not yet mailed and mails each account's owners; the mails sent. */
  async sweep(): Promise<StoredMail[]> {
    const claimed = await this.repos.lowBalance.claimMails(this.now());
    const sent: StoredMail[] = [];
    for (const state of claimed) {
      if (this.onClaimed) await this.onClaimed(state).catch((err: unknown) => log.error({ err, account: state.accountId }, 'low-balance webhook not written'));
      sent.push(...await this.mailOwners(state));
    }
    return sent;
  }

  private async mailOwners(state: LowBalanceState): Promise<StoredMail[]> {
    const [account, users] = await Promise.all([this.repos.accounts.get(state.accountId), this.repos.users.listByAccount(state.accountId)]);
    const owners = users.filter((u) => u.role === 'owner' && u.email);
    const sent: StoredMail[] = [];
    for (const u of owners) {
      const locale: Locale = isLocale(u.locale) ? u.locale : 'zh-CN';
      const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(locale, key, vars);
      const vars = { account: account.name, balance: formatMoney(state.balanceMinor, account.currency), threshold: formatMoney(state.thresholdMinor, account.currency) };
      sent.push(await this.mail.send(account.id, { to: u.email!, subject: t('lowBalance.mail.subject', vars), text: t('lowBalance.mail.body', vars) }));
    }
    if (owners.length === 0) log.warn({ account: account.id }, 'low balance: no owner has an e-mail address');
    log.info({ account: account.id, balance: state.balanceMinor, threshold: state.thresholdMinor, mails: sent.length }, 'low-balance warning mailed');
    return sent;
  }
}
