// Report periods in the account's time zone: a calendar month, the last
// seven days, or a range of whole days.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';
import { isoDate, month } from '../http/schemas.ts';

export const periodQuery = z.object({
  period: z.enum(['month', 'lastweek', 'range']).default('month'),
  /** period=month: YYYY-MM (default: this month). */
  month: month.optional(),
  /** period=range: first and last day, inclusive. */
  from: isoDate.optional(),
  to: isoDate.optional(),
});
export type PeriodQuery = z.output<typeof periodQuery>;

export interface Period {
  kind: 'month' | 'lastweek' | 'range';
  from: Date;
  /** Exclusive. */
  to: Date;
  /** For the form: the month or days shown. */
  month: string;
  fromDay: string;
  toDay: string;
}

const MAX_RANGE_DAYS = 400;

/** The last `days` days up to today, as the account's zone counts days (a UTC date would miss the evening's calls east of Greenwich). */
export function lastDays(days: number, timeZone: string, now: Date): { from: string; to: string } {
  const today = DateTime.fromJSDate(now, { zone: timeZone });
  return { from: today.minus({ days }).toISODate() ?? '', to: today.toISODate() ?? '' };
}

export function resolvePeriod(q: PeriodQuery, timeZone: string, now: Date): Period {
  const today = DateTime.fromJSDate(now, { zone: timeZone });
  let from: DateTime;
  let to: DateTime;
  if (q.period === 'lastweek') {
    to = today;
    from = today.minus({ days: 7 });
  } else if (q.period === 'range') {
    if (!q.from || !q.to) throw new ValidationError('choose the first and the last day', 'from');
    from = DateTime.fromISO(q.from, { zone: timeZone }).startOf('day');
    to = DateTime.fromISO(q.to, { zone: timeZone }).startOf('day').plus({ days: 1 });
    if (!from.isValid || !to.isValid) throw new ValidationError('invalid date', 'from');
    if (to <= from) throw new ValidationError('the last day is before the first', 'to');
    if (to.diff(from, 'days').days > MAX_RANGE_DAYS) throw new ValidationError(`at most ${MAX_RANGE_DAYS} days`, 'to');
  } else {
    from = q.month ? DateTime.fromFormat(q.month, 'yyyy-MM', { zone: timeZone }) : today.startOf('month');
    if (!from.isValid) throw new ValidationError('invalid month', 'month');
    to = from.plus({ months: 1 });
  }
  return {
    kind: q.period, from: from.toJSDate(), to: to.toJSDate(), month: from.toFormat('yyyy-MM'),
    fromDay: from.toISODate() ?? '', toDay: to.minus({ milliseconds: 1 }).toISODate() ?? '',
  };
}
