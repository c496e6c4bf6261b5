// The PIN lockout (ivr/room/pin-lockout.ts) on a fake clock: a calling
// number and a source address are each slowed then refused, across rooms;
// refusals end; anonymous numbers count by address, carrier addresses by
// number; a room under attack raises one alert per episode and slows its
// checks but never refuses; the remembered numbers stay bounded; the
// settings are checked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../common/config.ts';
import { DEFAULT_IVR_CONFIG, ivrConfig } from '../../ivr/services/config.ts';
import { PinLockout, type PinCaller, type PinLockoutConfig } from '../../ivr/room/pin-lockout.ts';
import { FakeClock } from '../support/step-clock.ts';

const MIN = 60_000;
const CARRIER = '10.0.0.1';

function lockout(extra: Partial<PinLockoutConfig> = {}): { l: PinLockout; clock: FakeClock } {
  return { l: new PinLockout({ ...DEFAULT_IVR_CONFIG.pinLockout, carrierAddresses: [CARRIER], ...extra }), clock: new FakeClock() };
}

/** `n` failures of `caller`, one a second, each on its own room (so no room alert); what each led to. */
function failures(l: PinLockout, clock: FakeClock, caller: PinCaller, n: number) {
  return Array.from({ length: n }, (_, i) => {
    clock.advance(1000);
    return l.fail(`room-${i}`, caller, clock.now());
  });
}

test('defaults: five failures free, then 2 s, 4 s, 8 s, 16 s, 30 s before "wrong PIN"; the tenth refuses the number for ten minutes', () => {
  const { l, clock } = lockout();
  const caller = { number: '13900000001', address: CARRIER };
  const r = failures(l, clock, caller, 10);
  assert.deepEqual(r.map((f) => f.delayMs), [0, 0, 0, 0, 2000, 4000, 8000, 16000, 30000, 0]);
  assert.deepEqual(r.map((f) => f.refused), [false, false, false, false, false, false, false, false, false, true]);
  assert.equal(l.refusedUntil(caller, clock.now()), clock.now() + 10 * MIN);
  // The same number from elsewhere is refused too; another number through the carrier is not.
  assert.ok(l.refusedUntil({ number: '13900000001', address: '192.0.2.9' }, clock.now()) !== null);
  assert.equal(l.refusedUntil({ number: '13900000002', address: CARRIER }, clock.now()), null);
});

test('a source address is slowed then refused whatever numbers it sends; its refusal ends after blockMs and it starts afresh', () => {
  const { l, clock } = lockout();
  const r = Array.from({ length: 10 }, (_, i) => { clock.advance(1000); return l.fail(`room-${i}`, { number: `1390000010${i}`, address: '192.0.2.7' }, clock.now()); });
  assert.deepEqual(r.map((f) => f.delayMs), [0, 0, 0, 0, 2000, 4000, 8000, 16000, 30000, 0]);
  assert.ok(r[9]!.refused);
  const fresh = { number: '13900000199', address: '192.0.2.7' };
  assert.ok(l.refusedUntil(fresh, clock.now()) !== null, 'a new number from the refused address');
  clock.advance(10 * MIN - 1);
  assert.ok(l.refusedUntil(fresh, clock.now()) !== null, 'still refused just before the end');
  clock.advance(1);
  assert.equal(l.refusedUntil(fresh, clock.now()), null, 'the refusal has ended');
  assert.deepEqual(l.fail('room-x', fresh, clock.now()), { delayMs: 0, refused: false, roomAlertUntil: null }, 'the count started afresh');
});

test('failures older than the window no longer count', () => {
  const { l, clock } = lockout();
  const caller = { number: '13900000003', address: CARRIER };
  failures(l, clock, caller, 4);
  clock.advance(10 * MIN);
  assert.equal(failures(l, clock, caller, 1)[0]!.delayMs, 0, 'the fifth failure, but the first four are old');
  assert.equal(failures(l, clock, caller, 4).at(-1)!.delayMs, 2000, 'five within the window: slowed');
});

test('anonymous and empty numbers count by address only; a carrier address only by number', () => {
  const { l, clock } = lockout();
  for (const number of ['anonymous', '', 'Anonymous']) {
    const r = failures(l, clock, { number, address: '192.0.2.8' }, 1);
    assert.equal(r[0]!.refused, false);
  }
  // The three anonymous failures all counted on the address.
  assert.equal(failures(l, clock, { number: 'unknown', address: '192.0.2.8' }, 2).at(-1)!.delayMs, 2000);
  // Anonymous through the carrier: nothing to count per caller (the room still counts).
  const r = failures(l, clock, { number: 'anonymous', address: CARRIER }, 12);
  assert.ok(r.every((f) => f.delayMs === 0 && !f.refused));
  assert.equal(l.refusedUntil({ number: '13900000004', address: CARRIER }, clock.now()), null, 'the carrier itself is never refused');
});

test('a room under attack: one alert per episode, a wait before every check meanwhile, never a refusal of its own', () => {
  const { l, clock } = lockout();
  const room = 'room-attacked';
  assert.equal(l.roomDelayMs(room, clock.now()), 0);
  const alerts: number[] = [];
  // 30 attackers, one wrong PIN each, a second apart: callers are never refused, the room alerts once.
  for (let i = 0; i < 30; i++) {
    clock.advance(1000);
    const f = l.fail(room, { number: `1390000020${i}`, address: CARRIER }, clock.now());
    assert.equal(f.refused, false);
    if (f.roomAlertUntil !== null) alerts.push(f.roomAlertUntil);
  }
  assert.deepEqual(alerts, [10_000 + 10 * MIN], 'the tenth failure raised the alert, until ten minutes later');
  assert.equal(l.roomDelayMs(room, clock.now()), 2000, 'PIN checks on the room wait');
  assert.equal(l.roomDelayMs('room-quiet', clock.now()), 0, 'other rooms do not');
  // The chair (a number with no failures) is not refused: the room never refuses anyone.
  assert.equal(l.refusedUntil({ number: '13900000299', address: CARRIER }, clock.now()), null);
  // The episode ends; the attack went on (20 failures within the window): the next failure starts a new one.
  clock.advance(10 * MIN - 30_000 + 10_000);
  assert.equal(l.roomDelayMs(room, clock.now()), 0, 'the episode is over');
  const next = l.fail(room, { number: '13900000300', address: CARRIER }, clock.now());
  assert.equal(next.roomAlertUntil, clock.now() + 10 * MIN, 'a second episode, a second alert');
});

test('a quiet room after an episode needs ten new failures for the next alert', () => {
  const { l, clock } = lockout();
  const fail = () => { clock.advance(1000); return l.fail('r', { number: '', address: '192.0.2.50' }, clock.now()).roomAlertUntil; };
  const first = Array.from({ length: 10 }, fail);
  assert.equal(first.filter((u) => u !== null).length, 1);
  clock.advance(30 * MIN);
  assert.equal(l.roomDelayMs('r', clock.now()), 0);
  const second = Array.from({ length: 9 }, fail);
  assert.ok(second.every((u) => u === null), 'nine are not enough');
});

test('memory is bounded: past maxTracked the idle entries go first, then the least recently seen, refusals last', () => {
  const { l, clock } = lockout({ maxTracked: 100 });
  const attacker = { number: '13900000400', address: CARRIER };
  failures(l, clock, attacker, 10);
  assert.ok(l.refusedUntil(attacker, clock.now()) !== null);
  // 1,000 numbers fail once each within the window (100 ms apart): none is idle.
  const flood = (from: number) => {
    for (let i = from; i < from + 1000; i++) {
      clock.advance(100);
      l.fail('room-flood', { number: `1380000${String(i).padStart(4, '0')}`, address: CARRIER }, clock.now());
      assert.ok(l.tracked.callers <= 100, `at most 100 callers remembered (${l.tracked.callers} after ${i + 1})`);
    }
  };
  flood(0);
  assert.ok(l.refusedUntil(attacker, clock.now()) !== null, 'the refused number outlived a thousand newer ones');
  assert.ok(l.tracked.rooms <= 100);
  // Once the window has passed, the old entries are idle and swept, and the refusal ends like any other.
  clock.advance(10 * MIN);
  assert.equal(l.refusedUntil(attacker, clock.now()), null);
  flood(1000);
  assert.ok(l.tracked.callers <= 100);
});

test('ivrConfig validates the lockout settings', () => {
  assert.throws(() => ivrConfig({ pinLockout: { slowAfter: 10, blockAfter: 10 } }), /slowAfter must be below blockAfter/);
  assert.throws(() => ivrConfig({ pinLockout: { delayMs: 0 } }), /pinLockout.delayMs must be positive/);
  assert.throws(() => ivrConfig({ pinLockout: { maxDelayMs: 100, delayMs: 200 } }), /maxDelayMs/);
  assert.throws(() => ivrConfig({ pinLockout: { blockAfter: 2.5 } }), /whole number/);
  assert.throws(() => ivrConfig({ pinLockout: { carrierAddresses: [' '] } }), /carrierAddresses/);
  assert.deepEqual(ivrConfig({ pinLockout: { carrierAddresses: ['10.0.0.1'] } }).pinLockout, { ...DEFAULT_IVR_CONFIG.pinLockout, carrierAddresses: ['10.0.0.1'] });
});

test('the carriers\' addresses come from BRIDGE_CARRIER_ADDRESSES (comma-separated), none by default', () => {
  assert.deepEqual(loadConfig({}).ivr.carrierAddresses, []);
  assert.deepEqual(loadConfig({ BRIDGE_CARRIER_ADDRESSES: ' 10.0.0.1, 10.0.0.2 ,' }).ivr.carrierAddresses, ['10.0.0.1', '10.0.0.2']);
});
