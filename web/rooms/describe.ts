// A stored RRULE in words, for the room pages and the invitation.
import { t, type Locale, type MessageKey } from '../i18n/messages.ts';
import { fromRRule, type Weekday } from './recurrence.ts';

const DAY_KEYS: Record<Weekday, MessageKey> = {
  MO: 'day.MO', TU: 'day.TU', WE: 'day.WE', TH: 'day.TH', FR: 'day.FR', SA: 'day.SA', SU: 'day.SU',
};

export function describeRecurrence(rrule: string | null, timeZone: string, locale: Locale): string {
  const r = fromRRule(rrule, timeZone);
  if (r.freq === 'none') return t(locale, 'recur.none');
  const every = r.freq === 'daily' ? t(locale, 'recur.everyDays', { n: r.interval })
    : r.freq === 'weekly' ? t(locale, 'recur.everyWeeks', { n: r.interval, days: r.byDay.map((d) => t(locale, DAY_KEYS[d])).join(locale === 'en' ? ', ' : '、') })
      : t(locale, 'recur.everyMonths', { n: r.interval });
  const end = r.end === 'until' && r.until ? t(locale, 'recur.until', { date: r.until })
    : r.end === 'count' && r.count ? t(locale, 'recur.count', { n: r.count }) : '';
  return end ? `${every}, ${end}` : every;
}
