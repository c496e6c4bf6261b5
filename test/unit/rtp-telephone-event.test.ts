import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../../common/errors.ts';
import {
  parseTelephoneEvent, serializeTelephoneEvent, telephoneEventPackets, TelephoneEventReceiver,
  digitToEvent, eventToDigit, DTMF_DIGITS, type ReceivedDigit,
} from '../../bridge/rtp/telephone-event.ts';

test('RFC 4733 §2.3: payload fields parse and serialise byte-exact', () => {
  const wire = Uint8Array.of(0x0b, 0x8a, 0x03, 0x20); // '#', E=1, volume 10, duration 800
  const e = parseTelephoneEvent(wire);
  assert.deepEqual(e, { event: 11, end: true, volume: 10, duration: 800 });
  assert.deepEqual(serializeTelephoneEvent(e), wire);
  // §2.3.4: the R bit is ignored on receipt and sent as zero.
  assert.deepEqual(parseTelephoneEvent(Uint8Array.of(5, 0x40 | 7, 0, 160)), { event: 5, end: false, volume: 7, duration: 160 });
  assert.deepEqual(serializeTelephoneEvent({ event: 5, end: false, volume: 7, duration: 160 }), Uint8Array.of(5, 7, 0, 160));
});

test('RFC 4733: short payloads are a ParseError', () => {
  for (let n = 0; n < 4; n++) assert.throws(() => parseTelephoneEvent(new Uint8Array(n)), ParseError);
});

test('RFC 4733 §3.2: digit ↔ event code mapping', () => {
  assert.equal(DTMF_DIGITS.length, 16);
  assert.equal(digitToEvent('*'), 10);
  assert.equal(digitToEvent('#'), 11);
  assert.equal(digitToEvent('d'), 15);
  assert.equal(eventToDigit(12), 'A');
  assert.equal(eventToDigit(16), undefined);
  assert.throws(() => digitToEvent('E'), RangeError);
  assert.throws(() => digitToEvent('12'), RangeError);
});

test('RFC 4733 §2.5.1: sender sequence — marker first, growing duration, same timestamp, three end packets', () => {
  const packets = telephoneEventPackets('5', { durationMs: 200, volume: 10, startTimestamp: 12345, packetMs: 50 });
  assert.equal(packets.length, 4 + 3);
  assert.deepEqual(packets.map((p) => p.marker), [true, false, false, false, false, false, false]);
  assert.ok(packets.every((p) => p.timestamp === 12345));
  const events = packets.map((p) => parseTelephoneEvent(p.payload));
  assert.deepEqual(events.map((e) => e.duration), [400, 800, 1200, 1600, 1600, 1600, 1600]);
  assert.deepEqual(events.map((e) => e.end), [false, false, false, false, true, true, true]);
  assert.ok(events.every((e) => e.event === 5 && e.volume === 10));
  assert.deepEqual(packets.map((p) => p.offsetMs), [0, 50, 100, 150, 200, 200, 200]);
});

test('RFC 4733 sender: defaults and a duration that is not a multiple of the packet interval', () => {
  const packets = telephoneEventPackets('#', { startTimestamp: 2 ** 32 - 1, durationMs: 70, packetMs: 20 });
  const durations = packets.map((p) => parseTelephoneEvent(p.payload).duration);
  assert.deepEqual(durations, [160, 320, 480, 560, 560, 560, 560]);
  assert.ok(packets.every((p) => p.timestamp === 0xffffffff));
  assert.throws(() => telephoneEventPackets('x', { startTimestamp: 0 }), RangeError);
});

/** Feeds sender packets into a receiver at their offsets; returns what it reported. */
function deliver(rx: TelephoneEventReceiver, packets: ReturnType<typeof telephoneEventPackets>, t0: number, drop: (i: number) => boolean = () => false): ReceivedDigit[] {
  const out: ReceivedDigit[] = [];
  packets.forEach((p, i) => {
    if (!drop(i)) out.push(...rx.receive(p.timestamp, p.payload, t0 + p.offsetMs));
  });
  return out;
}

test('RFC 4733 §2.5.1.4: the triple end packet is reported once', () => {
  const rx = new TelephoneEventReceiver();
  const got = deliver(rx, telephoneEventPackets('7', { startTimestamp: 1000, durationMs: 120 }), 0);
  assert.equal(got.length, 1);
  assert.equal(got[0]?.digit, '7');
  assert.equal(got[0]?.durationMs, 120);
  assert.equal(got[0]?.endedBy, 'end-bit');
  assert.equal(rx.tick(10_000), undefined, 'nothing pending afterwards');
});

test('RFC 4733 §2.5.2.1: same digit with a new timestamp is a second keypress', () => {
  const rx = new TelephoneEventReceiver();
  const a = deliver(rx, telephoneEventPackets('1', { startTimestamp: 1000 }), 0);
  const b = deliver(rx, telephoneEventPackets('1', { startTimestamp: 3000 }), 250);
  assert.deepEqual([...a, ...b].map((d) => d.digit), ['1', '1']);
});

test('RFC 4733: all end packets lost → reported by tick() after the timeout, once', () => {
  const rx = new TelephoneEventReceiver({ timeoutMs: 200 });
  const packets = telephoneEventPackets('9', { startTimestamp: 500, durationMs: 150 });
  assert.deepEqual(deliver(rx, packets, 0, (i) => packets[i]!.end), []);
  assert.equal(rx.activeDigit, '9');
  assert.equal(rx.tick(100 + 199), undefined, 'not yet: last packet at 100 ms');
  const d = rx.tick(100 + 200);
  assert.equal(d?.digit, '9');
  assert.equal(d?.endedBy, 'timeout');
  assert.equal(rx.tick(1000), undefined);
  // The late end packets of the same event are ignored.
  assert.deepEqual(rx.receive(500, packets.at(-1)!.payload, 1100), []);
});

test('RFC 4733: only end packets arrive (start lost) → reported once', () => {
  const rx = new TelephoneEventReceiver();
  const packets = telephoneEventPackets('*', { startTimestamp: 77, durationMs: 100 });
  const got = deliver(rx, packets, 0, (i) => !packets[i]!.end);
  assert.deepEqual(got.map((d) => d.digit), ['*']);
});

test('RFC 4733: a new event before the previous end arrived reports both, in order', () => {
  const rx = new TelephoneEventReceiver();
  const first = telephoneEventPackets('2', { startTimestamp: 100, durationMs: 100 });
  const second = telephoneEventPackets('3', { startTimestamp: 1100, durationMs: 100 });
  const got = [
    ...deliver(rx, first, 0, (i) => first[i]!.end),
    ...deliver(rx, second, 150),
  ];
  assert.deepEqual(got.map((d) => [d.digit, d.endedBy]), [['2', 'timeout'], ['3', 'end-bit']]);
});

test('RFC 4733: duplicated and reordered packets of one event, and stale packets of an older event, are ignored', () => {
  const rx = new TelephoneEventReceiver();
  const a = telephoneEventPackets('4', { startTimestamp: 100, durationMs: 100 });
  const b = telephoneEventPackets('6', { startTimestamp: 2000, durationMs: 100 });
  const got: ReceivedDigit[] = [];
  const feed = (p: (typeof a)[number], t: number): void => { got.push(...rx.receive(p.timestamp, p.payload, t)); };
  feed(a[1]!, 50); feed(a[0]!, 51); feed(a[1]!, 52); feed(a[2]!, 100); feed(a[3]!, 101);
  feed(b[0]!, 300);
  feed(a[0]!, 301); // stale: older timestamp than the current event
  for (const p of b.slice(1)) feed(p, 400);
  assert.deepEqual(got.map((d) => d.digit), ['4', '6']);
  assert.equal(got[0]?.durationMs, 100);
});

test('RFC 4733: the event timestamp may wrap around 2^32', () => {
  const rx = new TelephoneEventReceiver();
  const a = deliver(rx, telephoneEventPackets('8', { startTimestamp: 2 ** 32 - 800 }), 0);
  const b = deliver(rx, telephoneEventPackets('0', { startTimestamp: 800 }), 300);
  assert.deepEqual([...a, ...b].map((d) => d.digit), ['8', '0']);
});

test('RFC 4733: non-DTMF events (e.g. 16 flash) are ignored', () => {
  const rx = new TelephoneEventReceiver();
  assert.deepEqual(rx.receive(1, Uint8Array.of(16, 0x8a, 0, 160), 0), []);
  assert.equal(rx.tick(1000), undefined);
});
