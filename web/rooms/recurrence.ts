// The recurrence a person picks in the form (daily / weekly on days /
// monthly; until a date or a count) ↔ the RFC 5545 RRULE the room stores.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { ValidationError } from '../../core/errors.ts';

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = typeof WEEKDAYS[number];

export const recurrenceSchema = z.object({
  freq: z.enum(['none', 'daily', 'weekly', 'monthly']),
  interval: z.number().int().min(1).max(99).default(1),
  /** Weekly: the days (default: the start's weekday). */
  byDay: z.array(z.enum(WEEKDAYS)).max(7).default([]),
  end: z.enum(['never', 'until', 'count']).default('never'),
  /** Last day (YYYY-MM-DD, in the account's zone), with end = until. */
  until: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** Number of meetings, with end = count. */
  count: z.number().int().min(1).max(999).optional(),
});
export type RecurrenceInput = z.output<typeof recurrenceSchema>;

/** The RRULE value (no DTSTART) or null for a one-off meeting. */
export function toRRule(r: RecurrenceInput, startsAt: Date, timeZone: string): string | null {
  if (r.freq === 'none') return null;
  const parts = [`FREQ=${r.freq.toUpperCase()}`];
  if (r.interval > 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.freq === 'weekly') {
    const start = DateTime.fromJSDate(startsAt, { zone: timeZone });
    const days = r.byDay.length > 0 ? WEEKDAYS.filter((d) => r.byDay.includes(d)) : [WEEKDAYS[start.weekday - 1]!];
    parts.push(`BYDAY=${days.join(',')}`);
  }
  if (r.end === 'until') {
    if (!r.until) throw new ValidationError('choose the last date of the series', 'recurrence.until');
    const last = DateTime.fromISO(r.until, { zone: timeZone }).endOf('day');
    if (!last.isValid) throw new ValidationError('the last date is invalid', 'recurrence.until');
    if (last.toMillis() < startsAt.getTime()) throw new ValidationError('the last date is before the start', 'recurrence.until');
    parts.push(`UNTIL=${last.toUTC().toFormat("yyyyMMdd'T'HHmmss'Z'")}`);
  } else if (r.end === 'count') {
    if (!r.count) throw new ValidationError('enter how many meetings', 'recurrence.count');
    parts.push(`COUNT=${r.count}`);
  }
  return parts.join(';');
}

/** The form's view of a stored RRULE (unknown parts are ignored). */
export function fromRRule(rrule: string | null, timeZone: string): RecurrenceInput {
  const out: RecurrenceInput = { freq: 'none', interval: 1, byDay: [], end: 'never' };
  if (!rrule) return out;
  for (const part of rrule.split(';')) {
    const [k = '', v = ''] = part.split('=', 2);
    switch (k.toUpperCase()) {
      case 'FREQ': {
        const f = v.toLowerCase();
        if (f === 'daily' || f === 'weekly' || f === 'monthly') out.freq = f;
        break;
      }
      case 'INTERVAL': out.interval = Number(v) || 1; break;
      case 'BYDAY': out.byDay = v.split(',').filter((d): d is Weekday => (WEEKDAYS as readonly string[]).includes(d)); break;
      case 'COUNT': out.end = 'count'; out.count = Number(v); break;
      case 'UNTIL': {
        const d = DateTime.fromFormat(v.replace(/Z$/, ''), v.includes('T') ? "yyyyMMdd'T'HHmmss" : 'yyyyMMdd', { zone: 'utc' });
        if (d.isValid) { out.end = 'until'; out.until = d.setZone(timeZone).toISODate() ?? undefined; }
        break;
      }
      default: break;
    }
  }
  return out;
}
