// An RFC 5545 §3.6.5 VTIMEZONE for an IANA zone, built from the zone rules
// Node's Intl carries (through luxon): the offset changes of one year are
// found by scanning day by day and bisecting to the minute; each becomes a
// STANDARD or DAYLIGHT component with a yearly RRULE "n-th (or last) weekday
// of the month". A zone without changes (Asia/Shanghai) is one STANDARD
// component. When the changes do not follow such a rule in the year before
// and after (some zones move by decree), null is returned and the caller
// writes UTC times instead: wrong local rules would be worse than UTC.
import { DateTime } from 'luxon';

const DAY = 86_400_000;
const MINUTE = 60_000;
const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

interface Transition {
  /** The instant of the change. */
  at: number;
  /** Offsets in minutes east of UTC. */
  from: number;
  to: number;
}

interface YearlyRule { month: number; weekday: number; nth: number; minuteOfDay: number }

const offsetAt = (tz: string, ms: number): number => DateTime.fromMillis(ms, { zone: tz }).offset;

function transitionsIn(tz: string, year: number): Transition[] {
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const out: Transition[] = [];
  let prev = offsetAt(tz, start);
  for (let t = start + DAY; t <= end; t += DAY) { // ≤ 366 steps
    const cur = offsetAt(tz, t);
    if (cur === prev) continue;
    let lo = t - DAY;
    let hi = t;
    while (hi - lo > MINUTE) { // ≤ 11 halvings from a day to a minute
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (mid <= lo) break;
      if (offsetAt(tz, mid) === prev) lo = mid; else hi = mid;
    }
    out.push({ at: hi, from: prev, to: cur });
    prev = cur;
  }
  return out;
}

/** The change as a wall-clock rule in the offset before it (RFC 5545: DTSTART of an onset is local time in TZOFFSETFROM). */
function ruleOf(t: Transition): YearlyRule {
  const local = new Date(t.at + t.from * MINUTE);
  const day = local.getUTCDate();
  const daysInMonth = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth() + 1, 0)).getUTCDate();
  return {
    month: local.getUTCMonth() + 1, weekday: (local.getUTCDay() + 6) % 7,
    nth: day + 7 > daysInMonth ? -1 : Math.ceil(day / 7), minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes(),
  };
}

/** The rule's date in `year` (UTC midnight on the floating scale). */
function dateOfRule(r: YearlyRule, year: number): Date {
  if (r.nth > 0) {
    const first = new Date(Date.UTC(year, r.month - 1, 1));
    const shift = (r.weekday - (first.getUTCDay() + 6) % 7 + 7) % 7;
    return new Date(Date.UTC(year, r.month - 1, 1 + shift + (r.nth - 1) * 7));
  }
  const last = new Date(Date.UTC(year, r.month, 0));
  const back = ((last.getUTCDay() + 6) % 7 - r.weekday + 7) % 7;
  return new Date(Date.UTC(year, r.month - 1, last.getUTCDate() - back));
}

const sameRule = (a: YearlyRule, b: YearlyRule): boolean =>
  a.month === b.month && a.weekday === b.weekday && a.nth === b.nth && a.minuteOfDay === b.minuteOfDay;

export function icsOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

const floatingStamp = (d: Date, minuteOfDay = 0): string => {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}T${p(Math.floor(minuteOfDay / 60))}${p(minuteOfDay % 60)}00`;
};

/**
 * VTIMEZONE lines for `tz` as its rules stand in `year` (checked against the
 * years around it), or null when they cannot be written as yearly rules.
 */
export function vtimezoneLines(tz: string, year: number): string[] | null {
  if (!DateTime.local().setZone(tz).isValid) return null;
  const now = transitionsIn(tz, year);
  if (now.length === 0) {
    // No change this year, nor in the years around it: one fixed offset.
    if (transitionsIn(tz, year - 1).length > 0 || transitionsIn(tz, year + 1).length > 0) return null;
    const off = icsOffset(offsetAt(tz, Date.UTC(year, 6, 1)));
    return ['BEGIN:VTIMEZONE', `TZID:${tz}`, 'BEGIN:STANDARD', 'DTSTART:19700101T000000', `TZOFFSETFROM:${off}`, `TZOFFSETTO:${off}`, 'END:STANDARD', 'END:VTIMEZONE'];
  }
  if (now.length !== 2) return null;
  const rules = now.map(ruleOf);
  for (const y of [year - 1, year + 1]) {
    const other = transitionsIn(tz, y);
    if (other.length !== 2 || !other.every((t, i) => sameRule(ruleOf(t), rules[i]!) && t.from === now[i]!.from && t.to === now[i]!.to)) return null;
  }
  const lines = ['BEGIN:VTIMEZONE', `TZID:${tz}`];
  now.forEach((t, i) => {
    const r = rules[i]!;
    const kind = t.to > t.from ? 'DAYLIGHT' : 'STANDARD';
    lines.push(`BEGIN:${kind}`, `DTSTART:${floatingStamp(dateOfRule(r, 1970), r.minuteOfDay)}`,
      `RRULE:FREQ=YEARLY;BYMONTH=${r.month};BYDAY=${r.nth}${WEEKDAYS[r.weekday]}`,
      `TZOFFSETFROM:${icsOffset(t.from)}`, `TZOFFSETTO:${icsOffset(t.to)}`, `END:${kind}`);
  });
  lines.push('END:VTIMEZONE');
  return lines;
}

/** Wall-clock time of `d` in `tz` as an RFC 5545 local DATE-TIME (for DTSTART;TZID=…). */
export function localStamp(d: Date, tz: string): string {
  return DateTime.fromJSDate(d, { zone: tz }).toFormat("yyyyMMdd'T'HHmmss");
}
