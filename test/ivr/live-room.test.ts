// The live seam's room commands on the fake engine, and the keypad sharing
// their state: mute all (*5 on the phone shows as the web's events), lock
// (*2), record (*7), extend (the row, the window and its warnings, "extended
// by"), the participant limit within the tier, end (goodbye, every leg hung
// up, every CDR closed, the row ended) and the room option "end when the
// last chair leaves".
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import { Q850 } from '../../bridge/q850.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { LiveCommand } from '../../core/live/messages.ts';
import type { RoomOptions } from '../../core/rooms/store.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';
import { LiveEventLog, WEB, WEB_ACTOR } from '../support/live-events.ts';

const EN = '4008001000';
const MINUTE = 60_000;

describe('live room commands on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let log: LiveEventLog;
  let n = 0;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => {
    t = FakeIvr.start(base);
    log = new LiveEventLog(t.ivr.live, () => t.clock.now());
  });
  afterEach(async () => {
    log.close();
    assert.deepEqual(log.invalid, [], 'every event matches the seam\'s schema');
    await t.close();
  });

  const acc = () => base.seed.accountId;
  const run = (conferenceId: string, command: LiveCommand) => t.ivr.live.execute(acc(), conferenceId, command, WEB);

  /** A new room (open for an hour unless `minutesLeft` says when it closes) with a chair and a guest in it. */
  async function twoInRoom(options: Partial<RoomOptions> = {}, minutesLeft?: number) {
    const number = `71210${String(++n).padStart(2, '0')}`;
    const schedule = minutesLeft === undefined ? undefined
      : { startsAt: new Date(t.clock.date().getTime() - (60 - minutesLeft) * MINUTE), durationMinutes: 60, rrule: null, earlyEntryMinutes: 10, autoExtendMinutes: 0 };
    await t.room(number, { options, ...(schedule ? { schedule } : {}) });
    const chair = await t.enter(`chair${n}`, number, '4321');
    const guest = await t.enter(`guest${n}`, number, '8765');
    await t.run(() => !guest.isPlaying && !chair.isPlaying, 'the count prompts');
    const live = t.live(number)!;
    const conf = t.engine.conferencesNamed(`room-${number}`)[0]!;
    return { number, chair, guest, live, conf, conferenceId: live.conferenceId };
  }

  async function events(conferenceId: string) {
    await t.clock.settle();
    return base.repos.conferences.listEvents(acc(), conferenceId);
  }

  test('*5 on the phone shows as all-muted and participant events by that participant; the web\'s unmute all reopens the guests', async () => {
    const { chair, guest, conf, conferenceId } = await twoInRoom();
    await t.press(chair, '*5', () => conf.member(guest.id)?.muted === true, 'all muted');
    const chairActor = { kind: 'participant', participantId: chair.id };
    assert.deepEqual(log.of('all-muted', conferenceId).map((e) => [e.muted, e.by]), [[true, chairActor]]);
    const ev = log.participant(guest.id).at(-1)!;
    assert.deepEqual({ mutedBy: ev.participant.mutedBy, by: ev.by }, { mutedBy: 'chair', by: chairActor });
    assert.equal(log.participant(chair.id).length, 0, 'the chair stays open');
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId)!.allMuted, true);
    await run(conferenceId, { type: 'mute-all', muted: false });
    assert.equal(conf.member(guest.id)?.muted, false);
    assert.deepEqual(log.of('all-muted', conferenceId).map((e) => [e.muted, e.by]), [[true, chairActor], [false, WEB]]);
    assert.deepEqual((await events(conferenceId)).filter((e) => e.kind.endsWith('mute_all')).map((e) => [e.kind, e.actor]), [['mute_all', `leg:${chair.id}`], ['unmute_all', WEB_ACTOR]]);
  });

  test('the web\'s mute all: guests muted (a guest joining now too, *1 cannot undo it), chairs open; *5 on the phone then unmutes', async () => {
    const { number, chair, guest, conf, conferenceId } = await twoInRoom();
    await run(conferenceId, { type: 'mute-all', muted: true });
    assert.deepEqual([conf.member(guest.id)?.muted, conf.member(chair.id)?.muted], [true, false]);
    const late = await t.enter('late2', number, '8765');
    assert.equal(conf.member(late.id)?.muted, true, 'joins muted');
    assert.equal(log.of('joined', conferenceId).at(-1)?.participant.mutedBy, 'web');
    await t.run(() => !late.isPlaying, 'the count');
    await t.press(late, '*1', () => late.prompts.at(-1) === 'cannot-unmute-chair-muted', '"muted by the chair"');
    await t.press(chair, '*5', () => conf.member(guest.id)?.muted === false, 'unmuted from the phone');
    assert.equal(conf.member(late.id)?.muted, false);
    await t.run(() => chair.prompts.at(-1) === 'all-unmuted', '"all unmuted"');
  });

  test('lock from the web: a new guest is refused, a locked event by the web; *2 on the phone unlocks (by the chair) and a guest gets in', async () => {
    const { number, chair, live, conferenceId } = await twoInRoom();
    await run(conferenceId, { type: 'lock', locked: true });
    assert.equal(live.locked, true);
    assert.equal((await base.repos.conferences.get(acc(), conferenceId)).locked, true, 'saved on the row');
    const refused = t.call('13900000101', EN, new CallerScript().onPrompt('enter-room', `${number}#`).onPrompt('enter-pin', '8765#'));
    assert.equal((await t.ended(refused)).outcome, 'refused:locked');
    await t.press(chair, '*2', () => chair.prompts.at(-1) === 'meeting-now-unlocked', '"unlocked"');
    assert.deepEqual(log.of('locked', conferenceId).map((e) => [e.locked, e.by]), [[true, WEB], [false, { kind: 'participant', participantId: chair.id }]]);
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId)!.locked, false);
    await t.enter('13900000102', number, '8765');
  });

  test('record from the web: "being recorded" to the room, the mix recorded, a recording event and row; stopped from the web', async () => {
    const { conf, live, conferenceId } = await twoInRoom({ chairRecord: false });
    await t.drive(run(conferenceId, { type: 'record', on: true }), 'the recording to start');
    assert.equal(live.recording, true);
    assert.ok(conf.log.some((e) => e.what === 'record-start'));
    assert.deepEqual(conf.played, ['recording-started']);
    await t.clock.advance(5000);
    await t.drive(run(conferenceId, { type: 'record', on: false }), 'the recording to stop');
    assert.deepEqual(conf.played, ['recording-started', 'recording-stopped']);
    assert.deepEqual(log.of('recording', conferenceId).map((e) => [e.on, e.by]), [[true, WEB], [false, WEB]]);
    await t.clock.settle();
    const rows = await base.repos.recordings.list(acc(), { conferenceId });
    assert.equal(rows.length, 1);
    assert.ok((rows[0]!.durationMs ?? 0) >= 5000, 'the row is finished with the length');
  });

  test('*7 on the phone shows as a recording event by the chair; the web stops it', async () => {
    const { chair, live, conferenceId } = await twoInRoom({ chairRecord: true });
    await t.press(chair, '*7', () => log.of('recording', conferenceId).length === 1, 'recording');
    assert.deepEqual(log.of('recording', conferenceId).map((e) => [e.on, e.by]), [[true, { kind: 'participant', participantId: chair.id }]]);
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId)!.recording, true);
    await t.drive(run(conferenceId, { type: 'record', on: false }), 'the recording to stop');
    assert.equal(live.recording, false);
    assert.deepEqual((await events(conferenceId)).filter((e) => e.kind.startsWith('record_')).map((e) => [e.kind, e.actor]), [['record_start', `leg:${chair.id}`], ['record_stop', WEB_ACTOR]]);
  });

  test('extend by 15 minutes: the row, the window (warnings move), "extended by 15 minutes", an extended event; warnings are events', async () => {
    const { conf, live, conferenceId } = await twoInRoom({}, 11);
    const closesAt = live.windowClosesAt.getTime();
    const extendedAt = t.clock.now();
    const r = await run(conferenceId, { type: 'extend', minutes: 15 });
    assert.equal(Date.parse(r.closesAt!), closesAt + 15 * MINUTE);
    assert.equal((await base.repos.conferences.get(acc(), conferenceId)).extendedMinutes, 15);
    const ext = log.of('extended', conferenceId);
    assert.deepEqual(ext.map((e) => [e.minutes, e.closesAt, e.by]), [[15, r.closesAt, WEB]]);
    await t.run(() => conf.played.includes('unit-minutes'), '"extended by 15 minutes"');
    assert.deepEqual(conf.played, ['extended-pre', 'num-15', 'unit-minutes']);
    await t.run(() => log.of('warning', conferenceId).length === 1, 'the first warning', 20 * MINUTE);
    const w = log.of('warning', conferenceId)[0]!;
    assert.equal(w.minutesLeft, 10);
    assert.equal(Date.parse(w.at), Date.parse(r.closesAt!) - 10 * MINUTE, '10 minutes before the new close');
    assert.ok(w.fakeMs - extendedAt > 14 * MINUTE, 'not at the old close\'s 10-minute mark');
    await assert.rejects(run(conferenceId, { type: 'extend', minutes: 20 } as unknown as LiveCommand), ValidationError);
  });

  test('the participant limit: raised and lowered within the tier (a limit event), above the tier a ValidationError; a lowered limit refuses the next caller', async () => {
    const { number, conferenceId } = await twoInRoom();
    const snap = t.ivr.live.snapshot(acc(), conferenceId)!;
    assert.equal(snap.tierMaxParticipants, 600, 'the demo account is formal tier');
    assert.deepEqual(await run(conferenceId, { type: 'limit', max: 600 }), { ok: true, max: 600 });
    await assert.rejects(run(conferenceId, { type: 'limit', max: 601 }), (e: unknown) => e instanceof ValidationError && e.field === 'max');
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId)!.maxParticipants, 600, 'unchanged');
    await run(conferenceId, { type: 'limit', max: 2 });
    assert.deepEqual(log.of('limit', conferenceId).map((e) => [e.max, e.by]), [[600, WEB], [2, WEB]]);
    const third = t.call('13900000103', EN, new CallerScript().onPrompt('enter-room', `${number}#`).onPrompt('enter-pin', '8765#'));
    assert.equal((await t.ended(third)).outcome, 'refused:full');
    assert.equal(t.live(number)!.size, 2, 'nobody removed');
  });

  test('end from the web: goodbye to the room, every caller hung up, every CDR closed, the row ended (ended_by_web), left and ended events', async () => {
    const { number, chair, guest, conf, conferenceId } = await twoInRoom();
    const third = await t.enter('13900000104', number, '8765');
    assert.deepEqual(await run(conferenceId, { type: 'end' }), { ok: true });
    await assert.rejects(run(conferenceId, { type: 'lock', locked: true }), InvalidStateError, 'the meeting is ending');
    await t.run(() => log.of('ended', conferenceId).length === 1, 'the end');
    assert.deepEqual(conf.played.at(-1), 'meeting-ending-goodbye');
    for (const leg of [chair, guest, third]) assert.deepEqual(leg.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    assert.deepEqual(log.of('left', conferenceId).map((e) => e.reason), ['ended', 'ended', 'ended']);
    assert.equal(log.of('ended', conferenceId)[0]!.reason, 'ended_by_web');
    for (const leg of [chair, guest, third]) assert.equal((await base.cdr(leg.id)).state, 'closed');
    const row = await base.repos.conferences.get(acc(), conferenceId);
    assert.deepEqual({ ended: row.endedAt !== null, reason: row.endReason }, { ended: true, reason: 'ended_by_web' });
    await assert.rejects(run(conferenceId, { type: 'end' }), NotFoundError);
  });

  test('end when the last chair leaves: a chair leaving while another stays ends nothing; the last one leaving ends the meeting for everyone', async () => {
    const { number, chair, guest, conf, conferenceId } = await twoInRoom({ endWhenLastChairLeaves: true });
    const chair2 = await t.enter('chair2h', number, '4321');
    chair.remoteHangup();
    await t.run(() => t.live(number)?.size === 2, 'the first chair gone');
    assert.equal(guest.ended, false);
    chair2.remoteHangup();
    await t.run(() => guest.ended, 'the guest hung up');
    assert.equal(conf.played.at(-1), 'meeting-ending-goodbye');
    assert.deepEqual(guest.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    await t.run(() => log.of('ended', conferenceId).length === 1, 'the end');
    assert.equal(log.of('ended', conferenceId)[0]!.reason, 'last_chair_left');
    assert.equal((await base.cdr(guest.id)).state, 'closed');
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId), undefined);
  });

  test('without the option, the last chair leaving ends nothing', async () => {
    const { number, chair, guest } = await twoInRoom();
    chair.remoteHangup();
    await t.run(() => t.live(number)?.size === 1, 'the chair gone');
    await t.clock.advance(10_000);
    assert.equal(guest.ended, false);
  });
});
