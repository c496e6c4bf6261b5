// In the room, on the fake engine: a full room, wait for chair (hold music,
// muted, released when the chair joins), listen-only guests, the recorded
// name (*announce*) and the end of the window (SPEC §2.7: warnings at 10, 5
// and 1 minutes, then the end — or an auto-extension while people are in).
// The window runs on the fake clock with real minutes.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import { Q850 } from '../../bridge/q850.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

const EN = '4008001000';
const MINUTE = 60_000;

describe('rooms on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base); });
  afterEach(async () => { await t.close(); });

  /** A room whose window closes `minutesLeft` from the fake now. */
  function closingRoom(number: string, minutesLeft: number, autoExtendMinutes: number) {
    const startsAt = new Date(t.clock.date().getTime() - (60 - minutesLeft) * MINUTE);
    return t.room(number, { schedule: { startsAt, durationMinutes: 60, rrule: null, earlyEntryMinutes: 10, autoExtendMinutes } });
  }

  test('a full room refuses the next caller: "the meeting is full", Q.850 21', async () => {
    const room = await t.room('7105001', { maxParticipants: 2 });
    await t.enter('full1', room.number, '4321');
    await t.enter('full2', room.number, '8765');
    const third = t.call('full3', EN, new CallerScript().onPrompt('enter-room', `${room.number}#`).onPrompt('enter-pin', '8765#'));
    const s = await t.ended(third);
    assert.equal(s.outcome, 'refused:full');
    assert.deepEqual(third.leg!.prompts.slice(-2), ['meeting-full', 'goodbye']);
    assert.deepEqual(third.leg!.hangupInfo, { by: 'local', cause: Q850.CALL_REJECTED });
    assert.equal(t.live(room.number)!.size, 2);
  });

  test('wait for chair: guests hold (music, muted, "the chair has not joined") until the chair arrives, then speak; "the chair has joined" to all', async () => {
    const room = await t.room('7105002', { options: { guestWaitForChair: true } });
    const g1 = await t.enter('wait1', room.number, '8765');
    const g2 = await t.enter('wait2', room.number, '8765');
    const conf = t.engine.conferencesNamed(`room-${room.number}`)[0]!;
    await t.run(() => g2.prompts.at(-1) === 'wait-chair', '"please hold"');
    for (const g of [g1, g2]) {
      assert.deepEqual({ muted: conf.member(g.id)?.muted, hold: conf.member(g.id)?.hold }, { muted: true, hold: 'hold' }, 'on hold, not heard');
      assert.equal(t.view(room.number, g)?.waiting, true);
    }
    await t.enter('chairW', room.number, '4321');
    await t.run(() => conf.played.includes('chair-joined'), '"the chair has joined"');
    for (const g of [g1, g2]) {
      assert.deepEqual({ muted: conf.member(g.id)?.muted, hold: conf.member(g.id)?.hold }, { muted: false, hold: null }, 'released');
    }
  });

  test('listen-only guests join muted and *1 cannot unmute them', async () => {
    const room = await t.room('7105003', { options: { guestListenOnly: true } });
    await t.enter('chairL', room.number, '4321');
    const guest = await t.enter('listenL', room.number, '8765');
    const conf = t.engine.conferencesNamed(`room-${room.number}`)[0]!;
    assert.equal(conf.member(guest.id)?.muted, true);
    await t.run(() => !guest.isPlaying, 'the count');
    await t.press(guest, '*1', () => guest.prompts.at(-1) === 'cannot-unmute-listen-only', '"listen-only"');
    assert.equal(conf.member(guest.id)?.muted, true);
  });

  test('announce: the guest records a name after the tone (# ends it); the room hears it with "has joined" and, when it leaves, "has left"', async () => {
    const room = await t.room('7105004', { options: { guestAnnounce: true } });
    await t.enter('chairA', room.number, '4321');
    const script = new CallerScript().onPrompt('enter-room', `${room.number}#`).onPrompt('enter-pin', '8765#').afterPrompt('tone:1000', '#', { delayMs: 1500 });
    const guest = await t.inRoom(t.call('guestA', EN, script), room.number);
    assert.deepEqual(guest.prompts.slice(4, 6), ['record-name', 'tone:1000']);
    assert.deepEqual(guest.recordings.map((r) => ({ endedBy: r.endedBy, durationMs: r.durationMs })), [{ endedBy: 'terminator', durationMs: 1500 }]);
    const name = `name-${guest.id}`;
    const conf = t.engine.conferencesNamed(`room-${room.number}`)[0]!;
    await t.run(() => conf.played.includes('has-joined'), '"has joined"');
    guest.remoteHangup();
    await t.run(() => conf.played.includes('has-left'), '"has left"');
    assert.deepEqual(conf.played, [name, 'has-joined', name, 'has-left']);
  });

  test('the end of the window: warnings at 10, 5 and 1 minutes, then "the meeting has ended" and everyone is hung up (time_up)', async () => {
    const opened = t.clock.now();
    const room = await closingRoom('7105005', 11, 0);
    const chair = await t.enter('chairT', room.number, '4321');
    const live = t.live(room.number)!;
    const warnings: number[] = [];
    live.on('warning', (m) => warnings.push(m));
    const conf = t.engine.conferencesNamed(`room-${room.number}`)[0]!;
    await t.run(() => chair.ended, 'the end of the meeting', 12 * MINUTE);
    assert.deepEqual(warnings, [10, 5, 1]);
    assert.deepEqual(conf.played, ['warn-10-min', 'warn-5-min', 'warn-1-min', 'meeting-ending-goodbye']);
    const at = conf.log.flatMap((e) => (e.what === 'play' ? [e.at - opened] : []));
    assert.deepEqual(at, [1, 6, 10, 11].map((m) => m * MINUTE), 'at 10, 5 and 1 minutes before the window closes (11 minutes after the room was made), then at the close');
    assert.deepEqual(chair.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    const row = await base.repos.conferences.get(base.seed.accountId, live.conferenceId);
    assert.equal(row.endReason, 'time_up');
  });

  test('auto-extend: with someone in, the end of the window extends it by 15 minutes ("extended by 15 minutes"), and the warnings start again', async () => {
    const room = await closingRoom('7105006', 11, 15);
    const chair = await t.enter('chairX', room.number, '4321');
    const live = t.live(room.number)!;
    const warnings: number[] = [];
    const extended: number[] = [];
    live.on('warning', (m) => warnings.push(m));
    live.on('extended', (m) => extended.push(m));
    const conf = t.engine.conferencesNamed(`room-${room.number}`)[0]!;
    await t.run(() => warnings.length === 4, 'the first warning after the extension', 20 * MINUTE);
    assert.deepEqual(extended, [15]);
    assert.deepEqual(warnings, [10, 5, 1, 10]);
    assert.deepEqual(conf.played, ['warn-10-min', 'warn-5-min', 'warn-1-min', 'extended-pre', 'num-15', 'unit-minutes', 'warn-10-min']);
    assert.equal(chair.ended, false);
    const row = await base.repos.conferences.get(base.seed.accountId, live.conferenceId);
    assert.equal(row.extendedMinutes, 15);
  });
});
