// A frozen member's rooms refuse callers (issue 19), on the fake engine: the
// caller types the room number of a room organised by a frozen organizer and
// hears "service unavailable", as for a frozen account; no conference opens.
// Unfrozen, the same room lets the caller in.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

const EN = '4008001000';

describe('a frozen member\'s rooms on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base); });
  afterEach(async () => { await t.close(); });

  test('frozen: "service unavailable" and no room opens; unfrozen: the caller is in', async () => {
    const { repos, seed } = base;
    const org = await repos.users.create({ accountId: seed.accountId, role: 'organizer', username: 'frozen-ivr', password: 'Frozen#2026' });
    const room = await t.room('7305001', { organizerUserId: org.id });
    const other = await t.room('7305002'); // the owner's: unaffected
    await repos.members.setFrozen(seed.accountId, org.id, new Date());

    const call = t.call('13900000101', EN, new CallerScript().onPrompt('enter-room', `${room.number}#`).onPrompt('enter-pin', '4321#'));
    const s = await t.ended(call);
    assert.ok(call.leg!.prompts.includes('service-unavailable'), `heard ${call.leg!.prompts.join(', ')}`);
    assert.ok(!call.leg!.prompts.includes('enter-pin'), 'never asked for the PIN');
    assert.match(s.outcome, /service_unavailable/);
    assert.equal(t.live(room.number), undefined, 'no room was opened');

    await t.enter('13900000102', other.number, '4321');

    await repos.members.setFrozen(seed.accountId, org.id, null);
    await t.enter('13900000103', room.number, '4321');
  });
});
