// DTMF carried in the body of a SIP INFO request (RFC 6086 transports it; the
// bodies are de-facto formats, not RFCs): what phones that cannot send RFC
// 4733 telephone-events send instead.
//
//   application/dtmf-relay   Signal=5\r\nDuration=160\r\n   (Cisco, most PBXs)
//   application/dtmf         5                              (a bare digit)
//
// Both may write * # A–D as the RFC 4733 event codes 10–15.

/** The digits a telephone keypad (and RFC 4733 events 0–15) can send. */
const DIGITS = '0123456789*#ABCD';
/** RFC 2833/4733 event codes 10–15 as some INFO senders write them. */
const SIGNAL_ALIASES: ReadonlyMap<string, string> = new Map([['10', '*'], ['11', '#'], ['12', 'A'], ['13', 'B'], ['14', 'C'], ['15', 'D']]);

export const DTMF_RELAY = 'application/dtmf-relay';
export const DTMF = 'application/dtmf';

export interface InfoDtmf {
  /** One of 0–9, *, #, A–D. */
  digit: string;
  /** The Duration line of a dtmf-relay body, ms, when present. */
  durationMs?: number;
}

function digitOf(signal: string): string | undefined {
  const digit = SIGNAL_ALIASES.get(signal) ?? signal.toUpperCase();
  return digit.length === 1 && DIGITS.includes(digit) ? digit : undefined;
}

/**
 * Longest INFO body read for a digit: a dtmf-relay body is about 25 bytes
 * ("Signal=5\r\nDuration=160\r\n"); anything much longer is not a key.
 * Bounded so that a caller cannot make the main thread read 64 KiB bodies
 * (the regular expressions this file once used took 12 s on 60 KB of newlines).
 */
export const MAX_INFO_DTMF_BODY = 1024;

/** The value of the first `name = value` line of a body (name case-insensitive), trimmed; lines scanned once. */
function field(lines: readonly string[], name: string): string | undefined {
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq > 0 && line.slice(0, eq).trim().toLowerCase() === name) return line.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Reads the digit of an INFO body by its content type (lower-cased, without
 * parameters, as the parser gives it). Undefined for another content type, a
 * body over MAX_INFO_DTMF_BODY, or a body that does not hold exactly one
 * digit: a bad INFO is answered 200 and otherwise ignored, as before.
 */
export function parseInfoDtmf(contentType: string | undefined, body: string): InfoDtmf | undefined {
  if (body.length > MAX_INFO_DTMF_BODY) return undefined;
  if (contentType === DTMF_RELAY) {
    const lines = body.split(/\r\n|\r|\n/);
    const signal = field(lines, 'signal');
    const duration = field(lines, 'duration');
    const digit = signal === undefined || /\s/.test(signal) ? undefined : digitOf(signal);
    if (digit === undefined) return undefined;
    return { digit, durationMs: duration !== undefined && /^\d{1,6}$/.test(duration) ? Number(duration) : undefined };
  }
  if (contentType === DTMF) {
    const t = body.trim();
    const signal = /^signal\s*=/i.test(t) ? field([t.split(/\r\n|\r|\n/)[0]!], 'signal') : t;
    const digit = signal === undefined || /\s/.test(signal) ? undefined : digitOf(signal);
    return digit === undefined ? undefined : { digit };
  }
  return undefined;
}

/** An application/dtmf-relay body for one digit (what the bridge sends when the peer has no telephone-event). */
export function formatInfoDtmf(digit: string, durationMs = 160): string {
  return `Signal=${digit}\r\nDuration=${durationMs}\r\n`;
}
