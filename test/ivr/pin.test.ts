// The PIN (SPEC §2.3) on the fake engine: the chair PIN makes a chair, the
// guest PIN a guest, a bare # the empty guest PIN, three tries per call —
// and the per-room lockout: ten wrong PINs within ten minutes, across calls,
// block PIN entry on that room for ten minutes and raise one alert.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import { Q850 } from '../../bridge/q850.ts';
import { DEMO } from '../../core/seed.ts';
import { FakeIvr, FakeIvrDb, said } from '../support/fake-ivr.ts';

const EN = '4008001000';
const ROOM = DEMO.room.number;

/** A caller on the English line who types the room and then each PIN in turn. */
function pins(room: string, ...entries: string[]): CallerScript {
  const s = new CallerScript().onPrompt('enter-room', `${room}#`);
  for (const e of entries) s.onPrompt('enter-pin', e);
  return s;
}

describe('PIN and lockout on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base); });
  afterEach(async () => { await t.close(); });

  test('the chair PIN joins as chair, the guest PIN as guest; the guest hears that two are present', async () => {
    const chair = await t.inRoom(t.call('13900000011', EN, pins(ROOM, `${DEMO.room.chairPin}#`)), ROOM);
    const guestCall = t.call('13900000012', EN, pins(ROOM, `${DEMO.room.guestPin}#`));
    const guest = await t.inRoom(guestCall, ROOM);
    await t.run(() => guest.prompts.includes('count-post'), 'the count');
    assert.deepEqual([t.view(ROOM, chair)?.role, t.view(ROOM, guest)?.role], ['chair', 'guest']);
    assert.deepEqual(said(guest).slice(-3), ['en/count-pre', 'en/num-2', 'en/count-post']);
    const conf = t.engine.conferencesNamed(`room-${ROOM}`)[0]!;
    assert.deepEqual(conf.joins, [chair.id, guest.id]);
    guest.remoteHangup();
    chair.remoteHangup();
    const s = await t.ended(guestCall);
    assert.equal((await base.cdr(s.cdrId)).role, 'guest');
    const events = await base.repos.conferences.listEvents(base.seed.accountId, (await base.cdr(s.cdrId)).conferenceId!);
    assert.deepEqual(events.filter((e) => e.kind === 'join' || e.kind === 'leave').map((e) => e.kind), ['join', 'join', 'leave', 'leave']);
  });

  test('two wrong PINs, then the right one: "wrong PIN" twice, then in the room', async () => {
    const call = t.call('13900000013', EN, pins(ROOM, '1111#', '2222#', `${DEMO.room.guestPin}#`));
    const leg = await t.inRoom(call, ROOM);
    assert.deepEqual(leg.prompts.slice(2), ['enter-room', 'enter-pin', 'wrong-pin', 'enter-pin', 'wrong-pin', 'enter-pin', 'only-participant']);
    assert.equal(t.view(ROOM, leg)?.role, 'guest');
  });

  test('three wrong PINs: "too many attempts", the bridge hangs up; the CDR has the room but no role', async () => {
    const call = t.call('13900000014', EN, pins(ROOM, '1111#', '2222#', '3333#'));
    const s = await t.ended(call);
    assert.deepEqual(call.leg!.prompts.slice(2), ['enter-room', 'enter-pin', 'wrong-pin', 'enter-pin', 'wrong-pin', 'enter-pin', 'wrong-pin', 'too-many-attempts']);
    assert.equal(s.outcome, 'too_many_attempts:pin');
    assert.deepEqual(call.leg!.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual({ state: cdr.state, roomNumber: cdr.roomNumber, role: cdr.role, conferenceId: cdr.conferenceId }, { state: 'closed', roomNumber: ROOM, role: null, conferenceId: null });
  });

  test('an empty guest PIN: a bare # admits a guest', async () => {
    const room = await t.room('7102001', { guestPin: '' });
    const leg = await t.inRoom(t.call('13900000015', EN, pins(room.number, '#')), room.number);
    assert.equal(t.view(room.number, leg)?.role, 'guest');
  });

  test('ten wrong PINs on one room within ten minutes block PIN entry there — also for the right PIN — with one alert; ten minutes later the PIN works again', async () => {
    const room = await t.room('7102002');
    // Three callers at once, three wrong PINs each: nine failures, each call ends "too many attempts".
    const first = [0, 1, 2].map((i) => t.call(`1390000002${i}`, EN, pins(room.number, '1111#', '2222#', '3333#')));
    await t.run(() => t.calls.length === 3, 'the first three calls to end');
    assert.deepEqual(t.calls.map((c) => c.outcome), ['too_many_attempts:pin', 'too_many_attempts:pin', 'too_many_attempts:pin']);
    assert.ok(first.every((c) => c.leg?.hangupInfo?.by === 'local'));
    // The tenth failure starts the block: the caller hears so and is hung up.
    const tenth = t.call('13900000023', EN, pins(room.number, '1111#'));
    assert.equal((await t.ended(tenth)).outcome, 'pin_blocked');
    assert.deepEqual(tenth.leg!.prompts.slice(-3), ['enter-pin', 'wrong-pin', 'pin-blocked']);
    // The chair PIN does not help: the PIN prompt is not even played.
    const right = t.call('13900000024', EN, pins(room.number, '4321#'));
    assert.equal((await t.ended(right)).outcome, 'pin_blocked');
    assert.deepEqual(right.leg!.prompts.slice(2), ['enter-room', 'pin-blocked']);
    const alerts = await base.repos.audit.list(base.seed.accountId, { action: 'room.pin_lockout' });
    assert.equal(alerts.filter((a) => a.targetId === room.id).length, 1, 'one alert for the room');
    // Other rooms are not blocked.
    const elsewhere = await t.inRoom(t.call('13900000025', EN, pins(ROOM, `${DEMO.room.guestPin}#`)), ROOM);
    elsewhere.remoteHangup();
    // The block lasts ten minutes.
    await t.clock.advance(10 * 60_000);
    const later = await t.inRoom(t.call('13900000026', EN, pins(room.number, '4321#')), room.number);
    assert.equal(t.view(room.number, later)?.role, 'chair');
  });

  test('silence at the PIN prompt is a try but not a failure: "try again", then the PIN', async () => {
    const call = t.call('13900000016', EN, new CallerScript().onPrompt('enter-room', `${ROOM}#`).onPrompt('try-again', `${DEMO.room.chairPin}#`, { delayMs: 500 }));
    const leg = await t.inRoom(call, ROOM);
    assert.deepEqual(leg.prompts.slice(2), ['enter-room', 'enter-pin', 'try-again', 'only-participant']);
  });
});
