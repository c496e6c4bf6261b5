// The access-number flow (SPEC §2) on the fake engine: welcome, the language
// switch (9), room number + # with its retries and timeouts, the PIN, the
// refusals, SIP URI dial-in and unknown numbers — what the caller hears, what
// the conference did and the CDR written. No sockets; timeouts on a fake clock.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lengthOf } from '../../bridge/fake/prompt.ts';
import { CallerScript } from '../../bridge/fake/script.ts';
import { Q850 } from '../../bridge/q850.ts';
import { DEMO } from '../../core/seed.ts';
import { promptPath } from '../../ivr/prompts/catalog.ts';
import { FakeIvr, FakeIvrDb, said } from '../support/fake-ivr.ts';

const EN = '4008001000';
const ZH = '4006701018';
const ROOM = DEMO.room.number;

describe('dial-in on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base); });
  afterEach(async () => { await t.close(); });

  test('English line: welcome, room + #, chair PIN + #: in the room as chair; the CDR carries the access number, room, conference and role', async () => {
    const call = t.call('13900000001', EN, new CallerScript().onPrompt('enter-room', `${ROOM}#`).onPrompt('enter-pin', `${DEMO.room.chairPin}#`));
    const leg = await t.inRoom(call, ROOM);
    await t.run(() => leg.prompts.includes('only-participant'), 'the count');
    assert.equal(call.rang, true, '180 before the answer');
    assert.deepEqual(said(leg), ['en/welcome', 'en/lang-switch', 'en/enter-room', 'en/enter-pin', 'en/only-participant']);
    const live = t.live(ROOM)!;
    assert.equal(t.view(ROOM, leg)?.role, 'chair');
    const conf = t.engine.conferencesNamed(`room-${ROOM}`)[0]!;
    assert.deepEqual(conf.joins, [leg.id]);
    assert.equal(conf.member(leg.id)?.muted, false);
    await t.clock.advance(30_000);
    const hungUpAt = t.clock.date();
    leg.remoteHangup();
    const s = await t.ended(call);
    assert.deepEqual({ route: s.route, outcome: s.outcome, lang: s.lang }, { route: 'meeting', outcome: 'joined', lang: 'en' });
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual(
      { state: cdr.state, direction: cdr.direction, caller: cdr.caller, callee: cdr.callee, accessNumber: cdr.accessNumber, roomNumber: cdr.roomNumber, role: cdr.role, conferenceId: cdr.conferenceId, q850: cdr.q850 },
      { state: 'closed', direction: 'in', caller: '13900000001', callee: EN, accessNumber: EN, roomNumber: ROOM, role: 'chair', conferenceId: live.conferenceId, q850: Q850.NORMAL_CLEARING },
    );
    assert.equal(cdr.durationMs, hungUpAt.getTime() - leg.answeredAt.getTime(), 'the CDR lasts from the answer to the hang-up, in fake time');
    assert.ok(live.isClosed, 'the last caller left: the room closed');
  });

  test('9 during the welcome switches the English line to Mandarin; the rest is in Mandarin', async () => {
    const call = t.call('13900000002', EN, new CallerScript().onPrompt('welcome', '9', { delayMs: 500 }).onPrompt('enter-room', `${ROOM}#`).onPrompt('enter-pin', `${DEMO.room.guestPin}#`));
    const leg = await t.inRoom(call, ROOM);
    await t.run(() => leg.prompts.includes('only-participant'), 'the count');
    assert.deepEqual(said(leg), ['en/welcome', 'zh-CN/enter-room', 'zh-CN/enter-pin', 'zh-CN/only-participant']);
    assert.equal(leg.heard[0]!.interrupted, true, 'the 9 cut the welcome short');
    assert.equal(t.view(ROOM, leg)?.role, 'guest');
    leg.remoteHangup();
    const s = await t.ended(call);
    assert.equal(s.lang, 'zh-CN');
    assert.equal((await base.cdr(s.cdrId)).role, 'guest');
  });

  test('an unknown room three times: "no such room" each time, then "too many attempts" and the bridge hangs up', async () => {
    const script = new CallerScript().onPrompt('enter-room', '111111#').onPrompt('enter-room', '222222#').onPrompt('enter-room', '333333#');
    const call = t.call('13900000003', EN, script);
    const s = await t.ended(call);
    const leg = call.leg!;
    assert.deepEqual(leg.prompts, ['welcome', 'lang-switch', 'enter-room', 'room-not-found', 'enter-room', 'room-not-found', 'enter-room', 'room-not-found', 'too-many-attempts']);
    assert.deepEqual(leg.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    assert.equal(s.outcome, 'too_many_attempts:room');
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual({ state: cdr.state, roomNumber: cdr.roomNumber, accessNumber: cdr.accessNumber, q850: cdr.q850 }, { state: 'closed', roomNumber: null, accessNumber: EN, q850: Q850.NORMAL_CLEARING });
    assert.equal(t.engine.conferences.length, 0, 'no room was opened');
  });

  test('silence at the room prompt: "try again" after the 10 s first-digit timeout; digits without # end after the 5 s inter-digit timeout', async () => {
    // First try: nothing. Second: 8888 and no # (checked as typed, not a room). Third: the room.
    const call = t.call('13900000004', EN, new CallerScript()
      .afterPrompt('enter-room', '')
      .afterPrompt('enter-room', '8888')
      .afterPrompt('enter-room', `${ROOM}#`)
      .onPrompt('enter-pin', `${DEMO.room.chairPin}#`));
    const leg = await t.inRoom(call, ROOM);
    assert.deepEqual(leg.prompts.slice(0, 8), ['welcome', 'lang-switch', 'enter-room', 'try-again', 'enter-room', 'room-not-found', 'enter-room', 'enter-pin']);
    const enterRoomMs = lengthOf({ file: promptPath('enter-room', 'en') }) as number;
    const [first, tryAgain, second, notFound] = [leg.heard[2]!, leg.heard[3]!, leg.heard[4]!, leg.heard[5]!];
    assert.equal(tryAgain.at - first.at, enterRoomMs + 10_000, 'the first-digit timeout ran 10 s after the prompt');
    // 8888 typed at the end of the prompt, 100 ms apart; the entry ends 5 s after the last key.
    assert.equal(notFound.at - second.at, enterRoomMs + 300 + 5_000, 'the inter-digit timeout ran 5 s after the last key');
    leg.remoteHangup();
    assert.equal((await t.ended(call)).outcome, 'joined');
  });

  test('a number that is neither an access number nor a room: refused with Q.850 1 (404), never answered, CDR closed', async () => {
    const call = t.call('13900000005', '5550100');
    const s = await t.ended(call);
    assert.equal(call.rejected, Q850.UNALLOCATED_NUMBER);
    assert.equal(call.leg, undefined, 'never answered');
    assert.deepEqual({ route: s.route, outcome: s.outcome }, { route: 'unknown', outcome: 'rejected' });
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual({ state: cdr.state, answeredAt: cdr.answeredAt, q850: cdr.q850 }, { state: 'closed', answeredAt: null, q850: Q850.UNALLOCATED_NUMBER });
  });

  test('SIP URI dial-in (sip:ROOM@bridge): Mandarin welcome, no room step, the PIN, in the room', async () => {
    const call = t.call('13900000006', ROOM, new CallerScript().onPrompt('enter-pin', `${DEMO.room.chairPin}#`));
    const leg = await t.inRoom(call, ROOM);
    await t.run(() => leg.prompts.includes('only-participant'), 'the count');
    assert.deepEqual(said(leg), ['zh-CN/welcome', 'zh-CN/lang-switch', 'zh-CN/enter-pin', 'zh-CN/only-participant']);
    leg.remoteHangup();
    const s = await t.ended(call);
    assert.deepEqual({ route: s.route, lang: s.lang }, { route: 'room', lang: 'zh-CN' });
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual({ accessNumber: cdr.accessNumber, roomNumber: cdr.roomNumber, role: cdr.role }, { accessNumber: null, roomNumber: ROOM, role: 'chair' });
  });

  test('a room that has not started yet: "not started", "goodbye", the bridge hangs up', async () => {
    const later = await t.room('7101001', { schedule: { startsAt: new Date(t.clock.date().getTime() + 3 * 3600_000), durationMinutes: 60, rrule: null, earlyEntryMinutes: 10 } });
    const call = t.call('13900000007', ZH, new CallerScript().onPrompt('enter-room', `${later.number}#`));
    const s = await t.ended(call);
    assert.deepEqual(call.leg!.prompts, ['welcome', 'lang-switch', 'enter-room', 'meeting-not-started', 'goodbye']);
    assert.equal(s.outcome, 'room_refused:not_started');
    assert.deepEqual(call.leg!.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
  });

  test('the caller hangs up at the PIN prompt: outcome hung_up, the CDR closed with the room it had reached', async () => {
    const call = t.call('13900000008', EN, new CallerScript().onPrompt('enter-room', `${ROOM}#`).hangupOnPrompt('enter-pin', { delayMs: 1000 }));
    const s = await t.ended(call);
    assert.equal(s.outcome, 'hung_up');
    assert.deepEqual(call.leg!.hangupInfo, { by: 'remote', cause: Q850.NORMAL_CLEARING });
    const cdr = await base.cdr(s.cdrId);
    assert.deepEqual({ state: cdr.state, roomNumber: cdr.roomNumber, role: cdr.role }, { state: 'closed', roomNumber: ROOM, role: null });
    assert.equal(t.live(ROOM), undefined, 'no live room');
  });
});
