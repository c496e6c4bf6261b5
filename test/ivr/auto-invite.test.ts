// Auto-invite at meeting start and video-meeting links on the fake engine:
// the room's auto-invite list is called when the first caller opens the
// meeting (source 'auto', by 'system', dtmf carried into the rows), once per
// conference row, nothing for an empty list; an invite with a DTMF sequence
// hears no greeting, gets its digits (the pauses timed) and joins directly.
// Also send-dtmf.ts alone: chunks, pauses, stop on hang-up.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CallLeg } from '../../bridge/port.ts';
import { FakeClock } from '../../bridge/fake/clock.ts';
import { moduleLogger } from '../../common/log.ts';
import type { LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import { afterAnswerDigits, sendDtmfSequence } from '../../ivr/call/send-dtmf.ts';
import type { IvrLiveHost } from '../../ivr/live/live-host.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

const log = moduleLogger('test');

const NUMBER = '13900139011';
const VIDEO = 'sip:88001@video.example.com';
const WEB = { kind: 'web', userId: 'user-1', name: 'Zhang' } as const;

describe('auto-invite at meeting start on the fake engine', () => {
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

  const host = () => t.ivr.live as unknown as IvrLiveHost;
  const invites = (): LiveInvite[] => [...new Map(events.flatMap((e) => (e.type === 'invite' ? [[e.invite.id, e.invite] as const] : []))).values()];

  async function roomWith(list: Array<{ target: string; name?: string; dtmf?: string }>): Promise<string> {
    const room = await t.room(`72050${String(++n).padStart(2, '0')}`);
    if (list.length > 0) await base.repos.rooms.setAutoInvites(base.seed.accountId, room.id, list);
    return room.number;
  }

  test('the first caller starts the meeting: the list is called (source auto, by system, dtmf in the row); the video link joins without press 1', async () => {
    t.engine.onDial(NUMBER, { outcome: 'answer', afterMs: 2000 });
    t.engine.onDial(/video\.example\.com/, { outcome: 'answer', afterMs: 1000 });
    const number = await roomWith([{ target: NUMBER, name: '王五' }, { target: VIDEO, name: 'Zoom', dtmf: '123456#,,4321#' }]);
    await t.enter('chair1', number, '4321');
    const conferenceId = t.live(number)!.conferenceId;
    await t.run(() => invites().some((i) => i.target === VIDEO && i.state === 'joined'), 'the video meeting joined');
    const rows = await base.repos.invites.listByConference(base.seed.accountId, conferenceId);
    assert.equal(rows.length, 2);
    for (const r of rows) assert.deepEqual({ source: r.source, requestedBy: r.requestedBy }, { source: 'auto', requestedBy: 'system' });
    const video = rows.find((r) => r.target === VIDEO)!;
    assert.equal(video.dtmf, '123456#,,4321#');
    assert.equal(rows.find((r) => r.target !== VIDEO)!.dtmf, '');
    assert.deepEqual((await base.repos.invites.history(base.seed.accountId, video.id)).map((h) => h.state), ['queued', 'calling', 'ringing', 'answered', 'joined']);
    const leg = t.engine.dialled.find((d) => d.uri === VIDEO)!.leg!;
    assert.equal(leg.sentDtmf, '123456#4321#');
    assert.deepEqual(leg.prompts.filter((p) => p.startsWith('invite-')), [], 'the video meeting hears no greeting');
    assert.deepEqual({ kind: t.view(number, leg)?.kind, role: t.view(number, leg)?.role }, { kind: 'invitee', role: 'guest' });
    // The phone one is asked to press 1 like a web invite (and is in the console's snapshot).
    await t.run(() => invites().some((i) => i.target.endsWith(NUMBER) && i.state === 'answered'), 'the phone answered');
    const snap = t.ivr.live.snapshot(base.seed.accountId, conferenceId)!;
    assert.equal(snap.invites?.length, 2);
  });

  test('once per conference row: a second start (this process or after a restart) calls nobody again', async () => {
    t.engine.onDial(NUMBER, { outcome: 'busy' });
    const number = await roomWith([{ target: NUMBER }]);
    await t.enter('chair2', number, '4321');
    const room = t.live(number)!;
    await t.run(() => invites().some((i) => i.state === 'busy'), 'busy');
    assert.deepEqual(await host().invites!.autoInvite(room), []);
    // A new process forgets what it did; the rows still say it.
    (host().invites as unknown as { autoDone: Set<string> }).autoDone.clear();
    assert.deepEqual(await host().invites!.autoInvite(room), []);
    assert.equal(t.engine.dialled.length, 1);
    assert.equal((await base.repos.invites.listByConference(base.seed.accountId, room.conferenceId)).length, 1);
  });

  test('an empty list calls nobody; a web invite with dtmf carries it into its row and joins directly', async () => {
    t.engine.onDial(/video\.example\.com/, { outcome: 'answer' });
    const number = await roomWith([]);
    await t.enter('chair3', number, '4321');
    const conferenceId = t.live(number)!.conferenceId;
    assert.equal(t.engine.dialled.length, 0);
    assert.equal(events.filter((e) => e.type === 'invite').length, 0);
    const cmd = { type: 'invite' as const, targets: [{ target: VIDEO, dtmf: '99#' }] };
    const r = await t.drive(t.ivr.live.execute(base.seed.accountId, conferenceId, cmd, WEB), 'invite');
    const id = r.invites![0]!.id;
    await t.run(() => invites().some((i) => i.id === id && i.state === 'joined'), 'joined');
    assert.equal((await base.repos.invites.get(base.seed.accountId, id)).dtmf, '99#');
    assert.equal(t.engine.dialled[0]!.leg!.sentDtmf, '99#');
  });

  test('a bad DTMF sequence in a web invite is refused at the seam', async () => {
    const number = await roomWith([]);
    await t.enter('chair4', number, '4321');
    const conferenceId = t.live(number)!.conferenceId;
    await assert.rejects(t.ivr.live.execute(base.seed.accountId, conferenceId, { type: 'invite', targets: [{ target: VIDEO, dtmf: '12x' }] }, WEB));
    assert.equal(t.engine.dialled.length, 0);
  });
});

describe('send-dtmf: keys after the answer', () => {
  function leg(clock: FakeClock, endAfter = Infinity) {
    const sent: Array<[number, string]> = [];
    const l = { id: 'leg-1', ended: false, async sendDtmf(d: string) { sent.push([clock.now(), d]); if (sent.length >= endAfter) l.ended = true; } };
    return { l: l as unknown as CallLeg & { ended: boolean }, sent };
  }

  test('the extension then the sequence, a 500 ms pause per comma', async () => {
    assert.equal(afterAnswerDigits('801', '123456#,,4321#'), '801,123456#,,4321#');
    assert.equal(afterAnswerDigits('', '1#'), '1#');
    assert.equal(afterAnswerDigits('801', ''), '801');
    const clock = new FakeClock();
    const { l, sent } = leg(clock);
    let ok: boolean | undefined;
    void sendDtmfSequence(l, '123456#,,4321#', clock, log).then((v) => { ok = v; });
    await clock.runUntil(() => ok !== undefined, { what: 'sent', withinMs: 10_000 });
    assert.equal(ok, true);
    assert.deepEqual(sent.map((s) => s[1]), ['123456#', '4321#']);
    assert.equal(sent[1]![0] - sent[0]![0], 1000);
  });

  test('a leg that ends stops the rest', async () => {
    const clock = new FakeClock();
    const { l, sent } = leg(clock, 1);
    let ok: boolean | undefined;
    void sendDtmfSequence(l, '1,2,3', clock, log).then((v) => { ok = v; });
    await clock.runUntil(() => ok !== undefined, { what: 'stopped', withinMs: 10_000 });
    assert.equal(ok, false);
    assert.deepEqual(sent.map((s) => s[1]), ['1']);
  });
});
