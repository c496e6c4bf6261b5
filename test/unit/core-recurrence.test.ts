import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { occurrencesBetween, roomWindowAt, isRoomOpen, validateSchedule, autoExtendMinutes, type ScheduleSpec } from '../../core/schedule/room-window.ts';
import { ValidationError } from '../../core/errors.ts';

const at = (iso: string): Date => new Date(iso);
const isoList = (s: ScheduleSpec, tz: string, from: string, to: string): string[] =>
  occurrencesBetween(s, tz, at(from), at(to)).map((o) => o.start.toISOString());

describe('recurrence: weekly across daylight-saving changes', () => {
  // Europe/Berlin leaves CET (+1) for CEST (+2) on Sunday 2026-03-29.
  const berlin: ScheduleSpec = { startsAt: at('2026-03-16T08:00:00Z'), durationMinutes: 60, rrule: 'FREQ=WEEKLY;BYDAY=MO', earlyEntryMinutes: 10 };

  it('keeps 09:00 local time: 08:00Z before the change, 07:00Z after', () => {
    assert.deepEqual(isoList(berlin, 'Europe/Berlin', '2026-03-01T00:00:00Z', '2026-04-10T00:00:00Z'), [
      '2026-03-16T08:00:00.000Z', '2026-03-23T08:00:00.000Z', '2026-03-30T07:00:00.000Z', '2026-04-06T07:00:00.000Z',
    ]);
  });

  it('is open at 09:05 local after the change and closed at the old UTC hour', () => {
    assert.equal(isRoomOpen(berlin, { now: at('2026-03-30T07:05:00Z'), timeZone: 'Europe/Berlin' }), true);
    const w = roomWindowAt(berlin, { now: at('2026-03-30T08:05:00Z'), timeZone: 'Europe/Berlin' });
    assert.equal(w.state, 'not_started');
    assert.equal(w.state === 'not_started' && w.next.start.toISOString(), '2026-04-06T07:00:00.000Z');
  });

  it('follows the autumn change too (America/New_York, 2026-11-01)', () => {
    const ny: ScheduleSpec = { startsAt: at('2026-10-22T22:00:00Z'), durationMinutes: 90, rrule: 'FREQ=WEEKLY;BYDAY=TH;COUNT=4', earlyEntryMinutes: 0 };
    assert.deepEqual(isoList(ny, 'America/New_York', '2026-10-01T00:00:00Z', '2027-01-01T00:00:00Z'), [
      '2026-10-22T22:00:00.000Z', '2026-10-29T22:00:00.000Z', '2026-11-05T23:00:00.000Z', '2026-11-12T23:00:00.000Z',
    ]);
    assert.equal(isRoomOpen(ny, { now: at('2026-11-05T22:30:00Z'), timeZone: 'America/New_York' }), false);
    assert.equal(isRoomOpen(ny, { now: at('2026-11-05T23:30:00Z'), timeZone: 'America/New_York' }), true);
    const after = roomWindowAt(ny, { now: at('2026-11-13T02:00:00Z'), timeZone: 'America/New_York' });
    assert.equal(after.state, 'ended');
    assert.equal(after.state === 'ended' && after.last?.start.toISOString(), '2026-11-12T23:00:00.000Z');
  });

  it('uses the account time zone, not the server one', () => {
    // Same instant, same rule: in Shanghai (no DST) the hour never moves.
    const sh: ScheduleSpec = { ...berlin, startsAt: at('2026-03-16T01:00:00Z') };
    assert.deepEqual(isoList(sh, 'Asia/Shanghai', '2026-03-20T00:00:00Z', '2026-04-01T00:00:00Z'),
      ['2026-03-23T01:00:00.000Z', '2026-03-30T01:00:00.000Z']);
  });
});

describe('recurrence: monthly on the 31st', () => {
  const monthly: ScheduleSpec = { startsAt: at('2026-01-31T02:00:00Z'), durationMinutes: 60, rrule: 'FREQ=MONTHLY;BYMONTHDAY=31', earlyEntryMinutes: 10 };

  it('meets only in months that have a 31st (RFC 5545 skips invalid dates)', () => {
    assert.deepEqual(isoList(monthly, 'Asia/Shanghai', '2026-01-01T00:00:00Z', '2026-12-31T23:59:59Z').map((s) => s.slice(0, 10)), [
      '2026-01-31', '2026-03-31', '2026-05-31', '2026-07-31', '2026-08-31', '2026-10-31', '2026-12-31',
    ]);
  });

  it('says "not started" on 28 February and points at 31 March', () => {
    const w = roomWindowAt(monthly, { now: at('2026-02-28T02:00:00Z'), timeZone: 'Asia/Shanghai' });
    assert.equal(w.state, 'not_started');
    assert.equal(w.state === 'not_started' && w.next.start.toISOString(), '2026-03-31T02:00:00.000Z');
  });

  it('BYMONTHDAY=-1 gives the last day of every month instead', () => {
    const last = { ...monthly, rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1' };
    assert.deepEqual(isoList(last, 'Asia/Shanghai', '2026-01-01T00:00:00Z', '2026-04-30T23:59:59Z').map((s) => s.slice(0, 10)),
      ['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30']);
  });
});

describe('room window: early entry, duration, extension', () => {
  const oneOff: ScheduleSpec = { startsAt: at('2026-06-01T02:00:00Z'), durationMinutes: 60, rrule: null, earlyEntryMinutes: 10 };
  const tz = 'Asia/Shanghai';

  it('opens exactly at the early-entry time', () => {
    const before = roomWindowAt(oneOff, { now: at('2026-06-01T01:49:59Z'), timeZone: tz });
    assert.equal(before.state, 'not_started');
    assert.equal(before.state === 'not_started' && before.opensAt.toISOString(), '2026-06-01T01:50:00.000Z');
    assert.equal(isRoomOpen(oneOff, { now: at('2026-06-01T01:50:00Z'), timeZone: tz }), true);
  });

  it('closes at start + duration', () => {
    assert.equal(isRoomOpen(oneOff, { now: at('2026-06-01T02:59:59Z'), timeZone: tz }), true);
    const w = roomWindowAt(oneOff, { now: at('2026-06-01T03:00:00Z'), timeZone: tz });
    assert.equal(w.state, 'ended');
  });

  it('stays open through an extension of that occurrence only', () => {
    const ext = [{ occurrenceStart: at('2026-06-01T02:00:00Z'), minutes: 15 }];
    const w = roomWindowAt(oneOff, { now: at('2026-06-01T03:10:00Z'), timeZone: tz, extensions: ext });
    assert.equal(w.state, 'open');
    assert.equal(w.state === 'open' && w.closesAt.toISOString(), '2026-06-01T03:15:00.000Z');
    assert.equal(isRoomOpen(oneOff, { now: at('2026-06-01T03:15:00Z'), timeZone: tz, extensions: ext }), false);
    const other = [{ occurrenceStart: at('2026-05-01T02:00:00Z'), minutes: 15 }];
    assert.equal(isRoomOpen(oneOff, { now: at('2026-06-01T03:10:00Z'), timeZone: tz, extensions: other }), false);
  });

  it('extends a recurring occurrence without touching the next one', () => {
    const daily: ScheduleSpec = { ...oneOff, rrule: 'FREQ=DAILY;COUNT=3' };
    const ext = [{ occurrenceStart: at('2026-06-02T02:00:00Z'), minutes: 30 }];
    assert.equal(isRoomOpen(daily, { now: at('2026-06-02T03:20:00Z'), timeZone: tz, extensions: ext }), true);
    assert.equal(isRoomOpen(daily, { now: at('2026-06-03T03:20:00Z'), timeZone: tz, extensions: ext }), false);
  });

  it('keeps a 2000-hour room open for 2000 hours', () => {
    const long: ScheduleSpec = { startsAt: at('2026-01-01T00:00:00Z'), durationMinutes: 2000 * 60, rrule: null, earlyEntryMinutes: 10 };
    assert.equal(isRoomOpen(long, { now: at('2026-03-25T07:59:59Z'), timeZone: tz }), true); // +1999 h 59 m 59 s
    assert.equal(isRoomOpen(long, { now: at('2026-03-25T08:00:00Z'), timeZone: tz }), false);
  });

  it('honours UNTIL as an instant', () => {
    const s: ScheduleSpec = { ...oneOff, rrule: 'FREQ=DAILY;UNTIL=20260603T020000Z' };
    assert.equal(occurrencesBetween(s, tz, at('2026-05-01T00:00:00Z'), at('2026-07-01T00:00:00Z')).length, 3);
  });

  it('auto-extends only while people are in', () => {
    assert.equal(autoExtendMinutes(15, 3), 15);
    assert.equal(autoExtendMinutes(15, 0), 0);
    assert.equal(autoExtendMinutes(0, 3), 0);
  });

  it('rejects bad schedules with ValidationError', () => {
    for (const rrule of ['FREQ=HOURLY', 'DTSTART=20260101T000000Z;FREQ=DAILY', 'BYDAY=MO', 'FREQ=WEEKLY;BYDAY=XX', '<script>']) {
      assert.throws(() => validateSchedule({ ...oneOff, rrule }, tz), ValidationError, rrule);
    }
    assert.throws(() => validateSchedule(oneOff, 'Mars/Olympus'), ValidationError);
    assert.throws(() => validateSchedule({ ...oneOff, durationMinutes: 0 }, tz), ValidationError);
    assert.doesNotThrow(() => validateSchedule({ ...oneOff, rrule: 'RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10' }, tz));
  });
});
