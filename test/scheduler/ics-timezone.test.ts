// .ics round trip (issue 14): buildIcs writes local times with the zone's
// VTIMEZONE; ical.js (an independent RFC 5545 reader) parses them back and
// must land on the same instants the bridge opens the room at — in a zone
// without daylight saving (Asia/Shanghai) and across New York's changes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import { buildIcs } from '../../web/mail/ics.ts';
import { vtimezoneLines } from '../../web/mail/vtimezone.ts';
import { occurrencesBetween } from '../../core/schedule/room-window.ts';

const at = (iso: string): Date => new Date(iso);

function ics(start: string, minutes: number, tz: string, rrule: string | null, extra: Partial<Parameters<typeof buildIcs>[0]> = {}): string {
  const s = at(start);
  return buildIcs({
    uid: 'room-1@conference-bridge', start: s, end: new Date(s.getTime() + minutes * 60_000), rrule, summary: '周会; weekly, sync',
    description: 'line 1\nline 2', location: '+86 10 1234 · room 12345678', sequence: 3, now: at('2026-01-05T00:00:00Z'), timeZone: tz, ...extra,
  });
}

/** Parses with ical.js, registering the file's own VTIMEZONEs (nothing from ical.js's built-ins). */
function parse(text: string): { cal: ICAL.Component; event: ICAL.Event } {
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const vtz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz);
  const vevent = cal.getFirstSubcomponent('vevent');
  assert.ok(vevent, 'a VEVENT');
  return { cal, event: new ICAL.Event(vevent) };
}

function expand(event: ICAL.Event, count: number): string[] {
  const it = event.iterator();
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const next = it.next();
    if (!next) break;
    out.push(next.toJSDate().toISOString());
  }
  return out;
}

describe('.ics times round-trip through ical.js', () => {
  it('Asia/Shanghai (no daylight saving): DTSTART;TZID at 09:00 local is 01:00Z', () => {
    const text = ics('2026-03-02T01:00:00Z', 90, 'Asia/Shanghai', null);
    assert.match(text, /\r\nDTSTART;TZID=Asia\/Shanghai:20260302T090000\r\n/);
    assert.match(text, /\r\nTZOFFSETTO:\+0800\r\n/);
    const { event } = parse(text);
    assert.equal(event.startDate.toJSDate().toISOString(), '2026-03-02T01:00:00.000Z');
    assert.equal(event.endDate.toJSDate().toISOString(), '2026-03-02T02:30:00.000Z');
    assert.equal(event.summary, '周会; weekly, sync');
    assert.equal(event.sequence, 3);
  });

  it('America/New_York weekly at 09:00 keeps 09:00 across the March and November changes, as the bridge does', () => {
    const start = '2026-02-23T14:00:00Z'; // Monday 09:00 EST
    const rrule = 'FREQ=WEEKLY;BYDAY=MO;COUNT=40';
    const text = ics(start, 60, 'America/New_York', rrule);
    assert.match(text, /\r\nDTSTART;TZID=America\/New_York:20260223T090000\r\n/);
    assert.match(text, /BEGIN:DAYLIGHT\r\nDTSTART:19700308T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400/);
    assert.match(text, /BEGIN:STANDARD\r\nDTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500/);
    const { event } = parse(text);
    const fromIcal = expand(event, 40);
    const fromBridge = occurrencesBetween({ startsAt: at(start), durationMinutes: 60, rrule, earlyEntryMinutes: 10 }, 'America/New_York',
      at('2026-01-01T00:00:00Z'), at('2027-12-31T00:00:00Z')).map((o) => o.start.toISOString());
    assert.equal(fromIcal.length, 40);
    assert.deepEqual(fromIcal, fromBridge);
    // Spot checks: the first Monday after each change.
    assert.ok(fromIcal.includes('2026-03-02T14:00:00.000Z'));
    assert.ok(fromIcal.includes('2026-03-09T13:00:00.000Z'));
    assert.ok(fromIcal.includes('2026-10-26T13:00:00.000Z'));
    assert.ok(fromIcal.includes('2026-11-02T14:00:00.000Z'));
  });

  it('a one-off New York meeting on a summer date (EDT, -04:00) and on the fall-back day', () => {
    assert.equal(parse(ics('2026-07-06T13:00:00Z', 60, 'America/New_York', null)).event.startDate.toJSDate().toISOString(), '2026-07-06T13:00:00.000Z');
    // 2026-11-01: 01:00–02:00 happens twice; 10:00 local is after the change (EST).
    const text = ics('2026-11-01T15:00:00Z', 60, 'America/New_York', null);
    assert.match(text, /DTSTART;TZID=America\/New_York:20261101T100000/);
    assert.equal(parse(text).event.startDate.toJSDate().toISOString(), '2026-11-01T15:00:00.000Z');
  });

  it('a southern-hemisphere zone (Australia/Sydney) round-trips too', () => {
    const start = '2026-03-30T22:00:00Z'; // Tuesday 09:00 AEDT (+11)
    const rrule = 'FREQ=WEEKLY;BYDAY=TU;COUNT=30';
    const { event } = parse(ics(start, 30, 'Australia/Sydney', rrule));
    const fromBridge = occurrencesBetween({ startsAt: at(start), durationMinutes: 30, rrule, earlyEntryMinutes: 0 }, 'Australia/Sydney',
      at('2026-01-01T00:00:00Z'), at('2027-12-31T00:00:00Z')).map((o) => o.start.toISOString());
    assert.deepEqual(expand(event, 30), fromBridge);
  });

  it('UTC (or no zone) writes UTC times; a bare UNTIL becomes a UTC DATE-TIME', () => {
    const text = ics('2026-03-02T01:00:00Z', 60, 'UTC', 'FREQ=DAILY;UNTIL=20260310');
    assert.match(text, /\r\nDTSTART:20260302T010000Z\r\n/);
    assert.match(text, /\r\nRRULE:FREQ=DAILY;UNTIL=20260310T000000Z\r\n/);
    assert.doesNotMatch(text, /VTIMEZONE/);
    assert.equal(expand(parse(text).event, 20).length, 8);
  });

  it('a cancellation is METHOD:CANCEL with STATUS:CANCELLED and the same UID', () => {
    const text = ics('2026-03-02T01:00:00Z', 60, 'Asia/Shanghai', null, { method: 'CANCEL', sequence: 4 });
    const { cal, event } = parse(text);
    assert.equal(cal.getFirstPropertyValue('method'), 'CANCEL');
    assert.equal(cal.getFirstSubcomponent('vevent')!.getFirstPropertyValue('status'), 'CANCELLED');
    assert.equal(event.uid, 'room-1@conference-bridge');
    assert.equal(event.sequence, 4);
  });

  it('an unknown zone gives no VTIMEZONE (the caller falls back to UTC)', () => {
    assert.equal(vtimezoneLines('Mars/Olympus_Mons', 2026), null);
    assert.match(ics('2026-03-02T01:00:00Z', 60, 'Mars/Olympus_Mons', null), /\r\nDTSTART:20260302T010000Z\r\n/);
  });
});
