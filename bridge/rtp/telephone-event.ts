// RFC 4733 telephone-event payload (DTMF over RTP): parse, serialise, a
// receiver that reports each keypress exactly once, and the sender's packet
// sequence for one digit.
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     event     |E|R| volume    |          duration             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// event: 0–9, 10 '*', 11 '#', 12–15 'A'–'D' (§3.2); volume: −dBm0, 0–63;
// duration: in timestamp units since the event's timestamp (§2.3.5).
import { ParseError } from '../../common/errors.ts';

export const DTMF_DIGITS = '0123456789*#ABCD';
export const TELEPHONE_EVENT_SIZE = 4;

export interface TelephoneEvent {
  event: number;
  end: boolean;
  /** Power level as −dBm0 (0–63). */
  volume: number;
  /** Timestamp units (8 kHz: 1/8 ms). */
  duration: number;
}

export function digitToEvent(digit: string): number {
  const i = digit.length === 1 ? DTMF_DIGITS.indexOf(digit.toUpperCase()) : -1;
  if (i < 0) throw new RangeError(`not a DTMF digit: ${JSON.stringify(digit)}`);
  return i;
}

/** The DTMF digit of an event code, or undefined for other events (flash, tones). */
export function eventToDigit(event: number): string | undefined {
  return event < DTMF_DIGITS.length ? DTMF_DIGITS[event] : undefined;
}

export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < TELEPHONE_EVENT_SIZE) {
    throw new ParseError(`telephone-event payload of ${payload.length} bytes, need 4`, 0);
  }
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: (payload[2]! << 8) | payload[3]!,
  };
}

export function serializeTelephoneEvent(e: TelephoneEvent, out: Uint8Array = new Uint8Array(4)): Uint8Array {
  if (out.length < 4) throw new RangeError('telephone-event needs 4 bytes');
  out[0] = e.event & 0xff;
  out[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f); // §2.3.4: R bit sent as zero
  out[2] = (e.duration >> 8) & 0xff;
  out[3] = e.duration & 0xff;
  return out;
}

// ---------------------------------------------------------------- receiver

export interface ReceivedDigit {
  digit: string;
  /** RTP timestamp of the event (its start). */
  timestamp: number;
  /** Duration in ms, from the last packet seen. */
  durationMs: number;
  volume: number;
  /** 'end-bit' when an E packet arrived, 'timeout' when the end packets were lost. */
  endedBy: 'end-bit' | 'timeout';
}

export interface TelephoneEventReceiverOptions {
  clockRate?: number;
  /** No packet for this long ends the event (its end packets were lost). Default 200 ms. */
  timeoutMs?: number;
}

interface ActiveEvent {
  timestamp: number;
  event: number;
  volume: number;
  duration: number;
  lastPacketMs: number;
}

/** How many ended events to remember, to ignore their late retransmissions. */
const RECENT_ENDED = 8;
const NONE: readonly ReceivedDigit[] = Object.freeze([]);

/**
 * Turns a stream of telephone-event packets into keypresses, each reported
 * once. An event is identified by its RTP timestamp (§2.5.2.1): the same
 * digit with a new timestamp is a new keypress; the end packet is sent three
 * times (§2.5.1.4) and reported once; lost end packets are covered by tick().
 */
export class TelephoneEventReceiver {
  private readonly clockRate: number;
  private readonly timeoutMs: number;
  private active: ActiveEvent | undefined;
  private readonly ended: number[] = [];
  private newest: number | undefined;

  constructor(opts: TelephoneEventReceiverOptions = {}) {
    this.clockRate = opts.clockRate ?? 8000;
    this.timeoutMs = opts.timeoutMs ?? 200;
  }

  /** The digit being pressed now (for barge-in), if any. */
  get activeDigit(): string | undefined {
    return this.active ? eventToDigit(this.active.event) : undefined;
  }

  /**
   * Feeds one telephone-event RTP packet. Returns the keypresses this packet
   * completes: usually none; its own when it carries the E bit; and a
   * previous event that it supersedes (whose end packets were lost).
   * Throws ParseError on a short payload.
   */
  receive(timestamp: number, payload: Uint8Array, nowMs: number): readonly ReceivedDigit[] {
    const e = parseTelephoneEvent(payload);
    if (eventToDigit(e.event) === undefined) return NONE;
    const ts = timestamp >>> 0;
    if (this.ended.includes(ts)) return NONE; // §2.5.1.4: retransmitted end packet
    if (this.newest !== undefined && ((ts - this.newest) | 0) < 0) return NONE; // stale, older event
    let out: ReceivedDigit[] | undefined;
    if (this.active && this.active.timestamp !== ts) {
      // A new event began before the previous one's end packets arrived.
      out = [this.finish(this.active, 'timeout')];
    }
    this.newest = ts;
    const a = this.active ?? { timestamp: ts, event: e.event, volume: e.volume, duration: 0, lastPacketMs: nowMs };
    a.duration = Math.max(a.duration, e.duration);
    a.volume = e.volume;
    a.lastPacketMs = nowMs;
    this.active = a;
    if (e.end) (out ??= []).push(this.finish(a, 'end-bit'));
    return out ?? NONE;
  }

  /** Ends an event whose end packets were lost; call periodically (e.g. every 20 ms). */
  tick(nowMs: number): ReceivedDigit | undefined {
    if (this.active && nowMs - this.active.lastPacketMs >= this.timeoutMs) return this.finish(this.active, 'timeout');
    return undefined;
  }

  private finish(a: ActiveEvent, endedBy: ReceivedDigit['endedBy']): ReceivedDigit {
    this.active = undefined;
    this.ended.push(a.timestamp);
    if (this.ended.length > RECENT_ENDED) this.ended.shift();
    return {
      digit: eventToDigit(a.event)!,
      timestamp: a.timestamp,
      durationMs: (a.duration * 1000) / this.clockRate,
      volume: a.volume,
      endedBy,
    };
  }
}

// ---------------------------------------------------------------- sender

export interface TelephoneEventPacket {
  /** §2.5.1.2: set on the first packet of the event. */
  marker: boolean;
  /** The event's timestamp: the same for every packet of the event (§2.5.1.2). */
  timestamp: number;
  payload: Uint8Array;
  end: boolean;
  /** When to send it, in ms after the first packet. */
  offsetMs: number;
}

export interface TelephoneEventSendOptions {
  durationMs?: number;
  /** −dBm0, default 10. */
  volume?: number;
  startTimestamp: number;
  /** Interval between updates, default 50 ms (§2.5.1.2 suggests 50 ms). */
  packetMs?: number;
  clockRate?: number;
}

/**
 * The packets of one keypress (RFC 4733 §2.5.1): a first packet with the
 * marker bit, updates with growing duration every packetMs, then the end
 * packet three times with the final duration (§2.5.1.4). Sequence numbers
 * are the session's: one per packet, in order.
 */
export function telephoneEventPackets(digit: string, opts: TelephoneEventSendOptions): TelephoneEventPacket[] {
  const event = digitToEvent(digit);
  const clockRate = opts.clockRate ?? 8000;
  const durationMs = opts.durationMs ?? 100;
  const packetMs = opts.packetMs ?? 50;
  const volume = opts.volume ?? 10;
  if (durationMs <= 0 || packetMs <= 0) throw new RangeError('durationMs and packetMs must be positive');
  const total = Math.min(0xffff, Math.round((durationMs * clockRate) / 1000));
  const timestamp = opts.startTimestamp >>> 0;
  const packets: TelephoneEventPacket[] = [];
  for (let offsetMs = 0; offsetMs < durationMs; offsetMs += packetMs) {
    const duration = Math.min(total, Math.round(((offsetMs + packetMs) * clockRate) / 1000));
    packets.push({
      marker: offsetMs === 0, timestamp, end: false, offsetMs,
      payload: serializeTelephoneEvent({ event, end: false, volume, duration }),
    });
  }
  for (let i = 0; i < 3; i++) {
    packets.push({
      marker: false, timestamp, end: true, offsetMs: durationMs,
      payload: serializeTelephoneEvent({ event, end: true, volume, duration: total }),
    });
  }
  return packets;
}
