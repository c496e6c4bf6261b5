// Mail to an account's owners when the IVR raises a `dial_out` alert (issue
// 21: calls at once or spend today reached the cap). The hook is the live
// bus: the web hears every account's events (EVERY_ACCOUNT) and takes the
// `dial-out-refused` ones that carry an alertId — the guard raised the alert
// for that refusal (ivr/billing/dial-out-guard.ts). The alert is claimed
// first (AlertStore.claimMail), so of several web processes on one database
// one sends it. Each owner with an e-mail address gets the mail in their
// language through the MailService: sent over SMTP, or kept in the outbox.
// Without a bus (no bridge attached) there is nothing to hear.
import type { Repositories } from '../../core/repositories.ts';
import { EVERY_ACCOUNT, type LiveBus, type Unsubscribe } from '../../core/live/live.ts';
import type { StoredMail } from '../../core/outbox/store.ts';
import { moduleLogger } from '../../common/log.ts';
import { isLocale, t as translate, type Locale, type MessageKey } from '../i18n/messages.ts';
import { dialOutAlertText } from '../views/dial-out.ts';
import { formatDateTime } from '../views/format.ts';
import type { MailService } from './mailer.ts';

const log = moduleLogger('web', { part: 'dial-out-mail' });

export class DialOutAlertMailer {
  constructor(
    private readonly repos: Pick<Repositories, 'alerts' | 'accounts' | 'users'>,
    private readonly mail: MailService,
    private readonly now: () => Date,
  ) {}

  /** Mails each dial-out alert the bus reports, from now on. */
  watch(bus: LiveBus): Unsubscribe {
    return bus.subscribe({ accountId: EVERY_ACCOUNT }, (e) => {
      if (e.type !== 'dial-out-refused' || !e.alertId) return;
      this.send(e.alertId).catch((err: unknown) => log.error({ err, alertId: e.alertId, account: e.accountId }, 'dial-out alert mail failed'));
    });
  }

  /** Mails the alert to the account's owners; nothing when it was mailed already (or is unknown). */
  async send(alertId: string): Promise<StoredMail[]> {
    const alert = await this.repos.alerts.claimMail(alertId, this.now());
    if (!alert || alert.kind !== 'dial_out') return [];
    const [account, users] = await Promise.all([this.repos.accounts.get(alert.accountId), this.repos.users.listByAccount(alert.accountId)]);
    const owners = users.filter((u) => u.role === 'owner' && u.email);
    const sent: StoredMail[] = [];
    for (const u of owners) {
      const locale: Locale = isLocale(u.locale) ? u.locale : 'zh-CN';
      const t = (key: MessageKey, vars?: Record<string, string | number>) => translate(locale, key, vars);
      sent.push(await this.mail.send(account.id, {
        to: u.email!,
        subject: t('dialOut.mail.subject', { account: account.name }),
        text: t('dialOut.mail.body', { alert: dialOutAlertText(t, alert, account.currency), time: formatDateTime(alert.raisedAt, account.timeZone, locale) }),
      }));
    }
    log.info({ alertId, account: account.id, mails: sent.length }, 'dial-out alert mailed to the owners');
    return sent;
  }
}
