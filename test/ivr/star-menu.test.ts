// The star-codes (SPEC §3) on the fake engine, with a chair and a guest in a
// room: *1 mute self, *2 lock, *3 remove the last, *4 count, *5 mute all, *7
// record, *8 back, an invalid key, the menu timeout, and *0 the operator
// (private call, *# back). What each hears, what the conference did (joins,
// mutes, prompts to all, recording), the conference events and the CDRs.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeCallLeg } from '../../bridge/fake/leg.ts';
import { CallerScript } from '../../bridge/fake/script.ts';
import { Q850 } from '../../bridge/q850.ts';
import { FakeIvr, FakeIvrDb, since } from '../support/fake-ivr.ts';

const OPERATOR = 'sip:operator@127.0.0.1:5090';

describe('star-codes on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let n = 0;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base, { operatorTarget: OPERATOR }); });
  afterEach(async () => { await t.close(); });

  /** A new room with a chair and a guest in it (their count prompts played). */
  async function twoInRoom(options: Record<string, boolean> = {}): Promise<{ number: string; chair: FakeCallLeg; guest: FakeCallLeg }> {
    const room = await t.room(`71030${String(++n).padStart(2, '0')}`, { options });
    const chair = await t.enter(`chair${n}`, room.number, '4321');
    const guest = await t.enter(`guest${n}`, room.number, '8765');
    await t.run(() => guest.prompts.includes('count-post') && !guest.isPlaying, 'the guest\'s count');
    return { number: room.number, chair, guest };
  }

  async function events(number: string) {
    return base.repos.conferences.listEvents(base.seed.accountId, t.live(number)!.conferenceId);
  }

  test('*1 mutes the guest in the mix and *1 unmutes; mute and unmute events, two dtmf_command events', async () => {
    const { number, guest } = await twoInRoom();
    const conf = t.engine.conferencesNamed(`room-${number}`)[0]!;
    const heard = since(guest);
    await t.press(guest, '*1', () => conf.member(guest.id)?.muted === true, 'the guest muted');
    assert.equal(t.view(number, guest)?.selfMuted, true);
    await t.press(guest, '*1', () => conf.member(guest.id)?.muted === false, 'the guest unmuted');
    await t.run(() => heard.heard.includes('unmuted'), '"unmuted"');
    assert.deepEqual(heard.heard, ['menu', 'muted', 'menu', 'unmuted']);
    const ev = await events(number);
    assert.deepEqual(ev.filter((e) => e.kind === 'mute' || e.kind === 'unmute').map((e) => e.kind), ['mute', 'unmute']);
    assert.deepEqual(ev.filter((e) => e.kind === 'dtmf_command').map((e) => e.data.key), ['*1', '*1']);
  });

  test('*2: a guest hears "for the chair"; the chair locks — a new guest is refused, a new chair admitted — and unlocks', async () => {
    const { number, chair, guest } = await twoInRoom();
    const live = t.live(number)!;
    const g = since(guest);
    await t.press(guest, '*2', () => g.heard.includes('chair-only'), '"chair only"');
    assert.equal(live.locked, false);
    await t.press(chair, '*2', () => chair.prompts.includes('meeting-now-locked'), '"locked"');
    assert.equal(live.locked, true);
    assert.equal((await base.repos.conferences.get(base.seed.accountId, live.conferenceId)).locked, true, 'the lock is saved');
    const refused = t.call('13900000031', '4008001000', new CallerScript().onPrompt('enter-room', `${number}#`).onPrompt('enter-pin', '8765#'));
    const s = await t.ended(refused);
    assert.equal(s.outcome, 'refused:locked');
    assert.deepEqual(refused.leg!.prompts.slice(-2), ['meeting-locked', 'goodbye']);
    assert.deepEqual(refused.leg!.hangupInfo, { by: 'local', cause: Q850.CALL_REJECTED });
    const chair2 = await t.enter('chair2b', number, '4321');
    assert.equal(t.view(number, chair2)?.role, 'chair');
    await t.press(chair, '*2', () => chair.prompts.includes('meeting-now-unlocked'), '"unlocked"');
    assert.equal(live.locked, false);
    assert.deepEqual((await events(number)).filter((e) => e.kind === 'lock' || e.kind === 'unlock').map((e) => e.kind), ['lock', 'unlock']);
  });

  test('*3 removes the last to join (hung up, a kick event), never the chair pressing; alone, "no one to remove"', async () => {
    const { number, chair, guest } = await twoInRoom();
    const last = await t.enter('guest3b', number, '8765');
    await t.press(chair, '*3', () => last.ended, 'the last joiner hung up');
    assert.deepEqual(last.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    await t.run(() => chair.prompts.at(-1) === 'participant-removed', '"removed"');
    assert.deepEqual(t.live(number)!.list().map((v) => v.id).sort(), [chair.id, guest.id].sort());
    assert.equal((await events(number)).filter((e) => e.kind === 'kick').length, 1);
    guest.remoteHangup();
    await t.press(chair, '*3', () => chair.prompts.at(-1) === 'no-one-to-remove', '"no one to remove"');
    assert.equal(chair.ended, false, 'the chair never removes itself');
  });

  test('*4 says how many are in the room', async () => {
    const { chair } = await twoInRoom();
    const heard = since(chair);
    await t.press(chair, '*4', () => heard.heard.at(-1) === 'count-post', 'the count');
    assert.deepEqual(heard.heard, ['menu', 'count-pre', 'num-2', 'count-post']);
  });

  test('*5 mutes every guest (the chair stays open; *1 cannot unmute; a guest joining now is muted) and *5 unmutes', async () => {
    const { number, chair, guest } = await twoInRoom();
    const conf = t.engine.conferencesNamed(`room-${number}`)[0]!;
    await t.press(chair, '*5', () => conf.member(guest.id)?.muted === true, 'all muted');
    await t.run(() => chair.prompts.at(-1) === 'all-muted', '"all muted"');
    assert.equal(conf.member(chair.id)?.muted, false, 'the chair stays open');
    await t.press(guest, '*1', () => guest.prompts.at(-1) === 'cannot-unmute-chair-muted', '"muted by the chair"');
    assert.equal(conf.member(guest.id)?.muted, true);
    const late = await t.enter('guest5b', number, '8765');
    assert.equal(conf.member(late.id)?.muted, true, 'joins muted');
    await t.press(chair, '*5', () => conf.member(guest.id)?.muted === false && conf.member(late.id)?.muted === false, 'all unmuted');
    await t.run(() => chair.prompts.at(-1) === 'all-unmuted', '"all unmuted"');
    assert.deepEqual((await events(number)).filter((e) => e.kind.endsWith('mute_all')).map((e) => e.kind), ['mute_all', 'unmute_all']);
  });

  test('*7: a guest hears "for the chair"; the chair starts recording the mix (announced to all), *7 again stops it; the recording row is finished', async () => {
    const { number, chair, guest } = await twoInRoom({ chairRecord: true });
    const live = t.live(number)!;
    const conf = t.engine.conferencesNamed(`room-${number}`)[0]!;
    await t.press(guest, '*7', () => guest.prompts.at(-1) === 'chair-only', '"chair only"');
    assert.equal(live.recording, false);
    await t.press(chair, '*7', () => conf.log.some((e) => e.what === 'record-start'), 'recording');
    assert.equal(live.recording, true);
    await t.clock.advance(60_000);
    await t.press(chair, '*7', () => !live.recording && conf.log.some((e) => e.what === 'record-stop'), 'stopped');
    assert.deepEqual(conf.played, ['recording-started', 'recording-stopped'], 'both announced to the room');
    const stop = conf.log.find((e) => e.what === 'record-stop');
    assert.ok(stop?.what === 'record-stop' && stop.durationMs >= 60_000, 'a minute recorded');
    const rows = await base.repos.recordings.list(base.seed.accountId, { conferenceId: live.conferenceId });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.durationMs, stop.durationMs);
  });

  test('*7 in a room without the record option: "recording not allowed"', async () => {
    const { chair } = await twoInRoom({ chairRecord: false });
    await t.press(chair, '*7', () => chair.prompts.at(-1) === 'recording-not-allowed', '"not allowed"');
  });

  test('*8 returns; an unknown key is "invalid"; * alone returns to the room after the 5 s menu timeout', async () => {
    const { number, guest } = await twoInRoom();
    const heard = since(guest);
    await t.press(guest, '*8', () => heard.heard.at(-1) === 'returned', '"returned"');
    await t.press(guest, '*9', () => heard.heard.at(-1) === 'invalid-key', '"invalid key"');
    guest.press('*');
    await t.run(() => heard.heard.at(-1) === 'menu', 'the menu');
    const menuAt = guest.heard.at(-1)!.at;
    await t.clock.advance(60_000);
    assert.deepEqual(heard.heard, ['menu', 'returned', 'menu', 'invalid-key', 'menu'], 'no command after the timeout');
    await t.press(guest, '*4', () => heard.heard.at(-1) === 'count-post', 'the next * works');
    assert.ok(guest.heard.at(-4)!.at - menuAt >= 60_000);
    assert.deepEqual((await events(number)).filter((e) => e.kind === 'dtmf_command').map((e) => e.data.key), ['*8', '*4']);
  });

  test('*0 calls the operator: the caller leaves the mix for a private call ("help requested"), *# hangs the operator up and returns', async () => {
    t.engine.onDial('operator', { outcome: 'answer', afterMs: 3000 });
    const { number, guest } = await twoInRoom();
    const live = t.live(number)!;
    const room = t.engine.conferencesNamed(`room-${number}`)[0]!;
    const help: string[] = [];
    live.on('help-requested', (v) => help.push(v.id));
    await t.press(guest, '*0', () => t.engine.dialled[0]?.state === 'answered', 'the operator answered');
    const op = t.engine.dialled[0]!;
    assert.deepEqual({ uri: op.uri, from: op.from }, { uri: OPERATOR, from: '4008001000' });
    assert.deepEqual(help, [guest.id]);
    assert.equal(room.member(guest.id), undefined, 'out of the room\'s mix');
    assert.equal(t.view(number, guest)?.away, 'operator');
    const priv = t.engine.conferencesNamed(`operator-${guest.id}`)[0]!;
    await t.run(() => priv.joins.length === 2, 'both in the private call');
    assert.deepEqual(priv.joins, [guest.id, op.leg!.id]);
    await t.press(guest, '*#', () => guest.prompts.at(-1) === 'returned', '"returned"');
    assert.deepEqual(op.leg!.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    assert.ok(room.member(guest.id), 'back in the mix');
    assert.equal(priv.closed, true);
    assert.deepEqual(guest.prompts.slice(-3), ['menu', 'operator-connecting', 'returned']);
    const ev = (await events(number)).map((e) => e.kind);
    assert.ok(ev.includes('operator_request') && ev.includes('operator_done'));
    const [cdr] = (await base.outgoing('operator')).filter((c) => c.roomNumber === number);
    assert.deepEqual({ role: cdr?.role, state: cdr?.state, q850: cdr?.q850, roomNumber: cdr?.roomNumber }, { role: 'operator', state: 'closed', q850: Q850.NORMAL_CLEARING, roomNumber: number });
  });

  test('*0 when the operator is busy: "busy", back in the room (a CDR closed with Q.850 17); with no operator configured: "call failed"', async () => {
    t.engine.onDial('operator', { outcome: 'busy' });
    const { number, guest } = await twoInRoom();
    const room = t.engine.conferencesNamed(`room-${number}`)[0]!;
    const heard = since(guest);
    await t.press(guest, '*0', () => heard.heard.at(-1) === 'returned' && !guest.isPlaying, '"busy", then "you are back"');
    assert.deepEqual(heard.heard, ['menu', 'operator-connecting', 'call-busy', 'returned']);
    assert.deepEqual(t.engine.dialled.map((d) => d.state), [{ failed: Q850.USER_BUSY }]);
    assert.deepEqual(room.joins, [room.joins[0], guest.id, guest.id], 'out of the mix and back');
    assert.ok(room.member(guest.id), 'back in the mix');
    assert.equal(t.view(number, guest)?.away, null);
    const unanswered = (await base.outgoing('operator')).filter((c) => c.answeredAt === null);
    assert.deepEqual(unanswered.map((c) => ({ state: c.state, q850: c.q850, roomNumber: c.roomNumber })), [{ state: 'closed', q850: Q850.USER_BUSY, roomNumber: number }]);
    await t.close();
    t = FakeIvr.start(base, { operatorTarget: null });
    const again = await twoInRoom();
    await t.press(again.guest, '*0', () => again.guest.prompts.at(-1) === 'call-failed', '"call failed"');
    assert.equal(t.engine.dialled.length, 0, 'nothing dialled');
  });
});
