// An RFC 5545 VCALENDAR with one VEVENT (and its RRULE) for a meeting
// invitation (RFC 5546 METHOD:REQUEST) or its cancellation (METHOD:CANCEL,
// STATUS:CANCELLED). Times are local to the room's zone (DTSTART;TZID= with
// the zone's VTIMEZONE) so a recurring meeting keeps its wall-clock time
// across daylight-saving changes, as the bridge evaluates it; when the zone's
// rules cannot be written as a VTIMEZONE the times are UTC.
import { vtimezoneLines, localStamp } from './vtimezone.ts';
const fold = (line: string): string => {
  // RFC 5545 §3.1: lines longer than 75 octets are folded (CRLF + space).
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let cur = '';
  for (const ch of line) {
    if (Buffer.byteLength(cur + ch, 'utf8') > (parts.length === 0 ? 75 : 74)) { parts.push(cur); cur = ''; }
    cur += ch;
  }
  parts.push(cur);
  return parts.join('\r\n ');
};

/** RFC 5545 §3.3.11 TEXT escaping. */
export function icsText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export interface IcsEvent {
  uid: string;
  start: Date;
  end: Date;
  rrule: string | null;
  summary: string;
  description: string;
  location: string;
  organizerEmail?: string | null;
  sequence: number;
  now: Date;
  /** IANA zone of the meeting (the account's); UTC times without it. */
  timeZone?: string;
  /** REQUEST (default) or CANCEL. */
  method?: 'REQUEST' | 'CANCEL';
}

/** RFC 5545 §3.3.10: with a DATE-TIME DTSTART, UNTIL is a UTC DATE-TIME (rrule.js reads a bare UNTIL as UTC too). */
function rruleForIcs(rrule: string): string {
  return rrule.replace(/^RRULE:/i, '').split(';').map((part) => {
    const m = /^UNTIL=(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/i.exec(part);
    if (!m) return part;
    const [, y, mo, d, h = '00', mi = '00', se = '00'] = m;
    return `UNTIL=${y}${mo}${d}T${h}${mi}${se}Z`;
  }).join(';');
}

export function buildIcs(e: IcsEvent): string {
  const method = e.method ?? 'REQUEST';
  const vtimezone = e.timeZone && e.timeZone !== 'UTC' ? vtimezoneLines(e.timeZone, e.start.getUTCFullYear()) : null;
  const times = vtimezone && e.timeZone
    ? [`DTSTART;TZID=${e.timeZone}:${localStamp(e.start, e.timeZone)}`, `DTEND;TZID=${e.timeZone}:${localStamp(e.end, e.timeZone)}`]
    : [`DTSTART:${stamp(e.start)}`, `DTEND:${stamp(e.end)}`];
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//conference-bridge//web//EN', `METHOD:${method}`, 'CALSCALE:GREGORIAN',
    ...(vtimezone ?? []),
    'BEGIN:VEVENT', `UID:${e.uid}`, `SEQUENCE:${e.sequence}`, `DTSTAMP:${stamp(e.now)}`, ...times,
    ...(e.rrule ? [`RRULE:${rruleForIcs(e.rrule)}`] : []),
    ...(method === 'CANCEL' ? ['STATUS:CANCELLED'] : []),
    `SUMMARY:${icsText(e.summary)}`, `DESCRIPTION:${icsText(e.description)}`, `LOCATION:${icsText(e.location)}`,
    ...(e.organizerEmail ? [`ORGANIZER:mailto:${e.organizerEmail}`] : []),
    'END:VEVENT', 'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}
