// Money before every call the bridge places (issue 13) on the fake engine:
// an account that cannot pay one increment of the destination's dial-out
// rate, or is frozen, gets no INVITE out; a web invite ends `refused` with
// Q.850 57 (21 when frozen), a *6 inviter hears balance-insufficient.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import type { LiveCommand, LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

/** Domestic mobile: the demo rate is 12 minor/min in 6 s increments, so one increment costs 2. */
const NUMBER = '13900139001';
const WEB = { kind: 'web', userId: 'user-1', name: 'Zhang' } as const;

describe('money check before a call out (fake engine)', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let n = 0;
  let events: LiveEvent[];
  let original = 0;
  before(async () => {
    base = await FakeIvrDb.open();
    original = (await base.repos.accounts.get(base.seed.accountId)).balanceMinor;
    // The chairs' dial-in legs are free here, except in the dial-in test, so that each test counts only its call out.
    await dialInRate(0);
  });
  after(async () => { await base.close(); });
  beforeEach(() => {
    t = FakeIvr.start(base);
    events = [];
    t.ivr.live.subscribe((e) => events.push(e));
  });
  afterEach(async () => {
    await t.close();
    await base.db('accounts').where({ id: base.seed.accountId }).update({ balance_minor: original, frozen: false });
  });

  const dialInRate = (perMinute: number) => base.db('rates').where({ direction: 'in' }).update({ per_minute_minor: perMinute });
  const setAccount = (cols: { balance_minor?: number; frozen?: boolean }) => base.db('accounts').where({ id: base.seed.accountId }).update(cols);
  const last = (id: string): LiveInvite | undefined => events.flatMap((e) => (e.type === 'invite' && e.invite.id === id ? [e.invite] : [])).at(-1);

  async function meeting(): Promise<{ number: string; conferenceId: string }> {
    const room = await t.room(`73040${String(++n).padStart(2, '0')}`);
    await t.enter(`chair${n}`, room.number, '4321');
    return { number: room.number, conferenceId: t.live(room.number)!.conferenceId };
  }

  async function webInvite(conferenceId: string): Promise<string> {
    const cmd: LiveCommand = { type: 'invite', targets: [{ target: NUMBER, name: '李四' }] };
    const r = await t.drive(t.ivr.live.execute(base.seed.accountId, conferenceId, cmd, WEB), 'invite');
    return r.invites![0]!.id;
  }

  test('a balance below one increment (1 < 2): the web invite ends refused (Q.850 57), no INVITE leaves', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer' });
    const { conferenceId } = await meeting();
    await setAccount({ balance_minor: 1 });
    const id = await webInvite(conferenceId);
    await t.run(() => last(id)?.state === 'refused', 'refused');
    assert.equal(t.engine.dialled.length, 0, 'no call placed');
    const row = await base.repos.invites.get(base.seed.accountId, id);
    assert.deepEqual({ state: row.state, q850: row.q850Cause }, { state: 'refused', q850: 57 });
    const h = (await base.repos.invites.history(base.seed.accountId, id)).map((x) => x.state);
    assert.deepEqual(h, ['queued', 'refused']);
  });

  test('a frozen account: refused with Q.850 21, no INVITE', async () => {
    const { conferenceId } = await meeting();
    await setAccount({ frozen: true });
    const id = await webInvite(conferenceId);
    await t.run(() => last(id)?.state === 'refused', 'refused');
    assert.equal(t.engine.dialled.length, 0);
    assert.equal((await base.repos.invites.get(base.seed.accountId, id)).q850Cause, 21);
  });

  test('exactly one increment (2): the call goes', async () => {
    t.engine.onDial(NUMBER, { outcome: 'busy' });
    const { conferenceId } = await meeting();
    await setAccount({ balance_minor: 2 });
    const id = await webInvite(conferenceId);
    await t.run(() => last(id)?.state === 'busy', 'busy');
    assert.equal(t.engine.dialled.length, 1);
  });

  test('*6 on an empty balance: the inviter hears balance-insufficient and no call is placed', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer' });
    const room = await t.room(`73050${String(++n).padStart(2, '0')}`, { options: { guestsMayInvite: true } });
    await t.enter(`chair${n}`, room.number, '4321');
    const guest = await t.enter(`guest${n}`, room.number, '8765');
    await t.run(() => guest.prompts.includes('count-post') && !guest.isPlaying, 'the guest\'s count');
    await setAccount({ balance_minor: 0 });
    guest.script.onPrompt('enter-invite-number', `${NUMBER}#`);
    guest.press('*6');
    await t.run(() => guest.prompts.includes('balance-insufficient'), 'balance-insufficient');
    assert.equal(t.engine.dialled.length, 0);
  });

  test('an answered call on 20 minor (96 s at 12/min in 6 s steps): balance-low at 35.5 s, cut at 95.5 s (Q.850 57); CDR cost and balance agree to the cent', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer', script: new CallerScript().onPrompt('invite-press-1', '1') });
    const { conferenceId } = await meeting();
    await setAccount({ balance_minor: 20 });
    const id = await webInvite(conferenceId);
    await t.run(() => last(id)?.state === 'joined', 'joined');
    const callee = t.engine.dialled[0]!.leg!;
    const answeredMs = t.clock.now() - (t.clock.date().getTime() - callee.answeredAt.getTime());
    let endedMs = 0;
    callee.on('hangup', () => { endedMs = t.clock.now(); });
    await t.run(() => callee.ended, 'cut', 200_000);
    const warn = callee.heard.find((h) => h.name === 'balance-low');
    assert.ok(warn, 'the warning was played');
    assert.equal(warn.at - answeredMs, 35_500);
    assert.equal(endedMs - answeredMs, 95_500);
    assert.deepEqual(callee.hangupInfo, { by: 'local', cause: 57 });
    await t.run(() => false, 'settle', 2000).catch(() => undefined);
    await base.cdrs.flush?.();
    const legId = (await base.repos.invites.get(base.seed.accountId, id)).legId;
    await t.run(() => false, 'settle', 1000).catch(() => undefined);
    const rows = await base.db('call_legs').where({ id: legId }).whereNotNull('charged_at') as { cost_minor: number | string }[];
    assert.equal(rows.length, 1, 'the callee\'s CDR is closed and charged');
    const bal = (await base.repos.accounts.get(base.seed.accountId)).balanceMinor;
    const spent = rows.reduce((a, r) => a + Number(r.cost_minor), 0);
    assert.equal(spent, 20, '96 s billed at 12/min');
    assert.ok(bal >= 0, `balance after ${bal}`);
    assert.equal(20 - spent, bal, 'balance before − CDR costs == balance after');
  });

  test('a dial-in leg on 15 minor (dial-in 15/min in 60 s steps): cut 59.5 s after its answer with Q.850 57; its CDR costs 15', async () => {
    await setAccount({ balance_minor: 15 });
    await dialInRate(15);
    const room = await t.room(`73060${String(++n).padStart(2, '0')}`);
    const chair = await t.enter(`chair${n}`, room.number, '4321');
    let endedMs = 0;
    chair.on('hangup', () => { endedMs = t.clock.now(); });
    const answeredMs = t.clock.now() - (t.clock.date().getTime() - chair.answeredAt.getTime());
    await t.run(() => chair.ended, 'cut', 200_000);
    assert.deepEqual(chair.hangupInfo, { by: 'local', cause: 57 });
    assert.equal(endedMs - answeredMs, 59_500);
    assert.ok(chair.prompts.includes('balance-low'));
    await t.run(() => false, 'settle', 1000).catch(() => undefined);
    await base.cdrs.flush(10_000); // the leg's cost leaves the balance when its CDR reaches the database
    const bal = (await base.repos.accounts.get(base.seed.accountId)).balanceMinor;
    await dialInRate(0);
    assert.equal(bal, 0, 'balance before 15 − CDR cost 15');
  });
});
