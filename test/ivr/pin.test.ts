// The PIN (SPEC §2.3) on the fake engine: the chair PIN makes a chair, the
// guest PIN a guest, a bare # the empty guest PIN, three tries per call —
// and the lockout: a calling number or a source address with many wrong
// PINs (across calls and rooms) is slowed, then refused for ten minutes; a
// room under attack raises one alert and slows its checks, and the chair
// still gets in.
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

  test('one calling number: slowed from the fifth wrong PIN (2 s, 4 s, 8 s …), refused at the tenth — across calls, also with the right PIN — for ten minutes', async () => {
    const room = await t.room('7102002');
    const attacker = '13900000020';
    const three = () => t.call(attacker, EN, pins(room.number, '1111#', '2222#', '3333#'));
    const legs = [];
    for (let i = 0; i < 3; i++) {
      const c = three();
      const s = await t.ended(c);
      assert.equal(s.outcome, 'too_many_attempts:pin');
      legs.push(c.leg!);
    }
    // The time from each "enter PIN" to its "wrong PIN", less the first one's (typing only): the lockout's waits.
    const gaps = legs.flatMap((leg) => leg.heard.flatMap((h, i) => (h.name === 'wrong-pin' ? [h.at - leg.heard[i - 1]!.at] : [])));
    assert.deepEqual(gaps.map((g) => g - gaps[0]!), [0, 0, 0, 0, 2000, 4000, 8000, 16000, 30000]);
    assert.deepEqual(t.calls.map((c) => c.pinDelayMs), [0, 6000, 54000]);
    // The tenth failure: "wrong PIN", "blocked", hung up.
    const tenth = t.call(attacker, EN, pins(room.number, '1111#'));
    assert.equal((await t.ended(tenth)).outcome, 'pin_blocked');
    assert.deepEqual(tenth.leg!.prompts.slice(-3), ['enter-pin', 'wrong-pin', 'pin-blocked']);
    // The number is refused before the PIN prompt, even with the right PIN, on any room.
    for (const r of [room.number, ROOM]) {
      const again = t.call(attacker, EN, pins(r, '4321#', `${DEMO.room.chairPin}#`));
      assert.equal((await t.ended(again)).outcome, 'pin_blocked');
      assert.deepEqual(again.leg!.prompts.slice(2), ['enter-room', 'pin-blocked']);
    }
    // Another caller with the right PIN gets in (the room is under attack: 2 s before the check).
    const chairCall = t.call('13900000021', EN, pins(room.number, '4321#'));
    const chair = await t.inRoom(chairCall, room.number);
    assert.equal(t.view(room.number, chair)?.role, 'chair');
    chair.remoteHangup();
    assert.equal((await t.ended(chairCall)).pinDelayMs, 2000);
    // Ten minutes later the number is heard again, without waits.
    await t.clock.advance(10 * 60_000);
    const laterCall = t.call(attacker, EN, pins(room.number, '4321#'));
    const later = await t.inRoom(laterCall, room.number);
    later.remoteHangup();
    assert.equal((await t.ended(laterCall)).pinDelayMs, 0);
  });

  test('one source address: slowed then refused whatever numbers it sends; the same numbers through the carrier are not', async () => {
    const room = await t.room('7102003');
    const from = (i: number) => `1390000003${i}`;
    for (let i = 0; i < 3; i++) {
      const s = await t.ended(t.call(from(i), ROOM, new CallerScript().onPrompt('enter-pin', '1111#').onPrompt('enter-pin', '2222#').onPrompt('enter-pin', '3333#'), '192.0.2.7'));
      assert.equal(s.outcome, 'too_many_attempts:pin');
    }
    assert.deepEqual(t.calls.map((c) => c.pinDelayMs), [0, 6000, 54000], 'slowed from the fifth failure, though each call had a new number');
    const tenth = t.call(from(3), ROOM, new CallerScript().onPrompt('enter-pin', '1111#'), '192.0.2.7');
    assert.equal((await t.ended(tenth)).outcome, 'pin_blocked');
    const fresh = t.call('13900000039', ROOM, new CallerScript().onPrompt('enter-pin', `${DEMO.room.chairPin}#`), '192.0.2.7');
    assert.equal((await t.ended(fresh)).outcome, 'pin_blocked', 'a new number from the refused address');
    assert.deepEqual(fresh.leg!.prompts.slice(-1), ['pin-blocked']);
    // The same numbers through the carrier (127.0.0.1): counted per number only, three failures each — in.
    const through = await t.inRoom(t.call(from(0), EN, pins(room.number, '8765#')), room.number);
    assert.equal(t.view(room.number, through)?.role, 'guest');
  });

  test('a room under attack by twenty numbers: one alert, the chair gets in during the attack — slower, but in', async () => {
    const room = await t.room('7102004');
    const attackers = Array.from({ length: 20 }, (_, i) => t.call(`139000001${String(i).padStart(2, '0')}`, EN, pins(room.number, '1111#', '2222#', '3333#')));
    await t.run(() => t.calls.length >= 4, 'the attack under way');
    const chairCall = t.call('13900000199', EN, pins(room.number, '4321#'));
    const chair = await t.inRoom(chairCall, room.number);
    assert.equal(t.view(room.number, chair)?.role, 'chair');
    assert.ok(chair.prompts.slice(2).join() === 'enter-room,enter-pin,only-participant', chair.prompts.join());
    await t.run(() => t.calls.length === 20, 'the attackers to end');
    assert.ok(t.calls.every((c) => c.outcome === 'too_many_attempts:pin'), 'no attacker is refused: each number failed three times');
    assert.ok(attackers.every((c) => c.leg!.prompts.filter((p) => p === 'wrong-pin').length === 3));
    const alerts = await base.repos.audit.list(base.seed.accountId, { action: 'room.pin_lockout' });
    assert.equal(alerts.filter((a) => a.targetId === room.id).length, 1, 'one alert for the episode');
    // A second chair during the attack waits the room's 2 s and gets in too.
    const secondCall = t.call('13900000198', EN, pins(room.number, '4321#'));
    const second = await t.inRoom(secondCall, room.number);
    second.remoteHangup();
    chair.remoteHangup();
    assert.equal((await t.ended(secondCall)).pinDelayMs, 2000);
    assert.equal((await t.ended(chairCall)).pinDelayMs, 2000);
    // Other rooms are not slowed.
    const elsewhereCall = t.call('13900000197', EN, pins(ROOM, `${DEMO.room.guestPin}#`));
    (await t.inRoom(elsewhereCall, ROOM)).remoteHangup();
    assert.equal((await t.ended(elsewhereCall)).pinDelayMs, 0);
  });

  test('silence at the PIN prompt is a try but not a failure: "try again", then the PIN', async () => {
    const call = t.call('13900000016', EN, new CallerScript().onPrompt('enter-room', `${ROOM}#`).onPrompt('try-again', `${DEMO.room.chairPin}#`, { delayMs: 500 }));
    const leg = await t.inRoom(call, ROOM);
    assert.deepEqual(leg.prompts.slice(2), ['enter-room', 'enter-pin', 'try-again', 'only-participant']);
  });
});
