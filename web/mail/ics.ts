// An RFC 5545 VCALENDAR with one VEVENT (and its RRULE) for a meeting invitation.
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
}

export function buildIcs(e: IcsEvent): string {
  const lines = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//conference-bridge//web//EN', 'METHOD:REQUEST', 'CALSCALE:GREGORIAN',
    'BEGIN:VEVENT', `UID:${e.uid}`, `SEQUENCE:${e.sequence}`, `DTSTAMP:${stamp(e.now)}`, `DTSTART:${stamp(e.start)}`, `DTEND:${stamp(e.end)}`,
    ...(e.rrule ? [`RRULE:${e.rrule}`] : []),
    `SUMMARY:${icsText(e.summary)}`, `DESCRIPTION:${icsText(e.description)}`, `LOCATION:${icsText(e.location)}`,
    ...(e.organizerEmail ? [`ORGANIZER:mailto:${e.organizerEmail}`] : []),
    'END:VEVENT', 'END:VCALENDAR',
  ];
  return lines.map(fold).join('\r\n') + '\r\n';
}
