// The access-number flow on the wire (SPEC §2): sipp callers with RFC 4733
// digits in generated pcaps dial the IVR on the embedded engine. Each call's
// outcome comes from the IVR's call summary, the hang-up from sipp (the
// expect-bye scenario fails without the bridge's BYE), and its CDR from the
// database, with the duration checked against what sipp saw.
// Ports: engine SIP 16000, RTP 42000–42499; sipp SIP 16100–16139, media 16140–16199.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEMO } from '../../core/seed.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { sippCall, startSippCall, type SippCall } from '../support/ivr-calls.ts';

const SIP_PORT = 16000;
const EN = '4008001000';
const ZH = '4006701018';
const ROOM = DEMO.room.number;
let bridge: IvrBridge;
let nextPort = 16100;
let nextMedia = 16140;
const ports = () => ({ localPort: nextPort++, mediaPort: (nextMedia += 4) });

before(async () => { bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 42000, rtpMax: 42499 }); });
after(async () => { await bridge.close(); });

/** The CDR is closed, its duration matches sipp's view (± 1 s), and it carries what the IVR learnt. */
async function checkCdr(c: SippCall, expect: { accessNumber?: string | null; roomNumber?: string | null; role?: string | null; byeFromBridge: boolean }) {
  assert.equal(c.result.code, 0, c.result.summary);
  const cdr = await bridge.cdr(c.summary.cdrId);
  assert.equal(cdr.state, 'closed');
  assert.equal(cdr.direction, 'in');
  assert.ok(cdr.answeredAt, 'answered');
  if (expect.accessNumber !== undefined) assert.equal(cdr.accessNumber, expect.accessNumber);
  if (expect.roomNumber !== undefined) assert.equal(cdr.roomNumber, expect.roomNumber);
  if (expect.role !== undefined) assert.equal(cdr.role, expect.role);
  // expect-bye: the scenario ends 500 ms after answering the BYE; uac-pcap: at its BYE's 200.
  const seen = Math.round(c.sippAnsweredMs - (expect.byeFromBridge ? 500 : 0));
  console.log(`# ${c.summary.outcome}: CDR ${cdr.durationMs} ms, sipp ${seen} ms`);
  assert.ok(Math.abs(cdr.durationMs - seen) <= 1000, `CDR duration ${cdr.durationMs} ms vs sipp ${seen} ms`);
  return cdr;
}

test('wrong room number three times: "no such room" each time, then goodbye and the bridge hangs up', { timeout: 90_000 }, async () => {
  const c = await sippCall({ bridge, sipPort: SIP_PORT, to: EN, ...ports(), segments: ['silence:0.5', 'dtmf:111111#:100:100', 'silence:0.3', 'dtmf:222222#:100:100', 'silence:0.3', 'dtmf:333333#:100:100'] });
  assert.equal(c.summary.outcome, 'too_many_attempts:room');
  assert.equal(c.summary.lang, 'en');
  await checkCdr(c, { accessNumber: EN, roomNumber: null, byeFromBridge: true });
});

test('right room, wrong PIN three times: the bridge hangs up', { timeout: 90_000 }, async () => {
  const c = await sippCall({ bridge, sipPort: SIP_PORT, to: ZH, ...ports(), segments: ['silence:0.5', `dtmf:${ROOM}#:100:100`, 'silence:0.5', 'dtmf:1111#:100:100', 'dtmf:2222#:100:100', 'dtmf:3333#:100:100'] });
  assert.equal(c.summary.outcome, 'too_many_attempts:pin');
  assert.equal(c.summary.lang, 'zh-CN');
  await checkCdr(c, { accessNumber: ZH, roomNumber: ROOM, byeFromBridge: true });
});

test('a chair PIN joins as chair, a guest PIN as guest; 9 during the welcome switches to Mandarin', { timeout: 90_000 }, async () => {
  const chair = startSippCall({ bridge, sipPort: SIP_PORT, to: EN, ...ports(), scenario: 'uac-pcap.xml', durationMs: 9000, segments: ['silence:0.5', `dtmf:${ROOM}#:100:100`, `dtmf:${DEMO.room.chairPin}#:100:100`, 'tone:440:6'] });
  const guest = startSippCall({ bridge, sipPort: SIP_PORT, to: EN, ...ports(), scenario: 'uac-pcap.xml', durationMs: 9000, segments: ['silence:0.5', 'dtmf:9:100:100', `dtmf:${ROOM}#:100:100`, `dtmf:${DEMO.room.guestPin}#:100:100`, 'tone:770:6'] });
  const [c, g] = await Promise.all([chair.done, guest.done]);
  assert.equal(c.summary.outcome, 'joined');
  assert.equal(c.summary.lang, 'en');
  assert.equal(g.summary.outcome, 'joined');
  assert.equal(g.summary.lang, 'zh-CN', '9 switched the English line to Mandarin');
  await checkCdr(c, { accessNumber: EN, roomNumber: ROOM, role: 'chair', byeFromBridge: false });
  const gc = await checkCdr(g, { accessNumber: EN, roomNumber: ROOM, role: 'guest', byeFromBridge: false });
  assert.ok(gc.conferenceId, 'the CDR names the conference');
  // The room writes its 'end' when the last caller has left, after that caller's CDR may already be in: wait for it (bounded).
  let events = await bridge.repos.conferences.listEvents(bridge.seed.accountId, gc.conferenceId!);
  for (let i = 0; i < 50 && !events.some((e) => e.kind === 'end'); i++) {
    await new Promise((r) => setTimeout(r, 100));
    events = await bridge.repos.conferences.listEvents(bridge.seed.accountId, gc.conferenceId!);
  }
  assert.deepEqual(events.filter((e) => e.kind === 'join').length, 2);
  assert.deepEqual(events.filter((e) => e.kind === 'leave').length, 2);
  assert.ok(events.some((e) => e.kind === 'end'), 'the conference ended when the last caller left');
});

test('outside the window or out of service (a frozen account, a frozen organizer): "not started" / "has ended" / "service unavailable", then hang-up', { timeout: 120_000 }, async () => {
  const now = Date.now();
  const acc = bridge.seed.accountId;
  const future = await bridge.repos.rooms.create(acc, { name: 'later', number: '7001001', chairPin: '4321', guestPin: '8765', schedule: { startsAt: new Date(now + 3 * 3600_000), durationMinutes: 60, rrule: null, earlyEntryMinutes: 10 } }, { now: new Date() });
  const past = await bridge.repos.rooms.create(acc, { name: 'done', number: '7001002', chairPin: '4321', guestPin: '8765', schedule: { startsAt: new Date(now - 3 * 3600_000), durationMinutes: 60, rrule: null, earlyEntryMinutes: 10 } }, { now: new Date(now - 4 * 3600_000) });
  const frozenAcc = await bridge.repos.accounts.create({ name: 'Frozen Ltd', tier: 'formal', timeZone: 'Asia/Shanghai' });
  await bridge.repos.accounts.recharge(frozenAcc.id, 1000, { note: 'test' });
  const frozen = await bridge.repos.rooms.create(frozenAcc.id, { name: 'frozen', number: '7001003', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  await bridge.repos.accounts.setFrozen(frozenAcc.id, true);
  // A room of an account in service whose organizer (a member, issue 19) is frozen: refused the same way.
  const organizer = await bridge.repos.users.create({ accountId: acc, role: 'organizer', username: 'frozen-organizer', password: 'Frozen#2026' });
  const frozenMembers = await bridge.repos.rooms.create(acc, { name: 'frozen organizer', number: '7001005', chairPin: '4321', guestPin: '8765', organizerUserId: organizer.id }, { now: new Date() });
  await bridge.repos.members.setFrozen(acc, organizer.id, new Date());
  const cases: Array<[string, string]> = [[future.number, 'room_refused:not_started'], [past.number, 'room_refused:ended'], [frozen.number, 'room_refused:service_unavailable'],
    [frozenMembers.number, 'room_refused:service_unavailable']];
  const calls = await Promise.all(cases.map(([number]) => sippCall({ bridge, sipPort: SIP_PORT, to: EN, ...ports(), segments: ['silence:0.5', `dtmf:${number}#:100:100`] })));
  for (const [i, [number, outcome]] of cases.entries()) {
    assert.equal(calls[i]!.summary.outcome, outcome, `room ${number}`);
    await checkCdr(calls[i]!, { roomNumber: null, byeFromBridge: true });
  }
});

test('SIP URI dial-in sip:ROOM@bridge: no room step, PIN asked; the video stream is declined and the endpoint joins with audio', { timeout: 90_000 }, async () => {
  const c = await sippCall({ bridge, sipPort: SIP_PORT, to: ROOM, ...ports(), scenario: 'ivr-uac-video.xml', durationMs: 7000, segments: ['silence:1', `dtmf:${DEMO.room.chairPin}#:100:100`, 'tone:440:4'] });
  assert.equal(c.summary.route, 'room');
  assert.equal(c.summary.outcome, 'joined');
  assert.equal(c.summary.lang, 'zh-CN', 'SIP URI dial-in uses the default language');
  await checkCdr(c, { accessNumber: null, roomNumber: ROOM, role: 'chair', byeFromBridge: false });
});

test('empty guest PIN: a bare # admits a guest', { timeout: 90_000 }, async () => {
  const room = await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'open', number: '7001004', chairPin: '4321', guestPin: '' }, { now: new Date() });
  const c = await sippCall({ bridge, sipPort: SIP_PORT, to: EN, ...ports(), scenario: 'uac-pcap.xml', durationMs: 6000, segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, 'dtmf:#:100:100', 'tone:440:3'] });
  assert.equal(c.summary.outcome, 'joined');
  await checkCdr(c, { roomNumber: room.number, role: 'guest', byeFromBridge: false });
});

// Many wrong PINs (callers slowed then refused, the room's alert, the right PIN still in): pin-attack.test.ts.
