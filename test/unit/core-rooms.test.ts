import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomRoomNumber, allocateRoomNumber, validateRoomNumber } from '../../core/rooms/room-number.ts';
import { generatePin, generatePins, validatePins, roleForPin } from '../../core/rooms/pins.ts';
import { resolveMaxParticipants } from '../../core/accounts/tiers.ts';
import { canTransition, inviteStateForCause } from '../../core/invites/states.ts';
import { checkPasswordPolicy, hashPassword, verifyPassword } from '../../core/users/passwords.ts';
import { ConflictError, ValidationError } from '../../core/errors.ts';

describe('room numbers', () => {
  it('are 6–8 random digits, never starting with 0', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const n = randomRoomNumber(8);
      assert.match(n, /^[1-9][0-9]{7}$/);
      seen.add(n);
    }
    assert.ok(seen.size > 1990, 'collisions in 2000 draws from 9e7 should be rare');
    assert.match(randomRoomNumber(6), /^[1-9][0-9]{5}$/);
    assert.throws(() => randomRoomNumber(5), RangeError);
  });

  it('are not sequential', () => {
    const a = Number(randomRoomNumber()), b = Number(randomRoomNumber()), c = Number(randomRoomNumber());
    assert.ok(!(b - a === 1 && c - b === 1));
  });

  it('retry on collision and give up after a bounded number of attempts', async () => {
    const tried: string[] = [];
    const n = await allocateRoomNumber(async (x) => { tried.push(x); return tried.length <= 3; });
    assert.equal(tried.length, 4);
    assert.equal(n, tried[3]);
    let calls = 0;
    await assert.rejects(allocateRoomNumber(async () => { calls++; return true; }, { maxAttempts: 5 }), ConflictError);
    assert.equal(calls, 5);
  });

  it('validate owner edits', () => {
    assert.doesNotThrow(() => validateRoomNumber('888888'));
    for (const bad of ['12345', '123456789', '12a456', '', ' 123456']) assert.throws(() => validateRoomNumber(bad), ValidationError);
  });
});

describe('PINs', () => {
  it('are digits and chair differs from guest', () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePins();
      assert.match(p.chairPin, /^[0-9]{6}$/);
      assert.notEqual(p.chairPin, p.guestPin);
      validatePins(p);
    }
    // A random source that repeats itself still yields two different PINs.
    let k = 0;
    const stuck = (): number => (k++ < 12 ? 3 : 4);
    const p = generatePins(6, stuck);
    assert.notEqual(p.chairPin, p.guestPin);
    assert.match(generatePin(4), /^[0-9]{4}$/);
  });

  it('are validated: digits only, 4–8 long, different, guest may be empty', () => {
    assert.doesNotThrow(() => validatePins({ chairPin: '1234', guestPin: '5678' }));
    assert.doesNotThrow(() => validatePins({ chairPin: '1234', guestPin: '' }));
    for (const p of [{ chairPin: '1234', guestPin: '1234' }, { chairPin: '12a4', guestPin: '5678' }, { chairPin: '', guestPin: '5678' },
      { chairPin: '123', guestPin: '5678' }, { chairPin: '1234', guestPin: '56789012345' }, { chairPin: '1234', guestPin: '56 78' }]) {
      assert.throws(() => validatePins(p), ValidationError, JSON.stringify(p));
    }
  });

  it('map an entered PIN to a role', () => {
    const p = { chairPin: '1234', guestPin: '5678' };
    assert.equal(roleForPin('1234', p), 'chair');
    assert.equal(roleForPin('5678', p), 'guest');
    assert.equal(roleForPin('', p), null);
    assert.equal(roleForPin('', { chairPin: '1234', guestPin: '' }), 'guest');
  });
});

describe('tier limits', () => {
  it('cap max participants: trial 10, formal 600, VIP unlimited', () => {
    assert.equal(resolveMaxParticipants('trial'), 10);
    assert.throws(() => resolveMaxParticipants('trial', 11), ValidationError);
    assert.equal(resolveMaxParticipants('formal', 600), 600);
    assert.throws(() => resolveMaxParticipants('formal', 601), ValidationError);
    assert.equal(resolveMaxParticipants('vip', 5000), 5000);
    assert.throws(() => resolveMaxParticipants('vip', 0), ValidationError);
    assert.throws(() => resolveMaxParticipants('formal', 2.5), ValidationError);
  });
});

describe('invite states', () => {
  it('allow the live progression and redial after failure only', () => {
    assert.ok(canTransition('queued', 'calling'));
    assert.ok(canTransition('calling', 'ringing'));
    assert.ok(canTransition('ringing', 'answered'));
    assert.ok(canTransition('busy', 'queued'));
    assert.ok(!canTransition('answered', 'ringing'));
    assert.ok(!canTransition('queued', 'answered'));
    assert.equal(inviteStateForCause(17), 'busy');
    assert.equal(inviteStateForCause(19), 'no_answer');
    assert.equal(inviteStateForCause(21), 'rejected');
    assert.equal(inviteStateForCause(38), 'failed');
  });
});

describe('passwords', () => {
  it('need 8+ characters and 3 of 4 classes', () => {
    for (const ok of ['Demo#2026', 'abcdEF12', 'abc-12345', 'Operator#2026']) assert.doesNotThrow(() => checkPasswordPolicy(ok), ok);
    for (const bad of ['Ab1#', 'abcdefgh', 'abcd1234', 'ABCDEFGH1']) assert.throws(() => checkPasswordPolicy(bad), ValidationError, bad);
  });

  it('are hashed with argon2id and verified', async () => {
    const h = await hashPassword('Demo#2026');
    assert.match(h, /^\$argon2id\$/);
    assert.equal(await verifyPassword(h, 'Demo#2026'), true);
    assert.equal(await verifyPassword(h, 'demo#2026'), false);
    assert.equal(await verifyPassword('not-a-hash', 'x'), false);
  });
});
