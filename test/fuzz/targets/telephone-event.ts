// Fuzz target: RFC 4733 telephone-events (bridge/rtp/telephone-event.ts).
// An input is a stream of packets, 8 bytes each: the RTP timestamp (32 bits)
// and the 4-byte event payload; a shorter last piece is a short payload.
// Seeds: the packets the bridge itself sends for a keypress (§2.5.1), two
// keys in a row, a key whose end packets were lost. Structure: generated
// event sequences (events 0–255, E bit, volume, duration, few timestamps so
// retransmissions and reordering happen).
// Property: parseTelephoneEvent returns an event in range (event ≤ 255,
// volume ≤ 63, duration ≤ 65535) that serialises back to the same bytes but
// for the reserved bit (§2.3.4), or throws ParseError for a short payload;
// the receiver only throws ParseError, reports only keypad digits with a
// non-negative duration, and never reports one event (timestamp) twice
// among its recent ones.
import fc from 'fast-check';
import { ParseError } from '../../../common/errors.ts';
import {
  DTMF_DIGITS, TelephoneEventReceiver, parseTelephoneEvent, serializeTelephoneEvent, telephoneEventPackets, type ReceivedDigit,
} from '../../../bridge/rtp/telephone-event.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

function packetsOf(items: ReadonlyArray<{ timestamp: number; payload: Uint8Array }>): Buffer {
  return Buffer.concat(items.map((p) => {
    const b = Buffer.alloc(4 + p.payload.length);
    b.writeUInt32BE(p.timestamp >>> 0, 0);
    b.set(p.payload, 4);
    return b;
  }));
}

function seeds(): Buffer[] {
  const five = telephoneEventPackets('5', { startTimestamp: 8000 });
  const hash = telephoneEventPackets('#', { startTimestamp: 9600, durationMs: 250 });
  const star = telephoneEventPackets('*', { startTimestamp: 0xfffffe00 });
  return [packetsOf(five), packetsOf([...five, ...hash]), packetsOf([...star.filter((p) => !p.end), ...five]), Buffer.from([0, 0, 0, 0, 11, 0x8a, 3, 0x20])];
}

const event = fc.record({
  timestamp: fc.constantFrom(0, 160, 320, 0xffffff60, 0x7fffffff, 0x80000000),
  event: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 15 }) }, { weight: 1, arbitrary: fc.integer({ min: 16, max: 255 }) }),
  end: fc.boolean(), volume: fc.integer({ min: 0, max: 63 }), duration: fc.integer({ min: 0, max: 0xffff }),
});
const structured = fc.array(event, { maxLength: 24 })
  .map((es) => packetsOf(es.map((e) => ({ timestamp: e.timestamp, payload: serializeTelephoneEvent(e) }))));

/** How many recent events the receiver remembers (RECENT_ENDED in telephone-event.ts). */
const RECENT = 8;

function checkDigit(d: ReceivedDigit, recent: number[]): void {
  if (d.digit.length !== 1 || !DTMF_DIGITS.includes(d.digit)) throw new InvariantError(`reported ${JSON.stringify(d.digit)}`);
  if (!Number.isFinite(d.durationMs) || d.durationMs < 0) throw new InvariantError(`duration ${d.durationMs}`);
  if (recent.includes(d.timestamp)) throw new InvariantError(`event ${d.timestamp} reported twice`);
  recent.push(d.timestamp);
  if (recent.length > RECENT) recent.shift();
}

function run(input: Buffer): void {
  const first = parseTelephoneEvent(input.subarray(4, 8)); // ParseError when short
  if (first.event > 255 || first.volume > 63 || first.duration > 0xffff) throw new InvariantError('a field out of range');
  const back = serializeTelephoneEvent(first);
  const original = Uint8Array.of(input[4]!, input[5]! & ~0x40, input[6]!, input[7]!);
  if (Buffer.compare(Buffer.from(back), Buffer.from(original)) !== 0) throw new InvariantError('the event does not serialise to its bytes');
  const receiver = new TelephoneEventReceiver();
  const recent: number[] = [];
  let now = 0;
  for (let at = 0; at < input.length; at += 8) {
    const piece = input.subarray(at, at + 8);
    now += piece.length > 0 ? piece[piece.length - 1]! % 64 : 0;
    try {
      for (const d of receiver.receive(piece.length >= 4 ? piece.readUInt32BE(0) : 0, piece.subarray(4), now)) checkDigit(d, recent);
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
    }
    const late = receiver.tick(now);
    if (late) checkDigit(late, recent);
  }
  const last = receiver.tick(now + 1000);
  if (last) checkDigit(last, recent);
  if (receiver.activeDigit !== undefined) throw new InvariantError('an event is still active after its timeout');
}

export const telephoneEventTarget: FuzzTarget = {
  name: 'telephone-event',
  seeds: seeds(),
  structured,
  dictionary: ['\x00', '\x0b', '\x0f', '\x10', '\xff', '\x80', '\xbf', '\x00\x00', '\xff\xff', '\x00\x00\x00\x00'],
  expected: (err) => err instanceof ParseError,
  run,
};
