// *6 invite by phone (SPEC §3) on the fake engine: the number, the call
// through the trunk while it rings, the private talk, ** to bring the callee
// in, *8 to cancel (answered or still ringing), busy and no answer — what the
// inviter hears, the private and the room's conference, the outgoing CDR.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeCallLeg } from '../../bridge/fake/leg.ts';
import { Q850 } from '../../bridge/q850.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

/** 13900139001 through the demo trunk (127.0.0.1:5080) and its dial plan (mobile: national number). */
const NUMBER = '13900139001';
const URI = `sip:${NUMBER}@127.0.0.1:5080`;

describe('*6 invite on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let n = 0;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base); });
  afterEach(async () => { await t.close(); });

  /** A chair and a guest in a new room that lets guests invite; the guest presses *6 and types the number. */
  async function inviting(): Promise<{ number: string; chair: FakeCallLeg; guest: FakeCallLeg }> {
    const room = await t.room(`71040${String(++n).padStart(2, '0')}`, { options: { guestsMayInvite: true } });
    const chair = await t.enter(`chair${n}`, room.number, '4321');
    const guest = await t.enter(`guest${n}`, room.number, '8765');
    await t.run(() => guest.prompts.includes('count-post') && !guest.isPlaying, 'the guest\'s count');
    guest.script.onPrompt('enter-invite-number', `${NUMBER}#`);
    guest.press('*6');
    await t.run(() => t.engine.dialled.length === 1, 'the call out');
    return { number: room.number, chair, guest };
  }

  test('guests\' *6 needs both the room and the account to allow it: a room that allows, an account that does not → "only the chair can invite", nothing dialled', async () => {
    await base.repos.dialOut.setPolicy(base.seed.accountId, { guestsMayInvite: false });
    try {
      const room = await t.room(`71040${String(++n).padStart(2, '0')}`, { options: { guestsMayInvite: true } });
      await t.enter(`chair${n}`, room.number, '4321');
      const guest = await t.enter(`guest${n}`, room.number, '8765');
      await t.run(() => guest.prompts.includes('count-post') && !guest.isPlaying, 'the guest\'s count');
      guest.press('*6');
      await t.run(() => guest.prompts.includes('invite-chair-only'), '"only the chair can invite"');
      assert.equal(t.engine.dialled.length, 0);
      assert.ok(!guest.prompts.includes('enter-invite-number'));
      const refusals = await base.repos.audit.list(base.seed.accountId, { action: 'dial_out.refused' });
      assert.equal(refusals[0]?.data.reason, 'guest');
    } finally {
      await base.repos.dialOut.setPolicy(base.seed.accountId, { guestsMayInvite: true });
    }
  });

  test('the bridge calls the number (ringing, the inviter out of the mix), the inviter talks privately with the callee, ** brings the callee in as a guest', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer', afterMs: 5000 });
    const { number, chair, guest } = await inviting();
    const room = t.engine.conferencesNamed(`room-${number}`)[0]!;
    const call = t.engine.dialled[0]!;
    await t.run(() => call.state === 'ringing', 'ringing');
    assert.deepEqual({ uri: call.uri, from: call.from }, { uri: URI, from: '4008001000' });
    assert.equal(room.member(guest.id), undefined, 'the inviter waits out of the mix');
    assert.equal(t.view(number, guest)?.away, 'invite');
    await t.run(() => guest.prompts.at(-1) === 'callee-answered', '"the other party has answered"');
    assert.equal(guest.heard.at(-1)!.at, call.at + 5000, 'told as soon as the callee answered');
    const callee = call.leg!;
    assert.deepEqual({ from: callee.from, to: callee.to, direction: callee.direction }, { from: '4008001000', to: NUMBER, direction: 'out' });
    const priv = t.engine.conferencesNamed(`invite-${guest.id}`)[0]!;
    assert.deepEqual(priv.joins, [guest.id, callee.id]);
    assert.equal(room.member(callee.id), undefined, 'the room does not hear the callee yet');
    await t.press(guest, '**', () => room.member(callee.id) !== undefined && room.member(guest.id) !== undefined, 'callee and inviter in the room');
    assert.equal(priv.closed, true);
    const v = t.view(number, callee);
    assert.deepEqual({ role: v?.role, kind: v?.kind }, { role: 'guest', kind: 'invitee' });
    await t.run(() => callee.prompts.at(-1) === 'count-post', 'the callee\'s count');
    assert.deepEqual(callee.prompts, ['count-pre', 'num-3', 'count-post']);
    assert.deepEqual(guest.prompts.slice(-4), ['menu', 'enter-invite-number', 'calling', 'callee-answered']);
    // The chair removes the callee (the last to join); its CDR closes.
    await t.press(chair, '*3', () => callee.ended, 'the callee removed');
    const [cdr] = await base.outgoing(NUMBER).then((rows) => rows.filter((r) => r.roomNumber === number));
    assert.deepEqual(
      { role: cdr?.role, callee: cdr?.callee, state: cdr?.state, q850: cdr?.q850, conferenceId: cdr?.conferenceId, answered: cdr?.answeredAt !== null },
      { role: 'invitee', callee: `+86${NUMBER}`, state: 'closed', q850: Q850.NORMAL_CLEARING, conferenceId: t.live(number)!.conferenceId, answered: true },
    );
    const ev = await base.repos.conferences.listEvents(base.seed.accountId, t.live(number)!.conferenceId);
    assert.ok(ev.some((e) => e.kind === 'invite' && e.data.target === NUMBER && e.data.by === 'dtmf'));
  });

  test('*8 after the answer cancels: the callee is hung up, "invitation cancelled", "you are back", the inviter in the mix again', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer' });
    const { number, guest } = await inviting();
    const room = t.engine.conferencesNamed(`room-${number}`)[0]!;
    await t.run(() => guest.prompts.at(-1) === 'callee-answered', 'answered');
    const callee = t.engine.dialled[0]!.leg!;
    await t.press(guest, '*8', () => guest.prompts.at(-1) === 'returned', '"returned"');
    assert.deepEqual(callee.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    assert.deepEqual(guest.prompts.slice(-3), ['callee-answered', 'invite-cancelled', 'returned']);
    assert.ok(room.member(guest.id), 'back in the mix');
    assert.equal(room.member(callee.id), undefined);
    assert.equal(t.live(number)!.size, 2, 'the callee never joined');
  });

  test('*8 while it still rings: the call is cancelled, "invitation cancelled", back in the mix; the CDR closed unanswered', async () => {
    t.engine.onDial(NUMBER, { outcome: 'no-answer' });
    const { number, guest } = await inviting();
    await t.run(() => t.engine.dialled[0]!.state === 'ringing' && guest.prompts.at(-1) === 'calling' && !guest.isPlaying, 'ringing');
    await t.press(guest, '*8', () => t.engine.dialled[0]!.state === 'cancelled' && guest.prompts.at(-1) === 'invite-cancelled', 'cancelled');
    await t.run(() => t.engine.conferencesNamed(`room-${number}`)[0]!.member(guest.id) !== undefined, 'back in the mix');
    await t.run(() => guest.prompts.at(-1) === 'returned', '"you are back"');
    assert.deepEqual(guest.prompts.slice(-3), ['calling', 'invite-cancelled', 'returned']);
    const rows = (await base.outgoing(NUMBER)).filter((r) => r.roomNumber === number);
    assert.deepEqual(rows.map((r) => ({ state: r.state, answered: r.answeredAt !== null })), [{ state: 'closed', answered: false }]);
  });

  test('a busy number: "busy", back in the mix, the CDR closed with Q.850 17', async () => {
    t.engine.onDial(NUMBER, { outcome: 'busy', afterMs: 2000 });
    const { number, guest } = await inviting();
    await t.run(() => guest.prompts.at(-1) === 'returned' && !guest.isPlaying, '"busy", then "you are back"');
    assert.deepEqual(guest.prompts.slice(-5), ['menu', 'enter-invite-number', 'calling', 'call-busy', 'returned']);
    assert.ok(t.engine.conferencesNamed(`room-${number}`)[0]!.member(guest.id), 'back in the mix');
    const rows = (await base.outgoing(NUMBER)).filter((r) => r.roomNumber === number);
    assert.deepEqual(rows.map((r) => ({ state: r.state, q850: r.q850, role: r.role })), [{ state: 'closed', q850: Q850.USER_BUSY, role: 'invitee' }]);
  });

  test('no answer: it rings for the 60 s invite timeout, then "no answer"; the CDR closed with Q.850 19', async () => {
    t.engine.onDial(NUMBER, { outcome: 'no-answer' });
    const { number, guest } = await inviting();
    const call = t.engine.dialled[0]!;
    assert.equal(call.noAnswerTimeoutMs, 60_000);
    await t.run(() => guest.prompts.at(-1) === 'call-no-answer', '"no answer"');
    assert.equal(guest.heard.at(-1)!.at, call.at + 60_000, '"no answer" right after the timeout');
    await t.run(() => guest.prompts.at(-1) === 'returned', '"you are back"');
    assert.deepEqual(call.state, { failed: Q850.NO_ANSWER });
    const rows = (await base.outgoing(NUMBER)).filter((r) => r.roomNumber === number);
    assert.deepEqual(rows.map((r) => ({ state: r.state, q850: r.q850 })), [{ state: 'closed', q850: Q850.NO_ANSWER }]);
  });
});
