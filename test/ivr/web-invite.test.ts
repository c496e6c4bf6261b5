// Invites from the web and the API (the live seam's invite commands) on the
// fake engine: every state path — answered and 1 pressed → joined, answered
// without the 1, busy, no answer at the configured timeout, rejected, cancel
// while ringing, redial after busy, "call all absent" — each state as a row
// (with its history) and as an `invite` event; and a *6 invite as a row.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FakeCallLeg } from '../../bridge/fake/leg.ts';
import { CallerScript } from '../../bridge/fake/script.ts';
import type { CalleePlan } from '../../bridge/fake/callee.ts';
import { Q850 } from '../../bridge/q850.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { ValidationError } from '../../core/errors.ts';
import type { LiveCommand, LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';
import { registry } from '../../common/metrics.ts';

/** bridge_outgoing_calls_total{outcome} now (the process's registry: counted across tests, so tests compare before and after). */
async function placed(outcome: string): Promise<number> {
  const m = await registry.getSingleMetric('bridge_outgoing_calls_total')?.get();
  return m?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

const NUMBER = '13900139001';
const OTHER = '13900139002';
const WEB = { kind: 'web', userId: 'user-1', name: 'Zhang' } as const;

describe('web invites on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let n = 0;
  let events: LiveEvent[];
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => {
    t = FakeIvr.start(base, { inviteNoAnswerMs: 30_000 });
    events = [];
    t.ivr.live.subscribe((e) => events.push(e));
  });
  afterEach(async () => { await t.close(); });

  /** A chair in a new room; its number and conference. */
  async function meeting(extra: { inviteConfirm?: boolean } = {}): Promise<{ number: string; conferenceId: string; chair: FakeCallLeg }> {
    const room = await t.room(`72040${String(++n).padStart(2, '0')}`, extra.inviteConfirm === false ? { options: { inviteConfirm: false } } as never : {});
    const chair = await t.enter(`chair${n}`, room.number, '4321');
    return { number: room.number, conferenceId: t.live(room.number)!.conferenceId, chair };
  }

  const run = (conferenceId: string, command: LiveCommand) => t.drive(t.ivr.live.execute(base.seed.accountId, conferenceId, command, WEB), command.type);
  const states = (id: string) => events.flatMap((e) => (e.type === 'invite' && e.invite.id === id ? [e.invite.state] : []));
  const last = (id: string): LiveInvite | undefined => events.flatMap((e) => (e.type === 'invite' && e.invite.id === id ? [e.invite] : [])).at(-1);
  const history = async (id: string) => (await base.repos.invites.history(base.seed.accountId, id)).map((h) => h.state);

  async function invite(conferenceId: string, target = NUMBER): Promise<string> {
    const r = await run(conferenceId, { type: 'invite', targets: [{ target, name: '李四' }] });
    assert.equal(r.invites?.length, 1);
    assert.equal(r.invites![0]!.state, 'queued');
    return r.invites![0]!.id;
  }

  test('answered, the callee hears the room and "press 1", presses 1 → joined as a guest invitee; row, history and events agree', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer', afterMs: 3000, script: new CallerScript().onPrompt('invite-press-1', '1') });
    const { number, conferenceId } = await meeting();
    const id = await invite(conferenceId);
    await t.run(() => last(id)?.state === 'joined', 'joined');
    const callee = t.engine.dialled[0]!.leg!;
    assert.equal(t.engine.dialled[0]!.uri, `sip:${NUMBER}@127.0.0.1:5080`);
    assert.deepEqual(states(id), ['queued', 'calling', 'ringing', 'answered', 'joined']);
    assert.equal(last(id)!.participantId, callee.id);
    const v = t.view(number, callee);
    assert.deepEqual({ role: v?.role, kind: v?.kind }, { role: 'guest', kind: 'invitee' });
    assert.deepEqual(callee.prompts.slice(0, 3), ['invite-intro', 'digit-7', 'digit-2']);
    assert.ok(callee.prompts.includes('invite-press-1'));
    assert.deepEqual(await history(id), ['queued', 'calling', 'ringing', 'answered', 'joined']);
    const row = await base.repos.invites.get(base.seed.accountId, id);
    assert.deepEqual({ source: row.source, name: row.name, participantId: row.participantId, conferenceId: row.conferenceId, requestedBy: row.requestedBy },
      { source: 'web', name: '李四', participantId: callee.id, conferenceId, requestedBy: 'user-1' });
    const snap = t.ivr.live.snapshot(base.seed.accountId, conferenceId)!;
    assert.equal(snap.invites?.find((i) => i.id === id)?.state, 'joined');
    // The invitee hangs up: the invite ends.
    await callee.hangup(Q850.NORMAL_CLEARING);
    await t.run(() => last(id)?.state === 'ended', 'ended');
  });

  test('answered but no 1 within 10 s after the prompt: hung up, no_answer, never in the room', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer' });
    const { number, conferenceId } = await meeting();
    const id = await invite(conferenceId);
    await t.run(() => last(id)?.state === 'no_answer', 'no_answer');
    const callee = t.engine.dialled[0]!.leg!;
    assert.ok(callee.ended);
    assert.equal(t.view(number, callee), undefined);
    assert.deepEqual(states(id), ['queued', 'calling', 'ringing', 'answered', 'no_answer']);
  });

  test('inviteConfirm off: the greeting without "press 1", then in the room', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer' });
    const { number, conferenceId } = await meeting({ inviteConfirm: false });
    const id = await invite(conferenceId);
    await t.run(() => last(id)?.state === 'joined', 'joined');
    const callee = t.engine.dialled[0]!.leg!;
    assert.ok(!callee.prompts.includes('invite-press-1'));
    assert.ok(t.view(number, callee));
  });

  test('busy: 486 / Q.850 17 on the row; redial after busy calls again and joins', async () => {
    const plan: CalleePlan = { outcome: 'busy', afterMs: 2000 };
    t.engine.onDial(NUMBER, plan);
    const [busyBefore, answeredBefore] = [await placed('busy'), await placed('answered')];
    const { conferenceId } = await meeting();
    const id = await invite(conferenceId);
    await t.run(() => last(id)?.state === 'busy', 'busy');
    assert.deepEqual({ sip: last(id)!.sipStatus, q850: last(id)!.q850Cause }, { sip: 486, q850: Q850.USER_BUSY });
    assert.equal(await placed('busy'), busyBefore + 1, 'counted on /metrics as busy');
    await assert.rejects(run(conferenceId, { type: 'invite-cancel', inviteId: id }), InvalidStateError);
    plan.outcome = 'answer';
    plan.script = new CallerScript().onPrompt('invite-press-1', '1');
    const r = await run(conferenceId, { type: 'invite-redial', inviteId: id });
    assert.equal(r.invites![0]!.state, 'queued');
    await t.run(() => last(id)?.state === 'joined', 'joined after the redial');
    assert.equal(t.engine.dialled.length, 2);
    assert.deepEqual(await history(id), ['queued', 'calling', 'ringing', 'busy', 'queued', 'calling', 'ringing', 'answered', 'joined']);
    assert.equal(await placed('answered'), answeredBefore + 1, 'the redial counted as answered');
    await assert.rejects(run(conferenceId, { type: 'invite-redial', inviteId: id }), InvalidStateError);
  });

  test('no answer: it rings for the configured 30 s, then no_answer (Q.850 19)', async () => {
    t.engine.onDial(NUMBER, { outcome: 'no-answer' });
    const { conferenceId } = await meeting();
    const id = await invite(conferenceId);
    await t.run(() => last(id)?.state === 'no_answer', 'no_answer');
    const call = t.engine.dialled[0]!;
    assert.equal(call.noAnswerTimeoutMs, 30_000);
    assert.equal(last(id)!.q850Cause, Q850.NO_ANSWER);
    assert.deepEqual(states(id), ['queued', 'calling', 'ringing', 'no_answer']);
  });

  test('rejected (603) → rejected', async () => {
    t.engine.onDial(NUMBER, { outcome: 'reject' });
    const before = await placed('rejected');
    const { conferenceId } = await meeting();
    const id = await invite(conferenceId);
    await t.run(() => last(id)?.state === 'rejected', 'rejected');
    assert.equal(await placed('rejected'), before + 1);
    assert.deepEqual({ sip: last(id)!.sipStatus, q850: last(id)!.q850Cause }, { sip: 603, q850: Q850.CALL_REJECTED });
  });

  test('cancel while ringing: CANCEL on the wire, cancelled', async () => {
    t.engine.onDial(NUMBER, { outcome: 'no-answer' });
    const { conferenceId } = await meeting();
    const id = await invite(conferenceId);
    await t.run(() => last(id)?.state === 'ringing', 'ringing');
    await run(conferenceId, { type: 'invite-cancel', inviteId: id });
    await t.run(() => last(id)?.state === 'cancelled', 'cancelled');
    assert.equal(t.engine.dialled[0]!.state, 'cancelled');
    assert.deepEqual(await history(id), ['queued', 'calling', 'ringing', 'cancelled']);
  });

  test('call all absent: only the invitee who did not get in is called again', async () => {
    const busy: CalleePlan = { outcome: 'busy' };
    t.engine.onDial(NUMBER, { outcome: 'answer', script: new CallerScript().onPrompt('invite-press-1', '1') });
    t.engine.onDial(OTHER, busy);
    const { conferenceId } = await meeting();
    const r = await run(conferenceId, { type: 'invite', targets: [{ target: NUMBER }, { target: OTHER }] });
    const [a, b] = r.invites!.map((i) => i.id) as [string, string];
    await t.run(() => last(a)?.state === 'joined' && last(b)?.state === 'busy', 'one in, one busy');
    assert.equal((await base.repos.invites.get(base.seed.accountId, a)).source, 'bulk');
    const again = await run(conferenceId, { type: 'invite-absent' });
    assert.deepEqual(again.invites!.map((i) => i.id), [b]);
    await t.run(() => last(b)?.state === 'busy' && states(b).length === 8, 'busy again');
    assert.equal(t.engine.dialled.length, 3);
  });

  test('a target that cannot be dialled refuses the whole command, nothing created', async () => {
    const { conferenceId } = await meeting();
    await assert.rejects(run(conferenceId, { type: 'invite', targets: [{ target: NUMBER }, { target: '12' }] }), (err: unknown) => err instanceof ValidationError && err.field === 'targets.1.target');
    assert.deepEqual(await base.repos.invites.listByConference(base.seed.accountId, conferenceId), []);
    assert.equal(t.engine.dialled.length, 0);
  });

  test('500 at once: one command answers quickly with 500 queued rows in order; the trunk\'s limits (20 at once, 5 calls/s) pace the calls', async () => {
    const trunk = (await base.repos.trunks.list()).find((x) => x.enabled && x.port === 5080)!;
    await base.repos.trunks.update(trunk.id, { maxConcurrent: 20, maxCallsPerSecond: 5 });
    try {
      t.engine.onDial(/sip:139/, { outcome: 'no-answer' });
      const { conferenceId } = await meeting();
      const targets = Array.from({ length: 500 }, (_, i) => ({ target: `139${String(10_000_000 + i)}` }));
      // The command's own time (until its promise settles), not the fake world's run that drives it.
      const started = performance.now();
      let ms = Infinity;
      const r = await t.drive(t.ivr.live.execute(base.seed.accountId, conferenceId, { type: 'invite', targets }, WEB)
        .finally(() => { ms = performance.now() - started; }), 'invite');
      console.log(`# 500 invites: the command answered in ${ms.toFixed(0)} ms`);
      assert.deepEqual(r.invites!.map((i) => i.target), targets.map((x) => x.target));
      assert.ok(ms < 3000, `${ms} ms`);
      await t.run(() => t.engine.dialled.length === 20, 'the first twenty calls');
      const at = t.engine.dialled.map((d) => d.at);
      for (let i = 1; i < at.length; i++) assert.ok(at[i]! - at[i - 1]! >= 199, `INVITE ${i} came ${at[i]! - at[i - 1]!} ms after the one before (5 calls/s)`);
      await t.run(() => t.engine.dialled.length === 40, 'the next twenty after the no-answer timeout', 200_000);
      const ringing = t.engine.dialled.filter((d) => d.state === 'ringing' || d.state === 'calling').length;
      assert.ok(ringing <= 20, `never more than twenty at once (${ringing})`);
      assert.ok(t.engine.dialled[20]!.at - t.engine.dialled[0]!.at >= 30_000, 'the 21st call waited for a channel to free');
    } finally {
      await base.repos.trunks.update(trunk.id, { maxConcurrent: trunk.maxConcurrent, maxCallsPerSecond: trunk.maxCallsPerSecond });
    }
  });

  test('*6 writes an invite row (source phone) whose states show as events', async () => {
    t.engine.onDial(NUMBER, { outcome: 'busy', afterMs: 2000 });
    const { number, conferenceId } = await meeting();
    await base.db('rooms').where({ number }).update({ guests_may_invite: true });
    const guest = await t.enter(`guest${n}`, number, '8765');
    await t.run(() => guest.prompts.includes('count-post') && !guest.isPlaying, 'the guest\'s count');
    guest.script.onPrompt('enter-invite-number', `${NUMBER}#`);
    guest.press('*6');
    await t.run(() => guest.prompts.at(-1) === 'returned', 'back after busy');
    const [row] = await base.repos.invites.listByConference(base.seed.accountId, conferenceId);
    assert.deepEqual({ source: row?.source, target: row?.target, state: row?.state, sip: row?.sipStatus }, { source: 'phone', target: NUMBER, state: 'busy', sip: 486 });
    assert.deepEqual(states(row!.id), ['queued', 'calling', 'ringing', 'busy']);
    assert.ok(t.live(number));
  });
});
