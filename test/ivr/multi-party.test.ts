// The multi-party call (多方通, SPEC §4) on the fake engine: the bound
// convener goes straight into its personal room as chair, types number# to
// call parties in, and the call ends for everyone when the convener hangs
// up; an unbound caller is refused. What each hears, the room's conference,
// the calls placed and the CDRs (convener, party).
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import { Q850 } from '../../bridge/q850.ts';
import { DEMO } from '../../core/seed.ts';
import { FakeIvr, FakeIvrDb, said } from '../support/fake-ivr.ts';

const MULTI = '4006766678';
const PARTY = '13900139003';

describe('multi-party on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let personal: string;
  before(async () => {
    base = await FakeIvrDb.open();
    const binding = (await base.repos.conveners.list(base.seed.accountId))[0]!;
    personal = (await base.repos.rooms.get(base.seed.accountId, binding.roomId)).number;
  });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base); });
  afterEach(async () => { await t.close(); });

  test('the bound convener is chair of its personal room, calls a party in with number#, and hanging up ends the call for the party', async () => {
    t.engine.onDial(PARTY, { outcome: 'answer', afterMs: 4000 });
    const call = t.call(DEMO.convenerNumber, MULTI, new CallerScript().onPrompt('enter-party-number', `${PARTY}#`, { delayMs: 1000 }));
    const convener = await t.inRoom(call, personal);
    const v = t.view(personal, convener);
    assert.deepEqual({ role: v?.role, kind: v?.kind }, { role: 'chair', kind: 'convener' });
    await t.run(() => t.engine.dialled[0]?.state === 'answered', 'the party answered');
    const party = t.engine.dialled[0]!.leg!;
    assert.equal(t.engine.dialled[0]!.uri, `sip:${PARTY}@127.0.0.1:5080`);
    await t.run(() => convener.prompts.at(-1) === 'party-joined' && party.prompts.at(-1) === 'count-post', 'the party in');
    assert.deepEqual(said(convener), ['zh-CN/welcome-convener', 'zh-CN/only-participant', 'zh-CN/enter-party-number', 'zh-CN/calling', 'zh-CN/party-joined']);
    assert.deepEqual(said(party), ['zh-CN/count-pre', 'zh-CN/num-liang', 'zh-CN/count-post'], 'in the convener\'s language');
    const pv = t.view(personal, party);
    assert.deepEqual({ role: pv?.role, kind: pv?.kind }, { role: 'guest', kind: 'invitee' });
    const room = t.engine.conferencesNamed(`room-${personal}`)[0]!;
    assert.deepEqual(room.joins, [convener.id, party.id]);
    const conferenceId = t.live(personal)!.conferenceId;
    convener.remoteHangup();
    await t.run(() => party.ended, 'the party hung up');
    assert.deepEqual(party.hangupInfo, { by: 'local', cause: Q850.NORMAL_CLEARING });
    assert.deepEqual(room.played, ['meeting-ending-goodbye'], 'the party hears the goodbye');
    const s = await t.ended(call);
    assert.deepEqual({ route: s.route, outcome: s.outcome }, { route: 'multi_party', outcome: 'joined' });
    assert.deepEqual((await base.cdr(s.cdrId)).role, 'convener');
    const [partyCdr] = (await base.outgoing(PARTY)).filter((r) => r.conferenceId === conferenceId);
    assert.deepEqual({ role: partyCdr?.role, state: partyCdr?.state, q850: partyCdr?.q850 }, { role: 'party', state: 'closed', q850: Q850.NORMAL_CLEARING });
    assert.equal((await base.repos.conferences.get(base.seed.accountId, conferenceId)).endReason, 'convener_left');
  });

  test('an unbound number is refused with a prompt and Q.850 21; no room is opened', async () => {
    const call = t.call('13900000000', MULTI);
    const s = await t.ended(call);
    assert.equal(s.outcome, 'unbound_caller');
    assert.deepEqual(said(call.leg!), ['zh-CN/unbound-caller']);
    assert.deepEqual(call.leg!.hangupInfo, { by: 'local', cause: Q850.CALL_REJECTED });
    assert.equal(t.engine.conferences.length, 0);
    assert.equal((await base.cdr(s.cdrId)).q850, Q850.CALL_REJECTED);
  });

  test('a busy party: "busy", the convener stays in the room and can call again', async () => {
    t.engine.onDial(PARTY, { outcome: 'busy' });
    t.engine.onDial('13900139002', { outcome: 'answer' });
    const script = new CallerScript().onPrompt('enter-party-number', `${PARTY}#`).afterPrompt('call-busy', '13900139002#');
    const convener = await t.inRoom(t.call(DEMO.convenerNumber, MULTI, script), personal);
    await t.run(() => convener.prompts.at(-1) === 'party-joined', 'the second party in');
    assert.deepEqual(convener.prompts.slice(3), ['calling', 'call-busy', 'calling', 'party-joined']);
    assert.deepEqual(t.engine.dialled.map((d) => d.state === 'answered' ? 'answered' : d.state), [{ failed: Q850.USER_BUSY }, 'answered']);
  });

  test('at the party limit the next number is refused: "the meeting is full", nothing dialled', async () => {
    await t.close();
    t = FakeIvr.start(base, { multiPartyMaxParties: 2 });
    t.engine.onDial(PARTY, { outcome: 'answer' });
    const script = new CallerScript().onPrompt('enter-party-number', `${PARTY}#`).afterPrompt('party-joined', '13900139002#');
    const convener = await t.inRoom(t.call(DEMO.convenerNumber, MULTI, script), personal);
    await t.run(() => convener.prompts.at(-1) === 'meeting-full', '"full"');
    assert.equal(t.engine.dialled.length, 1);
    assert.equal(t.live(personal)!.size, 2);
  });
});
