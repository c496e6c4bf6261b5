// "Is this room open now?" for one-off and recurring meetings.
//
// A schedule is a first start (UTC instant), a duration, an optional RFC 5545
// RRULE and an early-entry window. Recurrence is evaluated in the account's
// IANA time zone on wall-clock time: a weekly 09:00 meeting in Berlin stays at
// 09:00 local across daylight-saving changes. rrule.js works on "floating"
// dates, so we hand it wall-clock times dressed as UTC and convert each
// occurrence back to a real instant with luxon.
import rrulePkg from 'rrule';
import type { Options as RRuleOptions } from 'rrule';
import { DateTime } from 'luxon';
import { ValidationError } from '../errors.ts';

const { RRule } = rrulePkg;
type RRuleT = InstanceType<typeof RRule>;

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Frequencies the product offers (daily / weekly / monthly; yearly costs nothing extra). */
const ALLOWED_FREQ = new Set([RRule.DAILY, RRule.WEEKLY, RRule.MONTHLY, RRule.YEARLY]);

export interface ScheduleSpec {
  startsAt: Date;
  durationMinutes: number;
  /** RRULE value without DTSTART, e.g. "FREQ=WEEKLY;BYDAY=MO;COUNT=10"; null = one-off. */
  rrule: string | null;
  earlyEntryMinutes: number;
}

export interface Occurrence {
  start: Date;
  /** start + duration, before any extension. */
  end: Date;
}

/** Minutes granted to one occurrence (chair/web extension or auto-extend). */
export interface Extension {
  occurrenceStart: Date;
  minutes: number;
}

export type RoomWindow =
  | { state: 'open'; occurrence: Occurrence; opensAt: Date; closesAt: Date }
  | { state: 'not_started'; next: Occurrence; opensAt: Date }
  | { state: 'ended'; last: Occurrence | null };

export interface WindowQuery {
  now: Date;
  timeZone: string;
  extensions?: readonly Extension[];
}

function checkZone(timeZone: string): void {
  if (!DateTime.local().setZone(timeZone).isValid) throw new ValidationError(`unknown time zone ${timeZone}`, 'timeZone');
}

function toFloating(d: Date, tz: string): Date {
  const l = DateTime.fromJSDate(d, { zone: tz });
  return new Date(Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second, l.millisecond));
}

function fromFloating(f: Date, tz: string): Date {
  // Wall-clock times in a spring-forward gap are moved forward by luxon.
  return DateTime.fromObject({
    year: f.getUTCFullYear(), month: f.getUTCMonth() + 1, day: f.getUTCDate(),
    hour: f.getUTCHours(), minute: f.getUTCMinutes(), second: f.getUTCSeconds(), millisecond: f.getUTCMilliseconds(),
  }, { zone: tz }).toJSDate();
}

/** The RRULE parts we accept (DTSTART/TZID are ours to set), each value checked. */
const PART_CHECKS: Record<string, RegExp> = {
  FREQ: /^(DAILY|WEEKLY|MONTHLY|YEARLY)$/,
  INTERVAL: /^[1-9][0-9]{0,2}$/,
  COUNT: /^[1-9][0-9]{0,3}$/,
  UNTIL: /^[0-9]{8}(T[0-9]{6}Z?)?$/,
  BYDAY: /^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$/,
  BYMONTHDAY: /^-?([1-9]|[12][0-9]|3[01])$/,
  BYMONTH: /^([1-9]|1[0-2])$/,
  BYSETPOS: /^-?[1-9][0-9]{0,2}$/,
  WKST: /^(MO|TU|WE|TH|FR|SA|SU)$/,
};

/** Parse and check an RRULE value; throws ValidationError. */
export function parseRecurrence(rule: string): Partial<RRuleOptions> {
  const text = rule.trim().replace(/^RRULE:/i, '');
  if (!/^[A-Z0-9=;,+\-:]+$/i.test(text) || !/(^|;)FREQ=/i.test(text)) {
    throw new ValidationError('recurrence must be an RRULE like FREQ=WEEKLY;BYDAY=MO', 'rrule');
  }
  for (const part of text.split(';')) {
    const [key = '', value = ''] = part.toUpperCase().split('=', 2);
    const check = PART_CHECKS[key];
    if (!check) throw new ValidationError(`recurrence part ${key} is not supported`, 'rrule');
    if (!value.split(',').every((v) => check.test(v))) throw new ValidationError(`invalid ${key} in recurrence`, 'rrule');
  }
  let opts;
  try {
    opts = RRule.parseString(text);
  } catch {
    throw new ValidationError(`invalid recurrence ${rule}`, 'rrule');
  }
  if (opts.freq === undefined || !ALLOWED_FREQ.has(opts.freq)) {
    throw new ValidationError('recurrence must be daily, weekly, monthly or yearly', 'rrule');
  }
  return opts;
}

export function validateSchedule(s: ScheduleSpec, timeZone: string): void {
  checkZone(timeZone);
  if (Number.isNaN(s.startsAt.getTime())) throw new ValidationError('start time is invalid', 'startsAt');
  if (!Number.isInteger(s.durationMinutes) || s.durationMinutes <= 0) throw new ValidationError('duration must be positive whole minutes', 'durationMinutes');
  if (!Number.isInteger(s.earlyEntryMinutes) || s.earlyEntryMinutes < 0) throw new ValidationError('early entry must be 0 or more minutes', 'earlyEntryMinutes');
  if (s.rrule !== null) parseRecurrence(s.rrule);
}

class Recurrence {
  private readonly rule: RRuleT | null;
  constructor(private readonly s: ScheduleSpec, private readonly tz: string) {
    checkZone(tz);
    if (s.rrule === null) { this.rule = null; return; }
    const opts = parseRecurrence(s.rrule);
    // UNTIL is an instant; compare it on the same floating scale.
    if (opts.until) opts.until = toFloating(opts.until, tz);
    this.rule = new RRule({ ...opts, dtstart: toFloating(s.startsAt, tz) });
  }

  private occ(start: Date): Occurrence {
    return { start, end: new Date(start.getTime() + this.s.durationMinutes * MINUTE) };
  }

  /** Occurrences starting in [from, to] (real instants). */
  between(from: Date, to: Date): Occurrence[] {
    if (!this.rule) {
      const t = this.s.startsAt.getTime();
      return t >= from.getTime() && t <= to.getTime() ? [this.occ(this.s.startsAt)] : [];
    }
    // Widen by a day on the floating scale: offsets never exceed ±14 h.
    const raw = this.rule.between(new Date(toFloating(from, this.tz).getTime() - DAY), new Date(toFloating(to, this.tz).getTime() + DAY), true);
    return raw.map((f) => this.occ(fromFloating(f, this.tz)))
      .filter((o) => o.start.getTime() >= from.getTime() && o.start.getTime() <= to.getTime());
  }

  /** First occurrence starting strictly after `t`. */
  after(t: Date): Occurrence | null {
    if (!this.rule) return this.s.startsAt.getTime() > t.getTime() ? this.occ(this.s.startsAt) : null;
    let f: Date | null = new Date(toFloating(t, this.tz).getTime() - DAY);
    for (let i = 0; i < 64 && f; i++) { // a day of margin holds at most a few daily occurrences
      f = this.rule.after(f, false);
      if (f) {
        const real = fromFloating(f, this.tz);
        if (real.getTime() > t.getTime()) return this.occ(real);
      }
    }
    return null;
  }

  /** Last occurrence starting at or before `t`. */
  before(t: Date): Occurrence | null {
    if (!this.rule) return this.s.startsAt.getTime() <= t.getTime() ? this.occ(this.s.startsAt) : null;
    let f: Date | null = new Date(toFloating(t, this.tz).getTime() + DAY);
    for (let i = 0; i < 64 && f; i++) {
      f = this.rule.before(f, false);
      if (f) {
        const real = fromFloating(f, this.tz);
        if (real.getTime() <= t.getTime()) return this.occ(real);
      }
    }
    return null;
  }
}

/** Occurrences of a schedule starting within [from, to], in order. */
export function occurrencesBetween(s: ScheduleSpec, timeZone: string, from: Date, to: Date): Occurrence[] {
  return new Recurrence(s, timeZone).between(from, to);
}

function extensionFor(o: Occurrence, exts: readonly Extension[] | undefined): number {
  let minutes = 0;
  for (const e of exts ?? []) if (e.occurrenceStart.getTime() === o.start.getTime()) minutes += e.minutes;
  return minutes;
}

/**
 * Where `now` falls for this schedule: open (within early entry … end +
 * extensions of some occurrence), not started (a later occurrence exists),
 * or ended (none left).
 */
export function roomWindowAt(s: ScheduleSpec, q: WindowQuery): RoomWindow {
  const r = new Recurrence(s, q.timeZone);
  const now = q.now.getTime();
  const early = s.earlyEntryMinutes * MINUTE;
  const maxExt = (q.extensions ?? []).reduce((m, e) => Math.max(m, e.minutes), 0) * MINUTE;
  const lookBack = new Date(now - s.durationMinutes * MINUTE - maxExt);
  const candidates = r.between(lookBack, new Date(now + early));
  // Latest-starting open occurrence wins (overlaps happen with long durations).
  for (let i = candidates.length - 1; i >= 0; i--) {
    const o = candidates[i]!;
    const opensAt = new Date(o.start.getTime() - early);
    const closesAt = new Date(o.end.getTime() + extensionFor(o, q.extensions) * MINUTE);
    if (opensAt.getTime() <= now && now < closesAt.getTime()) return { state: 'open', occurrence: o, opensAt, closesAt };
  }
  const next = r.after(q.now);
  if (next) return { state: 'not_started', next, opensAt: new Date(next.start.getTime() - early) };
  return { state: 'ended', last: r.before(q.now) };
}

export function isRoomOpen(s: ScheduleSpec, q: WindowQuery): boolean {
  return roomWindowAt(s, q).state === 'open';
}

/**
 * When time runs out with people still in: minutes to extend by, or 0 to
 * end. `autoExtendMinutes` is the room's setting (0, 15, 30, 45, 60).
 */
export function autoExtendMinutes(autoExtend: number, participantsPresent: number): number {
  return participantsPresent > 0 && autoExtend > 0 ? autoExtend : 0;
}
