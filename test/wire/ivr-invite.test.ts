// Calls the bridge places, on the wire: *6 invite (private talk, ** into the
// room, *8 to cancel), *0 operator assistance (*# back), and the multi-party
// call (多方通) from a bound and an unbound number. sipp stand-ins answer as
// the invitee / operator / party and send a 1250 Hz tone; baresip phones are
// the people in the room. Ports: engine SIP 16020, RTP 44000–44999; phones
// SIP 16500–16599 (+1, +2), RTP 16700–16799; sipp 16600–16619, media 16620–16699.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { sippCall, startUas } from '../support/ivr-calls.ts';
import { listen, Phone } from '../support/ivr-phones.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 16020;
/** The English access number at the engine's SIP address (drachtio-server's on the FreeSWITCH engine). */
const EN = () => `sip:4008001000@${bridge.engine.sipAddress}`;
const OPERATOR_PORT = 16619;
const work = mkdtempSync(join(tmpdir(), 'ivr-invite-'));
let bridge: IvrBridge;
let slot = 0;
let uasPort = 16600;
let media = 16620;
const phones: Phone[] = [];

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 44000, rtpMax: 44999, workers: 2, config: { operatorTarget: `sip:operator@127.0.0.1:${OPERATOR_PORT}`, callerId: '4008001000' } });
});
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await bridge.close();
  rmSync(work, { recursive: true, force: true });
});

async function phone(name: string, toneHz: number): Promise<Phone> {
  const s = slot++;
  const p = await Phone.start({ work, name, toneHz, sipPort: 16500 + 10 * s, rtpBase: 16700 + 10 * s });
  phones.push(p);
  return p;
}

async function enter(p: Phone, room: string, pin: string): Promise<void> {
  await p.dial(EN());
  await p.keys(`${room}#${pin}#`);
  await waitUntil(() => bridge.ivr.rooms.byNumber(room)?.list().some((v) => v.from === p.name) ?? false, 20_000, `${p.name} in the room`);
}

function view(room: string, name: string) {
  const v = bridge.ivr.rooms.byNumber(room)?.list().find((x) => x.from === name);
  assert.ok(v, `${name} in room ${room}`);
  return v;
}

/** The trunk (where numbers are dialled) points at this sipp stand-in. */
async function trunkTo(port: number): Promise<void> {
  const trunk = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
  await bridge.repos.trunks.update(trunk.id, { port });
}

/** An outgoing leg to `callee` that has been answered (polls the recorder, not the database). */
async function answeredOut(calleeDigits: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    const row = await bridge.db('call_legs').where({ direction: 'out' }).andWhere('callee', 'like', `%${calleeDigits}%`).whereNotNull('answered_at').first();
    if (row) return;
    if (Date.now() > deadline) throw new Error(`no answered call to ${calleeDigits}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A room whose guests may use *6 (off by default: chairs only). */
async function fixtureRoom(number: string) {
  return bridge.repos.rooms.create(bridge.seed.accountId, { name: `room ${number}`, number, chairPin: '4321', guestPin: '8765', options: { guestsMayInvite: true } }, { now: new Date() });
}

async function checkOutCdr(callee: string, uasAnsweredMs: number, role: string): Promise<void> {
  const cdrs = await bridge.outgoing(callee);
  assert.equal(cdrs.length, 1, `one CDR for the call to ${callee}`);
  const cdr = cdrs[0]!;
  console.log(`# out ${callee} (${role}): CDR ${cdr.durationMs} ms, sipp ${Math.round(uasAnsweredMs)} ms`);
  assert.equal(cdr.state, 'closed');
  assert.equal(cdr.role, role);
  assert.ok(Math.abs(cdr.durationMs - uasAnsweredMs) <= 1000, `CDR ${cdr.durationMs} ms vs sipp ${uasAnsweredMs} ms`);
}

async function hangUpAndCheck(list: Phone[]): Promise<void> {
  for (const p of list) await p.hangup();
  for (const p of list) {
    const s = await bridge.call((c) => c.from === p.name);
    const cdr = await bridge.cdr(s.cdrId);
    const seen = p.closedAt - p.establishedAt;
    console.log(`# ${p.name}: CDR ${cdr.durationMs} ms, phone ${seen} ms`);
    assert.ok(Math.abs(cdr.durationMs - seen) <= 1000, `${p.name}: CDR ${cdr.durationMs} vs ${seen} ms`);
  }
}

test('*6 invites a number: the bridge calls it through the trunk, the inviter talks privately with the callee, ** brings the callee into the room', { timeout: 150_000 }, async () => {
  const room = await fixtureRoom('7003001');
  const uas = startUas({ localPort: uasPort++, mediaPort: (media += 4), toneHz: 1250, seconds: 60 });
  await trunkTo(uasPort - 1);
  const chair = await phone('chair6', 440);
  const guest = await phone('guest6', 770);
  await enter(chair, room.number, '4321');
  await enter(guest, room.number, '8765');
  await guest.keys('*6');
  await guest.keys('13900139001#');
  await answeredOut('13900139001');
  await waitUntil(() => view(room.number, 'guest6').away === 'invite', 10_000, 'inviter out of the mix');
  await new Promise((r) => setTimeout(r, 1000));
  const priv = await listen(3000);
  await guest.keys('**');
  await waitUntil(() => bridge.ivr.rooms.byNumber(room.number)!.size === 3 && view(room.number, 'guest6').away === null, 10_000, 'callee and inviter in the room');
  const conferenceId = bridge.ivr.rooms.byNumber(room.number)!.conferenceId;
  const invitee = bridge.ivr.rooms.byNumber(room.number)!.list().find((v) => v.kind === 'invitee');
  assert.ok(invitee, 'the callee is a participant');
  assert.equal(invitee.role, 'guest');
  await new Promise((r) => setTimeout(r, 3000)); // the callee's count prompt
  const inRoom = await listen(3000);
  const guestHears = [1250, 440].map((f) => guest.levelOf(f, priv[0], priv[1]));
  const chairPriv = [1250, 770].map((f) => chair.levelOf(f, priv[0], priv[1]));
  const chairRoom = [1250, 770].map((f) => chair.levelOf(f, inRoom[0], inRoom[1]));
  console.log(`# private: the inviter hears callee/chair ${guestHears.map((x) => x.toFixed(0)).join(' / ')} dB; the chair hears callee/inviter ${chairPriv.map((x) => x.toFixed(0)).join(' / ')} dB; after **: ${chairRoom.map((x) => x.toFixed(0)).join(' / ')} dB`);
  assert.ok(guestHears[0]! - guestHears[1]! > 30, 'privately, the inviter hears the callee and not the room');
  assert.ok(chairRoom[0]! - chairPriv[0]! > 30, 'the room hears the callee only after **');
  assert.ok(chairRoom[1]! - chairPriv[1]! > 30, 'the inviter is back in the room after **');
  // The chair removes the callee (the last to join): the bridge hangs up on it.
  await chair.keys('*3');
  const u = await uas.done;
  assert.equal(u.result.code, 0, u.result.summary);
  await checkOutCdr('13900139001', u.answeredMs, 'invitee');
  await hangUpAndCheck([chair, guest]);
  const events = await bridge.repos.conferences.listEvents(bridge.seed.accountId, conferenceId);
  assert.ok(events.some((e) => e.kind === 'invite' && e.data.target === '13900139001'));
});

test('*6 then *8 cancels: the callee is hung up and the inviter is back in the room', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7003002');
  const uas = startUas({ localPort: uasPort++, mediaPort: (media += 4), toneHz: 1250, seconds: 60 });
  await trunkTo(uasPort - 1);
  const chair = await phone('chair8', 440);
  const guest = await phone('guest8', 770);
  await enter(chair, room.number, '4321');
  await enter(guest, room.number, '8765');
  await guest.keys('*6');
  await guest.keys('13900139002#');
  await answeredOut('13900139002');
  await waitUntil(() => view(room.number, 'guest8').away === 'invite', 10_000, 'inviter out of the mix');
  await guest.keys('*8');
  const u = await uas.done;
  assert.equal(u.result.code, 0, u.result.summary);
  await waitUntil(() => view(room.number, 'guest8').away === null, 10_000, 'inviter back');
  assert.equal(bridge.ivr.rooms.byNumber(room.number)!.size, 2, 'the callee did not join');
  await checkOutCdr('13900139002', u.answeredMs, 'invitee');
  await new Promise((r) => setTimeout(r, 2500));
  const back = await listen(2500);
  assert.ok(chair.levelOf(770, back[0], back[1]) - chair.levelOf(1250, back[0], back[1]) > 30, 'the chair hears the inviter again, not the callee');
  await hangUpAndCheck([chair, guest]);
});

test('*0 reaches the operator (private call, "help requested"), *# ends assistance and returns to the room', { timeout: 120_000 }, async () => {
  const room = await fixtureRoom('7003003');
  const op = startUas({ localPort: OPERATOR_PORT, mediaPort: 16690, toneHz: 1250, seconds: 60 });
  const chair = await phone('chair0', 440);
  const guest = await phone('guest0', 770);
  await enter(chair, room.number, '4321');
  await enter(guest, room.number, '8765');
  const live = bridge.ivr.rooms.byNumber(room.number)!;
  const help = live.waitFor('help-requested', 20_000);
  await guest.keys('*0');
  const [who] = await help;
  assert.equal(who.from, 'guest0');
  await answeredOut('operator');
  await new Promise((r) => setTimeout(r, 1000));
  const w = await listen(3000);
  const guestHears = [1250, 440].map((f) => guest.levelOf(f, w[0], w[1]));
  const chairHears = chair.levelOf(770, w[0], w[1]);
  console.log(`# with the operator: the caller hears operator/chair ${guestHears.map((x) => x.toFixed(0)).join(' / ')} dB; the chair hears the caller at ${chairHears.toFixed(0)} dB`);
  assert.ok(guestHears[0]! - guestHears[1]! > 30, 'the caller talks with the operator, out of the mix');
  const done = live.waitFor('help-done', 20_000);
  await guest.keys('*#');
  await done;
  const u = await op.done;
  assert.equal(u.result.code, 0, u.result.summary);
  await checkOutCdr('operator', u.answeredMs, 'operator');
  await new Promise((r) => setTimeout(r, 2000));
  const back = await listen(2500);
  assert.ok(chair.levelOf(770, back[0], back[1]) - chairHears > 30, 'the chair hears the caller again');
  const events = await bridge.repos.conferences.listEvents(bridge.seed.accountId, live.conferenceId);
  assert.ok(events.some((e) => e.kind === 'operator_request'));
  assert.ok(events.some((e) => e.kind === 'operator_done'));
  await hangUpAndCheck([chair, guest]);
});

test('multi-party: the bound convener goes straight in as chair, dials number# and the party joins on answer; hanging up ends the call', { timeout: 120_000 }, async () => {
  const uas = startUas({ localPort: uasPort++, mediaPort: (media += 4), toneHz: 1250, seconds: 60 });
  await trunkTo(uasPort - 1);
  const convener = await phone(DEMO.convenerNumber, 440);
  await convener.dial(`sip:4006766678@${bridge.engine.sipAddress}`);
  const binding = (await bridge.repos.conveners.list(bridge.seed.accountId))[0]!;
  const personal = await bridge.repos.rooms.get(bridge.seed.accountId, binding.roomId);
  await waitUntil(() => bridge.ivr.rooms.byNumber(personal.number)?.size === 1, 20_000, 'convener in the personal room');
  const me = view(personal.number, DEMO.convenerNumber);
  assert.equal(me.role, 'chair');
  assert.equal(me.kind, 'convener');
  await convener.keys('13900139003#');
  await waitUntil(() => bridge.ivr.rooms.byNumber(personal.number)?.size === 2, 20_000, 'the party joined');
  await new Promise((r) => setTimeout(r, 3000));
  const w = await listen(3000);
  const hears = convener.levelOf(1250, w[0], w[1]) - convener.levelOf(440, w[0], w[1]);
  console.log(`# the convener hears the party ${hears.toFixed(0)} dB above its own tone`);
  assert.ok(hears > 30);
  await hangUpAndCheck([convener]);
  const u = await uas.done; // the party is hung up when the convener leaves
  assert.equal(u.result.code, 0, u.result.summary);
  await checkOutCdr('13900139003', u.answeredMs, 'party');
  const s = await bridge.call((c) => c.from === DEMO.convenerNumber);
  assert.equal(s.route, 'multi_party');
  assert.equal((await bridge.cdr(s.cdrId)).role, 'convener');
});

test('multi-party: an unbound number is refused with a prompt', { timeout: 60_000 }, async () => {
  const c = await sippCall({ bridge, sipPort: SIP_PORT, to: '4006766678', localPort: 16618, mediaPort: 16680, caller: '13900000000', segments: ['silence:1'] });
  assert.equal(c.result.code, 0, c.result.summary);
  assert.equal(c.summary.outcome, 'unbound_caller');
  const cdr = await bridge.cdr(c.summary.cdrId);
  assert.ok(Math.abs(cdr.durationMs - (c.sippAnsweredMs - 500)) <= 1000);
});
