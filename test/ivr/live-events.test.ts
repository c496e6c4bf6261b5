// The live seam's events and reads on the fake engine: started, joined (the
// name from the SIP display name or the account's contacts, the number, the
// access number), snapshot and list, left, talking, network quality (from
// each leg's stats, batched per conference at most once a second), *0 help
// requests as alerts raised and resolved, and a room's PIN lockout as an
// alert with its conference (or none).
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import type { LegStats } from '../../bridge/port.ts';
import { NotFoundError } from '../../core/errors.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';
import { LiveEventLog, WEB } from '../support/live-events.ts';

const EN = '4008001000';
const OPERATOR = 'sip:operator@127.0.0.1:5090';

function stats(fractionLost: number, jitterMs: number, rttMs?: number): LegStats {
  return { packetsReceived: 1000, packetsSent: 1000, packetsLost: Math.round(fractionLost * 1000), fractionLost, jitterMs, rttMs };
}

describe('live events on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let log: LiveEventLog;
  let n = 0;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => {
    t = FakeIvr.start(base, { operatorTarget: OPERATOR });
    log = new LiveEventLog(t.ivr.live, () => t.clock.now());
  });
  afterEach(async () => {
    log.close();
    assert.deepEqual(log.invalid, [], 'every event matches the seam\'s schema');
    await t.close();
  });

  const acc = () => base.seed.accountId;

  async function twoInRoom(options: Record<string, boolean> = {}) {
    const room = await t.room(`71220${String(++n).padStart(2, '0')}`, { options });
    const chair = await t.enter(`chair${n}`, room.number, '4321');
    const guest = await t.enter(`guest${n}`, room.number, '8765');
    await t.run(() => !guest.isPlaying && !chair.isPlaying, 'the count prompts');
    const live = t.live(room.number)!;
    return { number: room.number, room, chair, guest, live, conf: t.engine.conferencesNamed(`room-${room.number}`)[0]!, conferenceId: live.conferenceId };
  }

  test('started, then joined with number, access number, role and name (SIP display name, else the contact\'s); snapshot and list; left and ended', async () => {
    const room = await t.room('7122101', { name: 'Weekly sync' });
    const named = t.engine.call({ from: '13800000001', to: EN, fromDisplayName: ' Alice Display ', script: new CallerScript().onPrompt('enter-room', `${room.number}#`).onPrompt('enter-pin', '4321#') });
    const alice = await t.inRoom(named, room.number);
    const contact = await t.enter('13900139001', room.number, '8765'); // the demo contact 张伟
    const conferenceId = t.live(room.number)!.conferenceId;
    await t.run(() => log.participant(contact.id).length > 0, 'the contact name found');
    assert.deepEqual(log.types(conferenceId).slice(0, 3), ['started', 'joined', 'joined']);
    const started = log.of('started', conferenceId)[0]!;
    assert.deepEqual({ room: started.roomNumber, name: started.roomName, account: started.accountId }, { room: room.number, name: 'Weekly sync', account: acc() });
    const [a, c] = log.of('joined', conferenceId).map((e) => e.participant);
    assert.deepEqual({ id: a!.id, name: a!.name, number: a!.number, role: a!.role, kind: a!.kind, accessNumber: a!.accessNumber, lang: a!.lang },
      { id: alice.id, name: 'Alice Display', number: '13800000001', role: 'chair', kind: 'caller', accessNumber: EN, lang: 'en' });
    assert.deepEqual({ name: c!.name, role: c!.role, joinOrder: c!.joinOrder }, { name: null, role: 'guest', joinOrder: 2 });
    assert.equal(log.participant(contact.id)[0]!.participant.name, '张伟', 'the contact\'s name follows in a participant event');
    const snap = t.ivr.live.snapshot(acc(), conferenceId)!;
    assert.deepEqual(snap.participants.map((p) => [p.id, p.name]), [[alice.id, 'Alice Display'], [contact.id, '张伟']]);
    assert.deepEqual({ room: snap.roomNumber, node: snap.nodeId, locked: snap.locked, max: snap.maxParticipants, tier: snap.tierMaxParticipants, help: snap.helpRequested },
      { room: room.number, node: 'test', locked: false, max: room.maxParticipants, tier: 600, help: [] });
    assert.deepEqual(t.ivr.live.list(acc()).map((s) => [s.conferenceId, s.participantCount]), [[conferenceId, 2]]);
    contact.remoteHangup();
    alice.remoteHangup();
    await t.run(() => log.of('ended', conferenceId).length === 1, 'the room closed');
    assert.deepEqual(log.of('left', conferenceId).map((e) => [e.participantId, e.reason]), [[contact.id, 'hangup'], [alice.id, 'hangup']]);
    assert.equal(log.of('ended', conferenceId)[0]!.reason, 'last_left');
    assert.deepEqual(t.ivr.live.list(acc()), []);
  });

  test('talking start and stop come from the engine\'s conference; the snapshot shows who talks', async () => {
    const { guest, conf, conferenceId } = await twoInRoom();
    conf.setTalking(guest.id, true);
    assert.equal(t.ivr.live.snapshot(acc(), conferenceId)!.participants.find((p) => p.id === guest.id)?.talking, true);
    conf.setTalking(guest.id, false);
    assert.deepEqual(log.of('talking', conferenceId).map((e) => [e.participantId, e.talking]), [[guest.id, true], [guest.id, false]]);
  });

  test('quality from each leg\'s stats: loss %, jitter, RTT and a badge; one event per conference per second at most, holding only changed figures', async () => {
    const { chair, guest, conferenceId } = await twoInRoom();
    guest.reportStats(stats(0.02, 12, 80));
    await t.clock.advance(0);
    const first = log.of('quality', conferenceId);
    assert.deepEqual(first.map((e) => e.items), [[{ participantId: guest.id, quality: { lossPct: 2, jitterMs: 12, rttMs: 80, badge: 'fair' } }]], 'the first change goes out at once');
    const t0 = first[0]!.fakeMs;
    await t.clock.advance(200);
    guest.reportStats(stats(0.06, 12, 80));
    chair.reportStats(stats(0, 5));
    await t.clock.advance(100);
    chair.reportStats(stats(0, 5)); // the same figures: no change
    guest.reportStats(stats(0.061, 12.2, 80.4)); // rounds to the same
    assert.equal(log.of('quality', conferenceId).length, 1, 'nothing more within the second');
    await t.clock.advance(1000);
    const q = log.of('quality', conferenceId);
    assert.equal(q.length, 2);
    assert.equal(q[1]!.fakeMs - t0, 1000, 'one second after the first');
    assert.deepEqual(q[1]!.items, [
      { participantId: guest.id, quality: { lossPct: 6.1, jitterMs: 12, rttMs: 80, badge: 'poor' } },
      { participantId: chair.id, quality: { lossPct: 0, jitterMs: 5, rttMs: null, badge: 'good' } },
    ]);
    chair.reportStats(stats(0, 5));
    await t.clock.advance(3000);
    assert.equal(log.of('quality', conferenceId).length, 2, 'unchanged figures send nothing');
    const snap = t.ivr.live.snapshot(acc(), conferenceId)!;
    assert.deepEqual(snap.participants.find((p) => p.id === guest.id)?.quality, { lossPct: 6.1, jitterMs: 12, rttMs: 80, badge: 'poor' });
  });

  test('*0 raises a help alert (a help event with its id, the snapshot lists the caller); back in the mix resolves it', async () => {
    t.engine.onDial('operator', { outcome: 'answer', afterMs: 2000 });
    const { guest, conferenceId } = await twoInRoom();
    await t.press(guest, '*0', () => log.of('help', conferenceId).length === 1, 'help requested');
    const raised = log.of('help', conferenceId)[0]!;
    assert.deepEqual({ p: raised.participantId, requested: raised.requested }, { p: guest.id, requested: true });
    assert.ok(raised.alertId);
    assert.deepEqual(t.ivr.live.snapshot(acc(), conferenceId)!.helpRequested, [guest.id]);
    const [open] = await base.repos.alerts.listOpen(acc(), { conferenceId });
    assert.deepEqual({ id: open?.id, kind: open?.kind, p: open?.participantId, resolved: open?.resolvedAt, number: open?.data.number },
      { id: raised.alertId, kind: 'help', p: guest.id, resolved: null, number: guest.from });
    await t.run(() => t.engine.dialled[0]?.state === 'answered', 'the operator answered');
    await t.press(guest, '*#', () => log.of('help', conferenceId).length === 2, 'help ended');
    const done = log.of('help', conferenceId)[1]!;
    assert.deepEqual({ requested: done.requested, alertId: done.alertId }, { requested: false, alertId: raised.alertId });
    const [resolved] = await base.repos.alerts.listOpen(acc(), { conferenceId });
    assert.ok(resolved?.resolvedAt, 'resolved (it stays until dismissed)');
    assert.deepEqual(t.ivr.live.snapshot(acc(), conferenceId)!.helpRequested, []);
  });

  test('a caller who hangs up while waiting for the operator resolves their help alert', async () => {
    t.engine.onDial('operator', { outcome: 'no-answer' });
    const { guest, conferenceId } = await twoInRoom();
    await t.press(guest, '*0', () => log.of('help', conferenceId).length === 1, 'help requested');
    guest.remoteHangup();
    await t.run(() => log.of('help', conferenceId).length === 2, 'help ended');
    assert.equal(log.of('help', conferenceId)[1]!.requested, false);
    const alerts = await base.repos.alerts.listOpen(acc(), { conferenceId });
    assert.ok(alerts.every((a) => a.kind !== 'help' || a.resolvedAt !== null));
  });

  test('ten wrong PINs: a lockout alert {until} and a lockout event — with the room\'s conference when it runs, null when not', async () => {
    const pins = (room: string, ...entries: string[]) => entries.reduce((s, e) => s.onPrompt('enter-pin', e), new CallerScript().onPrompt('enter-room', `${room}#`));
    const empty = await t.room('7122102');
    const wrong = (room: string) => [0, 1, 2].map((i) => t.call(`1390000030${i}`, EN, pins(room, '1111#', '2222#', '3333#')));
    wrong(empty.number);
    await t.run(() => t.calls.length === 3, 'nine failures');
    await t.ended(t.call('13900000310', EN, pins(empty.number, '1111#')));
    await t.run(() => log.of('lockout').length === 1, 'the lockout event');
    const e = log.of('lockout')[0]!;
    assert.deepEqual({ conf: e.conferenceId, room: e.roomId, number: e.roomNumber, account: e.accountId }, { conf: null, room: empty.id, number: empty.number, account: acc() });
    assert.equal(Date.parse(e.until) - Date.parse(e.at), 10 * 60_000, 'blocked for ten minutes from the tenth failure');
    const alerts = await base.repos.alerts.listOpen(acc());
    const alert = alerts.find((a) => a.id === e.alertId);
    assert.deepEqual({ kind: alert?.kind, roomId: alert?.roomId, until: alert?.data.until, conf: alert?.conferenceId }, { kind: 'lockout', roomId: empty.id, until: e.until, conf: null });
    // A room with a meeting running: the event names its conference.
    const { number, room, conferenceId } = await twoInRoom();
    const before = t.calls.length;
    wrong(number);
    await t.run(() => t.calls.length === before + 3, 'nine failures');
    await t.ended(t.call('13900000311', EN, pins(number, '1111#')));
    await t.run(() => log.of('lockout').length === 2, 'the second lockout event');
    assert.deepEqual([log.of('lockout')[1]!.conferenceId, log.of('lockout')[1]!.roomId], [conferenceId, room.id]);
  });

  test('through the in-process bus (LocalLiveBus, as the web uses it): the snapshot, a command, the account\'s events only', async () => {
    const bus = new LocalLiveBus(t.ivr.live);
    const mine: LiveEvent[] = [];
    const theirs: LiveEvent[] = [];
    const other = '00000000-0000-4000-8000-0000000000ff';
    const stops = [bus.subscribe({ accountId: acc() }, (e) => mine.push(e)), bus.subscribe({ accountId: other }, (e) => theirs.push(e))];
    const { guest, conf, conferenceId } = await twoInRoom();
    const snap = await bus.snapshot(acc(), conferenceId);
    assert.equal(snap.participants.length, 2);
    await assert.rejects(bus.snapshot(other, conferenceId), NotFoundError);
    const r = await bus.command(acc(), conferenceId, { type: 'mute', participantId: guest.id, muted: true }, WEB);
    assert.equal(r.participant?.mutedBy, 'web');
    assert.equal(conf.member(guest.id)?.muted, true);
    assert.ok(mine.some((e) => e.type === 'participant' && e.participant.id === guest.id && e.participant.muted));
    assert.deepEqual(mine.slice(0, 3).map((e) => e.type), ['started', 'joined', 'joined']);
    assert.deepEqual(theirs, [], 'another account hears nothing');
    for (const stop of stops) stop();
  });
});
