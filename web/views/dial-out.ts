// Dial-out refusals and alerts in words (issue 21), the same on the server's
// pages and in the mail as in the page script (web/public/js/live/alerts.js):
// "Room 7013001: dial-out cap reached (calls at once 10) — 13900139001".
import type { LiveAlert } from '../../core/alerts/store.ts';
import type { MessageKey } from '../i18n/messages.ts';
import { formatMoney } from './format.ts';

type T = (key: MessageKey, vars?: Record<string, string | number>) => string;

const REASONS = ['guest', 'class', 'blocked', 'concurrent', 'daily_cap'] as const;
const CLASSES = ['domestic_fixed', 'domestic_mobile', 'international'] as const;

/** A destination class in words (an unknown one as it is). */
export function dialOutClassText(t: T, cls: string): string {
  return (CLASSES as readonly string[]).includes(cls) ? t(`js.dialOut.cls.${cls}` as MessageKey) : cls;
}

/** Why the IVR refused a call, from the audit row's or the live event's reason and detail. */
export function refusalReasonText(t: T, reason: string, detail: string, currency: string): string {
  if (!(REASONS as readonly string[]).includes(reason)) return `${reason} ${detail}`.trim();
  const shown = reason === 'class' ? dialOutClassText(t, detail)
    : reason === 'daily_cap' && /^\d+$/.test(detail) ? formatMoney(Number(detail), currency) : detail;
  return t(`js.dialOut.${reason}` as MessageKey, { detail: shown });
}

/** A `dial_out` alert as one line: which cap, in which room, on which number. */
export function dialOutAlertText(t: T, a: Pick<LiveAlert, 'roomNumber' | 'data'>, currency: string): string {
  const limit = String(a.data.limit ?? '');
  const what = a.data.reason === 'daily_cap'
    ? t('js.live.dialOutDaily', { amount: /^\d+$/.test(limit) ? formatMoney(Number(limit), currency) : limit })
    : t('js.live.dialOutCalls', { n: limit });
  return t('js.live.dialOutAlert', { number: a.roomNumber, what, target: String(a.data.target ?? '') });
}
