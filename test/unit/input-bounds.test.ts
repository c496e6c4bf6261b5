// Every bound on what a caller or a peer sends, in one place (the INFO body's
// is in sip-info-dtmf.test.ts, the stream framer's in sip-parser.test.ts):
// the number of header fields, the SIP message size over UDP, the IVR's
// type-ahead keys, the name recording's length (on the fake engine), and the
// embedded call leg's digit buffer and INFO bodies.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { EmbeddedCallLeg, MAX_BUFFERED_DIGITS } from '../../bridge/embedded/call-leg.ts';
import type { LegMedia } from '../../bridge/embedded/media/control/leg-media.ts';
import type { InviteSession } from '../../bridge/sip/dialog/invite-session.ts';
import { MAX_INFO_DTMF_BODY } from '../../bridge/sip/message/info-dtmf.ts';
import type { LocalMedia, NegotiatedAudio } from '../../bridge/sip/sdp/types.ts';
import { moduleLogger } from '../../common/log.ts';
import { SipParseError } from '../../bridge/sip/grammar/parse-error.ts';
import { MAX_MESSAGE_SIZE } from '../../bridge/sip/grammar/scalar-headers.ts';
import { MAX_HEADER_FIELDS } from '../../bridge/sip/message/header-fields.ts';
import { parseMessage } from '../../bridge/sip/message/parser.ts';
import { CallerScript } from '../../bridge/fake/script.ts';
import { systemClock } from '../../common/clock.ts';
import { MAX_TYPE_AHEAD, Keypad } from '../../ivr/call/keypad.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';
import { keyLeg } from '../support/key-leg.ts';

function options(extra: string[]): Buffer {
  return Buffer.from([
    'OPTIONS sip:b@example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKhdr', 'From: <sip:a@example.com>;tag=1',
    'To: <sip:b@example.com>', 'Call-ID: hdr@example.com', 'CSeq: 1 OPTIONS', ...extra, '', '',
  ].join('\r\n'));
}

function parseError(buf: Buffer): SipParseError {
  try {
    parseMessage(buf);
  } catch (err) {
    assert.ok(err instanceof SipParseError);
    return err;
  }
  assert.fail('parsed');
}

describe('SIP messages', () => {
  test(`at most ${MAX_HEADER_FIELDS} header fields; over it a 400 (the context is read from the first ones)`, () => {
    const filler = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: ${i}`);
    assert.equal(parseMessage(options(filler(MAX_HEADER_FIELDS - 5))).headers.length, MAX_HEADER_FIELDS);
    const folded = [...filler(MAX_HEADER_FIELDS - 6), 'X-Folded: a', ' b', '\tc'];
    assert.equal(parseMessage(options(folded)).headers.length, MAX_HEADER_FIELDS, 'continuation lines are not fields');
    const err = parseError(options(filler(MAX_HEADER_FIELDS - 4)));
    assert.match(err.message, /more than 256 header fields/);
    assert.equal(err.context?.callId, 'hdr@example.com');
    assert.deepEqual(err.context?.unreadable, []);
    // 13,000 one-letter fields fit in 64 KiB: refused, and quickly.
    const started = performance.now();
    parseError(options(Array.from({ length: 13_000 }, () => 'X: 1')));
    assert.ok(performance.now() - started < 200);
  });

  test(`at most ${MAX_MESSAGE_SIZE} bytes`, () => {
    const head = options([]).length;
    const fits = options([`X-Pad: ${'a'.repeat(MAX_MESSAGE_SIZE - head - 'X-Pad: \r\n'.length)}`]);
    assert.equal(fits.length, MAX_MESSAGE_SIZE);
    parseMessage(fits);
    assert.match(parseError(options([`X-Pad: ${'a'.repeat(MAX_MESSAGE_SIZE)}`])).message, /larger than 65535 bytes/);
  });
});

test(`the IVR keeps at most ${MAX_TYPE_AHEAD} keys unread, the latest`, async () => {
  const k = keyLeg();
  const kp = new Keypad(k.leg, systemClock);
  k.pressAll(Array.from({ length: 1000 }, (_, i) => String(i % 10)));
  for (let i = 0; i < 100 && k.queued > 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(k.queued, 0, 'the pump read every key');
  assert.equal(kp.pending, MAX_TYPE_AHEAD);
  const read: string[] = [];
  for (let i = 0; i < MAX_TYPE_AHEAD; i++) read.push((await kp.next(0))!);
  assert.equal(read.join(''), Array.from({ length: MAX_TYPE_AHEAD }, (_, i) => String((1000 - MAX_TYPE_AHEAD + i) % 10)).join(''));
  k.end();
});

describe('name recordings', () => {
  let base: FakeIvrDb;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });

  test('a guest who never presses # is recorded for nameMaxMs, no longer', async () => {
    const t = FakeIvr.start(base, { nameMaxMs: 2500 });
    try {
      const room = await t.room('7105099', { options: { guestAnnounce: true } });
      await t.enter('chairN', room.number, '4321');
      const script = new CallerScript().onPrompt('enter-room', `${room.number}#`).onPrompt('enter-pin', '8765#');
      const guest = await t.inRoom(t.call('guestN', '4008001000', script), room.number);
      assert.deepEqual(guest.recordings.map((r) => ({ endedBy: r.endedBy, durationMs: r.durationMs })), [{ endedBy: 'max', durationMs: 2500 }]);
    } finally {
      await t.close();
    }
  });
});

describe('the embedded engine\'s call leg', () => {
  /** A leg on a session and media that are only emitters: what the caller sends is emitted by hand. */
  function leg() {
    const session = Object.assign(new EventEmitter(), { callId: 'bounds@test', terminated: false, offerHandler: undefined });
    const media = Object.assign(new EventEmitter(), { configure: () => undefined, takeEarlyDigits: () => [], lost: undefined, close: () => undefined });
    const l = new EmbeddedCallLeg({
      id: 'leg-1', session: session as unknown as InviteSession, media: media as unknown as LegMedia,
      audio: { codec: 'PCMU' } as NegotiatedAudio, local: {} as LocalMedia, direction: 'in', from: 'a', to: 'b', log: moduleLogger('test'),
    });
    return { l, session, media };
  }
  const info = (body: string) => ({ contentType: 'application/dtmf-relay', body: Buffer.from(body) });

  test(`keeps at most ${MAX_BUFFERED_DIGITS} digits from RFC 4733 and INFO, the latest`, async () => {
    const { l, session, media } = leg();
    for (let i = 0; i < 500; i++) media.emit('dtmf', { digit: '1', source: 'rfc4733' });
    for (let i = 0; i < 500; i++) session.emit('info', info(`Signal=${i % 10}\r\n`));
    const got = await l.collect({ max: 10_000, firstTimeoutMs: 10, interTimeoutMs: 10 });
    assert.equal(got.length, MAX_BUFFERED_DIGITS);
    assert.equal(got, Array.from({ length: MAX_BUFFERED_DIGITS }, (_, i) => String((500 - MAX_BUFFERED_DIGITS + i) % 10)).join(''));
  });

  test(`ignores an INFO body over ${MAX_INFO_DTMF_BODY} bytes without decoding it`, async () => {
    const { l, session } = leg();
    session.emit('info', info(`Signal=7\r\n${'\n'.repeat(60_000)}`));
    session.emit('info', info('Signal=8\r\n'));
    assert.equal(await l.collect({ max: 10, firstTimeoutMs: 10, interTimeoutMs: 10 }), '8');
  });
});
