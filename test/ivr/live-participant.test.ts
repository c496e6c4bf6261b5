// The live seam's participant commands on the fake engine (ivr/live/ over
// the live rooms): mute / unmute from the web (a chair-style mute that *1
// cannot undo), remove (kicked, hung up, CDR closed), make chair / make
// guest (the guest rules: listen-only, wait for chair, mute all), hold with
// music, talk and listen volume; unknown participants, closed rooms and
// other accounts. What the member in the engine got, what the caller heard,
// the events and the conference log.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FakeCallLeg } from '../../bridge/fake/leg.ts';
import { Q850 } from '../../bridge/q850.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import type { LiveCommand } from '../../core/live/messages.ts';
import { FakeIvr, FakeIvrDb, since } from '../support/fake-ivr.ts';
import { LiveEventLog, WEB, WEB_ACTOR } from '../support/live-events.ts';

describe('live participant commands on the fake engine', () => {
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

  /** A new room with a chair and a guest in it (their count prompts played). */
  async function twoInRoom(options: Record<string, boolean> = {}) {
    const room = await t.room(`71200${String(++n).padStart(2, '0')}`, { options });
    const chair = await t.enter(`chair${n}`, room.number, '4321');
    const guest = await t.enter(`guest${n}`, room.number, '8765');
    await t.run(() => !guest.isPlaying && !chair.isPlaying, 'the count prompts');
    const live = t.live(room.number)!;
    const conf = t.engine.conferencesNamed(`room-${room.number}`)[0]!;
    return { number: room.number, chair, guest, live, conf, conferenceId: live.conferenceId };
  }

  const acc = () => base.seed.accountId;
  const run = (conferenceId: string, command: LiveCommand) => t.ivr.live.execute(acc(), conferenceId, command, WEB);

  /** The conference log, once the writes under way have landed. */
  async function events(conferenceId: string) {
    await t.clock.settle();
    return base.repos.conferences.listEvents(acc(), conferenceId);
  }

  test('a web mute is a chair mute: not heard, "muted by web"; the guest\'s *1 answers "muted by the chair"; the web\'s unmute opens the line', async () => {
    const { guest, conf, conferenceId } = await twoInRoom();
    const r = await run(conferenceId, { type: 'mute', participantId: guest.id, muted: true });
    assert.deepEqual({ muted: r.participant?.muted, mutedBy: r.participant?.mutedBy }, { muted: true, mutedBy: 'web' });
    assert.equal(conf.member(guest.id)?.muted, true, 'the engine mutes the member');
    const ev = log.participant(guest.id).at(-1)!;
    assert.deepEqual({ by: ev.by, mutedBy: ev.participant.mutedBy }, { by: WEB, mutedBy: 'web' });
    const heard = since(guest);
    await t.press(guest, '*1', () => heard.heard.at(-1) === 'cannot-unmute-chair-muted', '"muted by the chair"');
    assert.equal(conf.member(guest.id)?.muted, true, '*1 cannot undo it');
    await run(conferenceId, { type: 'mute', participantId: guest.id, muted: false });
    assert.equal(conf.member(guest.id)?.muted, false);
    // A guest who muted themselves is opened by the web's unmute too.
    await t.press(guest, '*1', () => conf.member(guest.id)?.muted === true, 'self-muted');
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId)!.participants.find((p) => p.id === guest.id)?.mutedBy, 'self');
    const opened = await run(conferenceId, { type: 'mute', participantId: guest.id, muted: false });
    assert.deepEqual({ muted: opened.participant?.muted, mutedBy: opened.participant?.mutedBy }, { muted: false, mutedBy: null });
    assert.equal(conf.member(guest.id)?.muted, false);
    const rows = (await events(conferenceId)).filter((e) => e.kind === 'mute' || e.kind === 'unmute');
    assert.deepEqual(rows.map((e) => [e.kind, e.data.by, e.actor]), [
      ['mute', 'web', WEB_ACTOR], ['unmute', 'web', WEB_ACTOR],
      ['mute', 'self', `leg:${guest.id}`], ['unmute', 'web', WEB_ACTOR],
    ]);
  });

  test('remove: the participant leaves ("kicked") and is hung up; its CDR is closed; a kick event by the web user', async () => {
    const { number, chair, guest, conferenceId } = await twoInRoom();
    const r = await run(conferenceId, { type: 'remove', participantId: guest.id });
    assert.deepEqual(r, { ok: true });
    assert.deepEqual(guest.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING }, 'the caller gets a BYE');
    assert.deepEqual(t.live(number)!.list().map((v) => v.id), [chair.id]);
    assert.deepEqual(log.of('left', conferenceId).map((e) => [e.participantId, e.reason]), [[guest.id, 'kicked']]);
    const cdr = await base.cdr(guest.id);
    assert.deepEqual({ state: cdr.state, q850: cdr.q850, role: cdr.role }, { state: 'closed', q850: Q850.NORMAL_CLEARING, role: 'guest' });
    const kick = (await events(conferenceId)).filter((e) => e.kind === 'kick');
    assert.deepEqual(kick.map((e) => [e.legId, e.actor]), [[guest.id, WEB_ACTOR]]);
    assert.equal(chair.ended, false);
  });

  test('*3 on the phone goes through the same removal: a left event "kicked" naming the leg, a kick by the chair\'s leg', async () => {
    const { chair, guest, conferenceId } = await twoInRoom();
    await t.press(chair, '*3', () => guest.ended, 'the guest removed');
    assert.deepEqual(log.of('left', conferenceId).map((e) => [e.participantId, e.reason]), [[guest.id, 'kicked']]);
    const kick = (await events(conferenceId)).filter((e) => e.kind === 'kick');
    assert.deepEqual(kick.map((e) => [e.legId, e.actor]), [[guest.id, `leg:${chair.id}`]]);
  });

  test('make chair in a listen-only, wait-for-chair room: the guest speaks and the waiting guests are released; make guest puts the guest rules back', async () => {
    const room = await t.room('7120101', { options: { guestListenOnly: true, guestWaitForChair: true } });
    const g1 = await t.enter('promote1', room.number, '8765');
    const g2 = await t.enter('promote2', room.number, '8765');
    const conf = t.engine.conferencesNamed(`room-${room.number}`)[0]!;
    const conferenceId = t.live(room.number)!.conferenceId;
    await t.run(() => g2.prompts.at(-1) === 'wait-chair' && !g2.isPlaying, '"the chair has not joined"');
    const member = (leg: FakeCallLeg) => ({ muted: conf.member(leg.id)?.muted, hold: conf.member(leg.id)?.hold });
    assert.deepEqual(member(g1), { muted: true, hold: 'hold' });
    const r = await run(conferenceId, { type: 'role', participantId: g1.id, role: 'chair' });
    assert.deepEqual({ role: r.participant?.role, muted: r.participant?.muted }, { role: 'chair', muted: false });
    assert.deepEqual(member(g1), { muted: false, hold: null }, 'the new chair speaks');
    assert.deepEqual(member(g2), { muted: true, hold: null }, 'released from hold, still listen-only');
    const released = log.participant(g2.id).at(-1)!;
    assert.deepEqual({ waiting: released.participant.mutedBy, by: released.by }, { waiting: 'listen-only', by: WEB });
    await t.run(() => conf.played.includes('chair-joined'), '"the chair has joined"');
    const back = await run(conferenceId, { type: 'role', participantId: g1.id, role: 'guest' });
    assert.deepEqual({ role: back.participant?.role, mutedBy: back.participant?.mutedBy }, { role: 'guest', mutedBy: 'listen-only' });
    assert.deepEqual(member(g1), { muted: true, hold: null });
    const heard = since(g1);
    await t.press(g1, '*2', () => heard.heard.at(-1) === 'chair-only', 'a guest again: "for the chair"');
    assert.deepEqual((await events(conferenceId)).filter((e) => e.kind === 'role_change').map((e) => e.data.role), ['chair', 'guest']);
  });

  test('a chair made guest while all are muted is muted with them; made chair again, it speaks', async () => {
    const { number, chair, guest, conf, conferenceId } = await twoInRoom();
    await t.enter('chair2b', number, '4321');
    await run(conferenceId, { type: 'mute-all', muted: true });
    assert.equal(conf.member(chair.id)?.muted, false, 'chairs stay open');
    const r = await run(conferenceId, { type: 'role', participantId: chair.id, role: 'guest' });
    assert.deepEqual({ muted: r.participant?.muted, mutedBy: r.participant?.mutedBy }, { muted: true, mutedBy: 'web' });
    assert.equal(conf.member(chair.id)?.muted, true);
    await run(conferenceId, { type: 'role', participantId: guest.id, role: 'chair' });
    assert.equal(conf.member(guest.id)?.muted, false, 'a guest made chair speaks under mute all');
  });

  test('hold with music and resume: the held caller hears the music and is not heard; resume puts it back as it was', async () => {
    const { guest, conf, conferenceId } = await twoInRoom();
    await run(conferenceId, { type: 'volume', participantId: guest.id, talkDb: -6 });
    const r = await run(conferenceId, { type: 'hold', participantId: guest.id, held: true });
    assert.deepEqual({ held: r.participant?.held, muted: r.participant?.muted, mutedBy: r.participant?.mutedBy }, { held: true, muted: true, mutedBy: 'held' });
    assert.deepEqual({ muted: conf.member(guest.id)?.muted, hold: conf.member(guest.id)?.hold }, { muted: true, hold: 'hold' });
    await run(conferenceId, { type: 'hold', participantId: guest.id, held: false });
    assert.deepEqual({ muted: conf.member(guest.id)?.muted, hold: conf.member(guest.id)?.hold, talkDb: conf.member(guest.id)?.talkDb }, { muted: false, hold: null, talkDb: -6 });
    assert.deepEqual(log.participant(guest.id).map((e) => e.participant.held), [false, true, false]);
  });

  test('talk and listen volume reach the member in dB; outside ±18 dB is a ValidationError and changes nothing', async () => {
    const { guest, conf, live, conferenceId } = await twoInRoom();
    const r = await run(conferenceId, { type: 'volume', participantId: guest.id, talkDb: -18, listenDb: 6 });
    assert.deepEqual({ talkDb: r.participant?.talkDb, listenDb: r.participant?.listenDb }, { talkDb: -18, listenDb: 6 });
    assert.deepEqual({ talkDb: conf.member(guest.id)?.talkDb, listenDb: conf.member(guest.id)?.listenDb }, { talkDb: -18, listenDb: 6 });
    await run(conferenceId, { type: 'volume', participantId: guest.id, listenDb: 0 });
    assert.deepEqual({ talkDb: conf.member(guest.id)?.talkDb, listenDb: conf.member(guest.id)?.listenDb }, { talkDb: -18, listenDb: 0 }, 'only what was given changes');
    await assert.rejects(run(conferenceId, { type: 'volume', participantId: guest.id, talkDb: 19 }), ValidationError);
    await assert.rejects(live.setVolume(live.get(guest.id)!, { listenDb: -40 }, WEB), ValidationError);
    assert.equal(conf.member(guest.id)?.talkDb, -18);
  });

  test('an unknown participant is NotFoundError(participant); another account\'s conference, or one that ended, is NotFoundError(conference)', async () => {
    const { guest, chair, conferenceId } = await twoInRoom();
    await assert.rejects(run(conferenceId, { type: 'mute', participantId: 'nobody', muted: true }), (e: unknown) => e instanceof NotFoundError && e.entity === 'participant' && e.id === 'nobody');
    const other = await base.repos.accounts.create({ name: `other ${randomUUID()}` });
    assert.equal(t.ivr.live.snapshot(other.id, conferenceId), undefined);
    assert.deepEqual(t.ivr.live.list(other.id), []);
    await assert.rejects(t.ivr.live.execute(other.id, conferenceId, { type: 'remove', participantId: guest.id }, WEB), (e: unknown) => e instanceof NotFoundError && e.entity === 'conference');
    assert.equal(guest.ended, false, 'another account cannot touch it');
    await assert.rejects(run(randomUUID(), { type: 'lock', locked: true }), NotFoundError);
    await assert.rejects(run(conferenceId, { type: 'mute', participantId: guest.id, muted: 'yes' } as unknown as LiveCommand), ValidationError);
    guest.remoteHangup();
    chair.remoteHangup();
    await t.run(() => log.of('ended', conferenceId).length === 1, 'the room closed');
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId), undefined);
    await assert.rejects(run(conferenceId, { type: 'lock', locked: true }), (e: unknown) => e instanceof NotFoundError && e.entity === 'conference');
  });
});
