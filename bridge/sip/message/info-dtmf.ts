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

/** The longest body read: a digit's body is a few dozen bytes; a longer one is not a digit. */
const MAX_BODY = 1024;

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
 * Reads the digit of an INFO body by its content type (lower-cased, without
 * parameters, as the parser gives it). Undefined for another content type or
 * a body that does not hold exactly one digit: a bad INFO is answered 200
 * and otherwise ignored, as before.
 */
export function parseInfoDtmf(contentType: string | undefined, body: string): InfoDtmf | undefined {
  if (body.length > MAX_BODY) return undefined;
  if (contentType === DTMF_RELAY) {
    // [ \t], not \s: with the m flag, \s* after ^ ran across line ends, and
    // a body of blank lines took time quadratic in its length (16 s for
    // 60 kB; found by fuzzing: test/fixtures/fuzz/info-dtmf/).
    const signal = /^[ \t]*Signal[ \t]*=[ \t]*(\S+)[ \t]*$/im.exec(body)?.[1];
    const duration = /^[ \t]*Duration[ \t]*=[ \t]*(\d{1,6})[ \t]*$/im.exec(body)?.[1];
    const digit = signal === undefined ? undefined : digitOf(signal);
    if (digit === undefined) return undefined;
    return { digit, durationMs: duration ? Number(duration) : undefined };
  }
  if (contentType === DTMF) {
    const t = body.trim();
    const digit = digitOf(/^Signal\s*=\s*(\S+)/i.exec(t)?.[1] ?? t);
    return digit === undefined ? undefined : { digit };
  }
  return undefined;
}

/** An application/dtmf-relay body for one digit (what the bridge sends when the peer has no telephone-event). */
export function formatInfoDtmf(digit: string, durationMs = 160): string {
  return `Signal=${digit}\r\nDuration=${durationMs}\r\n`;
}
