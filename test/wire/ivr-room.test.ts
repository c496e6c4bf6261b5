// In the room, on the wire: baresip phones (each sending its own tone, typing
// RFC 4733 digits, recording what it hears) and sipp callers dial the IVR.
// Audio is checked by Goertzel power in what the phones decoded: who hears
// whom, before and after a star-code. CDR durations are checked against the
// phones' own established → closed times.
// Ports: engine SIP 16010, RTP 43000–43999; phones SIP 16200–16299 (+1 TLS,
// +2 ctrl), RTP 16300–16399; sipp SIP 16400–16419, media 16420–16499.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import type { Room } from '../../core/rooms/store.ts';
import { goertzelPower, readSamples } from '../support/audio-check.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { sippCall, startSippCall } from '../support/ivr-calls.ts';
import { listen, Phone } from '../support/ivr-phones.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 16010;
const ROOM = DEMO.room.number;
const work = mkdtempSync(join(tmpdir(), 'ivr-room-'));
let bridge: IvrBridge;
let phoneSlot = 0;
let sippPort = 16400;
let sippMedia = 16420;
const sippPorts = () => ({ localPort: sippPort++, mediaPort: (sippMedia += 4) });
const phones: Phone[] = [];

before(async () => { bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 43000, rtpMax: 43999, workers: 2 }); });
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

async function phone(name: string, toneHz: number): Promise<Phone> {
  const slot = phoneSlot++;
  const p = await Phone.start({ work, name, toneHz, sipPort: 16200 + 10 * slot, rtpBase: 16300 + 10 * slot });
  phones.push(p);
  return p;
}

/** Dials the English access number and types room and PIN; resolves once the IVR has them in the room. */
async function enter(p: Phone, room: string, pin: string): Promise<void> {
  await p.dial(`sip:4008001000@${bridge.engine.sipAddress}`);
  await p.keys(`${room}#${pin}#`);
  await waitUntil(() => bridge.ivr.rooms.byNumber(room)?.list().some((v) => v.from === p.name && v.away === null) ?? false, 20_000, `${p.name} in room ${room}`);
}

function view(room: string, name: string) {
  const v = bridge.ivr.rooms.byNumber(room)?.list().find((x) => x.from === name);
  assert.ok(v, `${name} is in room ${room}`);
  return v;
}

/** Hangs the phones up and checks each one's CDR: closed, room, role, duration ± 1 s. */
async function hangUpAndCheckCdrs(list: Array<[Phone, string]>, room: string): Promise<void> {
  for (const [p] of list) await p.hangup();
  for (const [p, role] of list) {
    const s = await bridge.call((c) => c.from === p.name);
    const cdr = await bridge.cdr(s.cdrId);
    const seen = p.closedAt - p.establishedAt;
    console.log(`# ${p.name}: CDR ${cdr.durationMs} ms, phone ${seen} ms`);
    assert.equal(cdr.state, 'closed');
    assert.equal(cdr.roomNumber, room);
    assert.equal(cdr.role, role);
    assert.ok(Math.abs(cdr.durationMs - seen) <= 1000, `${p.name}: CDR ${cdr.durationMs} ms vs phone ${seen} ms`);
  }
}

async function fixtureRoom(number: string, opts: Partial<Room['options']>, extra: { maxParticipants?: number } = {}): Promise<Room> {
  return bridge.repos.rooms.create(bridge.seed.accountId, { name: `room ${number}`, number, chairPin: '4321', guestPin: '8765', options: opts, ...extra }, { now: new Date() });
}

test('chair and guest hear each other; *1 mutes the guest (the chair stops hearing its tone) and *1 unmutes', { timeout: 120_000 }, async () => {
  const chair = await phone('chair1', 440);
  const guest = await phone('guest1', 770);
  await enter(chair, ROOM, DEMO.room.chairPin);
  await enter(guest, ROOM, DEMO.room.guestPin);
  assert.equal(view(ROOM, 'chair1').role, 'chair');
  assert.equal(view(ROOM, 'guest1').role, 'guest');
  await new Promise((r) => setTimeout(r, 3500)); // the guest's count prompt ("There are two participants")
  const both = await listen(3000);
  await guest.keys('*1');
  await waitUntil(() => view(ROOM, 'guest1').selfMuted, 10_000, 'guest muted');
  const muted = await listen(3000);
  await guest.keys('*1');
  await waitUntil(() => !view(ROOM, 'guest1').selfMuted, 10_000, 'guest unmuted');
  await new Promise((r) => setTimeout(r, 1500)); // the "you are unmuted" prompt
  const again = await listen(3000);
  const c770 = [both, muted, again].map(([a, b]) => chair.levelOf(770, a, b));
  const g440 = guest.levelOf(440, both[0], both[1]);
  const c440 = chair.levelOf(440, both[0], both[1]);
  console.log(`# chair hears the guest's 770 Hz: ${c770.map((x) => x.toFixed(0)).join(' / ')} dB (talking / muted / unmuted); own 440 Hz ${c440.toFixed(0)} dB; guest hears 440 Hz at ${g440.toFixed(0)} dB`);
  assert.ok(c770[0]! - c440 > 30, 'the chair hears the guest, not itself');
  assert.ok(g440 - guest.levelOf(770, both[0], both[1]) > 30, 'the guest hears the chair, not itself');
  assert.ok(c770[0]! - c770[1]! > 30, 'muted: the chair no longer hears the guest');
  // Heard again, at least as loud as before the mute (louder happens: on a loaded machine the first window can catch the tail of the prompts).
  assert.ok(c770[2]! - c770[1]! > 30 && c770[2]! > c770[0]! - 6, 'unmuted: heard again');
  await hangUpAndCheckCdrs([[chair, 'chair'], [guest, 'guest']], ROOM);
  const s = await bridge.call((c) => c.from === 'guest1');
  const cdr = await bridge.cdr(s.cdrId);
  const events = await bridge.repos.conferences.listEvents(bridge.seed.accountId, cdr.conferenceId!);
  assert.deepEqual(events.filter((e) => e.kind === 'mute' || e.kind === 'unmute').map((e) => e.kind), ['mute', 'unmute']);
  assert.equal(events.filter((e) => e.kind === 'dtmf_command').length, 2);
});

test('*2 locks: a new guest is refused, a new chair admitted; *3 removes the last joiner; *4 is counted; a guest pressing *2 hears "for the chair"', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7002001', {});
  const chair = await phone('chair2', 440);
  const guest = await phone('guest2', 770);
  await enter(chair, room.number, '4321');
  await enter(guest, room.number, '8765');
  await guest.keys('*2');
  const live = bridge.ivr.rooms.byNumber(room.number)!;
  await new Promise((r) => setTimeout(r, 2500)); // "this key is for the chair"
  assert.equal(live.locked, false, 'a guest cannot lock');
  await chair.keys('*2');
  await waitUntil(() => live.locked, 10_000, 'locked');
  const refused = await sippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...sippPorts(), segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, 'dtmf:8765#:100:100'] });
  assert.equal(refused.summary.outcome, 'refused:locked');
  // A second chair is admitted; sipp waits for the bridge's BYE, which *3 brings.
  const chair2 = startSippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...sippPorts(), segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, 'dtmf:4321#:100:100', 'tone:1250:30'] });
  await waitUntil(() => live.size === 3, 20_000, 'the second chair in');
  await chair.keys('*4');
  await chair.keys('*3');
  const removed = await chair2.done;
  assert.equal(removed.result.code, 0, removed.result.summary);
  assert.equal(removed.summary.outcome, 'joined');
  assert.equal(live.size, 2);
  assert.deepEqual(live.list().map((v) => v.from).sort(), ['chair2', 'guest2']);
  await hangUpAndCheckCdrs([[chair, 'chair'], [guest, 'guest']], room.number);
  const events = await bridge.repos.conferences.listEvents(bridge.seed.accountId, live.conferenceId);
  assert.equal(events.filter((e) => e.kind === 'lock').length, 1);
  assert.equal(events.filter((e) => e.kind === 'kick').length, 1);
  assert.ok(events.some((e) => e.kind === 'dtmf_command' && e.data.key === '*4'));
  const removedCdr = await bridge.cdr(removed.summary.cdrId);
  assert.equal(removedCdr.role, 'chair');
  assert.ok(Math.abs(removedCdr.durationMs - (removed.sippAnsweredMs - 500)) <= 1000, `removed chair: CDR ${removedCdr.durationMs} ms vs sipp ${removed.sippAnsweredMs - 500} ms`);
});

test('*5 mutes all guests (chairs stay open; a guest cannot unmute itself), *5 again unmutes', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7002002', {});
  const chair = await phone('chair3', 440);
  const guest = await phone('guest3', 770);
  await enter(chair, room.number, '4321');
  await enter(guest, room.number, '8765');
  await new Promise((r) => setTimeout(r, 3000));
  const open = await listen(2500);
  await chair.keys('*5');
  await waitUntil(() => view(room.number, 'guest3').chairMuted, 10_000, 'all muted');
  await guest.keys('*1');
  await new Promise((r) => setTimeout(r, 3500)); // "you have been muted by the chair"
  assert.equal(view(room.number, 'guest3').muted, true, 'still muted after *1');
  const mutedAll = await listen(2500);
  await chair.keys('*5');
  await waitUntil(() => !view(room.number, 'guest3').chairMuted, 10_000, 'all unmuted');
  await new Promise((r) => setTimeout(r, 2500));
  const reopened = await listen(2500);
  const c770 = [open, mutedAll, reopened].map(([a, b]) => chair.levelOf(770, a, b));
  const g440 = guest.levelOf(440, mutedAll[0], mutedAll[1]);
  console.log(`# chair hears the guest: ${c770.map((x) => x.toFixed(0)).join(' / ')} dB (open / all muted / unmuted); the guest hears the chair while muted: ${g440.toFixed(0)} dB`);
  assert.ok(c770[0]! - c770[1]! > 30, 'mute all: the guest is not heard');
  assert.ok(Math.abs(c770[0]! - c770[2]!) < 6, 'unmute all: heard again');
  assert.ok(g440 > c770[1]! + 30, 'the chair stays open');
  await hangUpAndCheckCdrs([[chair, 'chair'], [guest, 'guest']], room.number);
});

test('wait for chair: guests hold (music, muted, not hearing each other) until the chair arrives; then they talk', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7002003', { guestWaitForChair: true });
  const g1 = await phone('wait1', 770);
  const g2 = await phone('wait2', 1250);
  await enter(g1, room.number, '8765');
  await enter(g2, room.number, '8765');
  assert.equal(view(room.number, 'wait1').waiting, true);
  assert.equal(view(room.number, 'wait2').waiting, true);
  await new Promise((r) => setTimeout(r, 4000)); // count + "the chair has not joined yet"
  const holding = await listen(3000);
  const chair = startSippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...sippPorts(), scenario: 'uac-pcap.xml', durationMs: 16_000, segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, 'dtmf:4321#:100:100', 'tone:1800:14'] });
  await waitUntil(() => !view(room.number, 'wait2').waiting, 20_000, 'the chair in');
  await new Promise((r) => setTimeout(r, 3500)); // "the chair has joined"
  const open = await listen(3000);
  const before = [770, 1800].map((f) => g2.levelOf(f, holding[0], holding[1]));
  const afterJoin = [770, 1800].map((f) => g2.levelOf(f, open[0], open[1]));
  const hold = g2.heard(holding[0], holding[1]);
  const rms = Math.sqrt(hold.reduce((s, v) => s + v * v, 0) / hold.length);
  console.log(`# wait2 hears 770 / 1800 Hz: ${before.map((x) => x.toFixed(0)).join(' / ')} dB holding, ${afterJoin.map((x) => x.toFixed(0)).join(' / ')} dB after the chair; hold music RMS ${rms.toFixed(0)}`);
  assert.ok(rms > 300, 'hold music is playing');
  assert.ok(afterJoin[0]! - before[0]! > 30, 'the other guest is heard only once the chair is in');
  assert.ok(afterJoin[1]! > before[1]! + 30, 'the chair is heard');
  await chair.done;
  await hangUpAndCheckCdrs([[g1, 'guest'], [g2, 'guest']], room.number);
});

test('listen-only guests are muted and cannot unmute with *1', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7002004', { guestListenOnly: true });
  const chair = await phone('chair5', 440);
  const guest = await phone('listen5', 770);
  await enter(chair, room.number, '4321');
  await enter(guest, room.number, '8765');
  assert.equal(view(room.number, 'listen5').listenOnly, true);
  await guest.keys('*1');
  await new Promise((r) => setTimeout(r, 4000)); // "you are in listen-only mode"
  assert.equal(view(room.number, 'listen5').muted, true, 'still muted');
  const w = await listen(3000);
  const c770 = chair.levelOf(770, w[0], w[1]);
  const g440 = guest.levelOf(440, w[0], w[1]);
  console.log(`# chair hears the listen-only guest at ${c770.toFixed(0)} dB; the guest hears the chair at ${g440.toFixed(0)} dB`);
  assert.ok(g440 - c770 > 30, 'the guest hears the chair, the chair does not hear the guest');
  await hangUpAndCheckCdrs([[chair, 'chair'], [guest, 'guest']], room.number);
});

test('a full room refuses the next caller', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7002005', {}, { maxParticipants: 2 });
  const segs = (pin: string) => ['silence:0.5', `dtmf:${room.number}#:100:100`, `dtmf:${pin}#:100:100`, 'tone:440:8'];
  const a = startSippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...sippPorts(), scenario: 'uac-pcap.xml', durationMs: 14_000, segments: segs('4321') });
  const b = startSippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...sippPorts(), scenario: 'uac-pcap.xml', durationMs: 14_000, segments: segs('8765') });
  await waitUntil(() => bridge.ivr.rooms.byNumber(room.number)?.size === 2, 20_000, 'two in');
  const c = await sippCall({ bridge, sipPort: SIP_PORT, to: '4008001000', ...sippPorts(), segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, 'dtmf:8765#:100:100'] });
  assert.equal(c.summary.outcome, 'refused:full');
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.summary.outcome, 'joined');
  assert.equal(rb.summary.outcome, 'joined');
  for (const x of [ra, rb, c]) {
    const cdr = await bridge.cdr(x.summary.cdrId);
    const seen = x.sippAnsweredMs - (x === c ? 500 : 0);
    assert.ok(Math.abs(cdr.durationMs - seen) <= 1000, `CDR ${cdr.durationMs} ms vs sipp ${seen} ms`);
  }
});

test('*7 records the meeting: the recording holds both voices; *7 again stops it', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7002006', { chairRecord: true });
  const chair = await phone('chair7', 440);
  const guest = await phone('guest7', 770);
  await enter(chair, room.number, '4321');
  await enter(guest, room.number, '8765');
  await guest.keys('*7');
  await new Promise((r) => setTimeout(r, 2500)); // "for the chair only"
  const live = bridge.ivr.rooms.byNumber(room.number)!;
  assert.equal(live.recording, false, 'a guest cannot record');
  const started = live.waitFor('recording', 15_000);
  await chair.keys('*7');
  const [on, path] = await started;
  assert.equal(on, true);
  await listen(4000);
  const stopped = live.waitFor('recording', 15_000); // emitted once the file and its row are finished
  await chair.keys('*7');
  assert.equal((await stopped)[0], false);
  const rows = await bridge.repos.recordings.list(bridge.seed.accountId, { conferenceId: live.conferenceId });
  assert.equal(rows.length, 1);
  const rec = readSamples(path!);
  const p = (f: number) => 10 * Math.log10(Math.max(goertzelPower(rec, f), 1e-12));
  console.log(`# recording ${(rec.length / 8000).toFixed(1)} s: 440 Hz ${p(440).toFixed(0)} dB, 770 Hz ${p(770).toFixed(0)} dB, 1250 Hz (absent) ${p(1250).toFixed(0)} dB`);
  assert.ok(rec.length / 8000 > 3, 'several seconds recorded');
  assert.ok(p(440) - p(1250) > 30 && p(770) - p(1250) > 30, 'both voices are in the recording');
  const finished = await bridge.repos.recordings.get(bridge.seed.accountId, rows[0]!.id);
  assert.ok(finished.durationMs && finished.durationMs > 3000, 'the recording row is finished');
  await hangUpAndCheckCdrs([[chair, 'chair'], [guest, 'guest']], room.number);
});
