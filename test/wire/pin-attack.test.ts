// A PIN attack on the wire (SPEC §2.3, issue 20): sipp callers on the
// embedded engine. Twenty callers from one calling number (through the
// carrier's address, 127.0.0.1, counted by number only) and twenty from one
// source address (127.0.0.2, SIP URI dial-in, a new number each) type wrong
// PINs at one room, interleaved with callers from other numbers who type the
// right PIN. The attackers are slowed, then refused ("pin-blocked"); the
// room raises one alert and slows its checks; every right caller gets in.
// Small limits (slowed from the 3rd failure, refused at the 6th) keep it short.
// Ports: engine SIP 19900, RTP 53000–53499; sipp SIP 19910–19989, media 53600–53999.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { startSippCall, type SippCall } from '../support/ivr-calls.ts';

const SIP_PORT = 19900;
const EN = '4008001000';
const CARRIER = '127.0.0.1';
const ATTACKER_ADDRESS = '127.0.0.2';
const ATTACKER_NUMBER = '13911110000';
const LIMITS = { slowAfter: 3, delayMs: 500, maxDelayMs: 2000, blockAfter: 6, roomAlertAfter: 10, roomDelayMs: 1000, carrierAddresses: [CARRIER] };
let bridge: IvrBridge;
let slot = 0;
const ports = () => { const i = slot++; assert.ok(i < 80); return { localPort: 19910 + i, mediaPort: 53600 + 4 * i }; };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

before(async () => { bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 53000, rtpMax: 53499, config: { pinLockout: LIMITS } }); });
after(async () => { await bridge.close(); });

interface Placed { kind: 'number' | 'address' | 'right'; startedMs: number; done: Promise<SippCall> }

test('twenty wrong-PIN callers from one number and twenty from one address are slowed then refused; every right PIN gets in; one room alert', { timeout: 120_000 }, async () => {
  const room = await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'attacked', number: '7009001', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  const wrongPins = ['dtmf:1111#:100:100', 'dtmf:2222#:100:100', 'dtmf:3333#:100:100'];
  const t0 = Date.now();
  const placed: Placed[] = [];
  const place = (kind: Placed['kind'], call: () => Placed['done']) => placed.push({ kind, startedMs: Date.now() - t0, done: call() });
  const right = ['4321', '8765', '4321', '8765', '4321', '8765'];
  for (let i = 0; i < 20; i++) {
    place('number', () => startSippCall({ bridge, sipPort: SIP_PORT, to: EN, ...ports(), caller: ATTACKER_NUMBER, segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, ...wrongPins] }).done);
    await sleep(250);
    place('address', () => startSippCall({ bridge, sipPort: SIP_PORT, to: room.number, ...ports(), localIp: ATTACKER_ADDRESS, caller: `1392222${String(i).padStart(4, '0')}`, segments: ['silence:1', ...wrongPins] }).done);
    await sleep(250);
    const pin = i % 3 === 1 ? right.shift() : undefined;
    if (pin !== undefined) {
      place('right', () => startSippCall({ bridge, sipPort: SIP_PORT, to: EN, ...ports(), scenario: 'ivr-uac-from.xml', durationMs: 14_000, caller: `1393333000${slot}`, segments: ['silence:0.5', `dtmf:${room.number}#:100:100`, `dtmf:${pin}#:100:100`, 'tone:440:10'] }).done);
    }
  }
  const calls = await Promise.all(placed.map(async (p) => ({ ...p, call: await p.done })));
  const totalMs = Date.now() - t0;
  for (const c of calls) {
    console.log(`# ${c.kind.padEnd(7)} started ${String(c.startedMs).padStart(5)} ms, ${String(c.call.elapsedMs).padStart(5)} ms long: ${c.call.summary.outcome}, PIN waits ${c.call.summary.pinDelayMs} ms`);
  }
  console.log(`# ${calls.length} calls in ${totalMs} ms`);
  for (const c of calls) assert.equal(c.call.result.code, 0, c.call.result.summary);

  // Every caller with the right PIN is in the room: joined, a CDR with the room and a role; the room's wait only.
  const rights = calls.filter((c) => c.kind === 'right');
  assert.equal(rights.length, 6);
  for (const c of rights) {
    assert.equal(c.call.summary.outcome, 'joined', `right PIN from ${c.call.summary.from}`);
    const cdr = await bridge.cdr(c.call.summary.cdrId);
    assert.equal(cdr.roomNumber, room.number);
    assert.ok(cdr.role === 'chair' || cdr.role === 'guest', `role ${cdr.role}`);
    assert.ok(c.call.summary.pinDelayMs <= LIMITS.roomDelayMs, 'never slowed as a caller');
  }
  assert.ok(rights.some((c) => c.call.summary.pinDelayMs === LIMITS.roomDelayMs), 'the room under attack slowed the right PINs too');

  // Each attacker: nobody gets in; slowed (a wait before "wrong PIN") before the refusal; the later calls refused at once.
  for (const kind of ['number', 'address'] as const) {
    const mine = calls.filter((c) => c.kind === kind);
    const outcomes = mine.map((c) => c.call.summary.outcome);
    assert.ok(outcomes.every((o) => o === 'too_many_attempts:pin' || o === 'pin_blocked'), `${kind}: ${outcomes.join()}`);
    assert.ok(mine.some((c) => c.call.summary.pinDelayMs > 0), `${kind}: slowed before the refusal`);
    const firstRefused = outcomes.indexOf('pin_blocked');
    assert.ok(firstRefused >= 0 && firstRefused <= 4, `${kind}: refused from call ${firstRefused + 1}`);
    assert.ok(outcomes.slice(-10).every((o) => o === 'pin_blocked'), `${kind}: the last ten refused`);
    assert.ok(mine.slice(-10).every((c) => c.call.summary.pinDelayMs === 0), `${kind}: refused before any PIN is checked`);
    for (const c of mine) assert.equal((await bridge.cdr(c.call.summary.cdrId)).role, null);
  }

  // The room: one alert (audit entry and live alert), whatever the number of failures.
  const audit = await bridge.repos.audit.list(bridge.seed.accountId, { action: 'room.pin_lockout' });
  assert.equal(audit.filter((a) => a.targetId === room.id).length, 1);
  const alerts = await bridge.repos.alerts.listOpen(bridge.seed.accountId);
  assert.equal(alerts.filter((a) => a.kind === 'lockout' && a.roomId === room.id).length, 1);
  assert.ok(totalMs < 90_000, `the attack took ${totalMs} ms`);
});
