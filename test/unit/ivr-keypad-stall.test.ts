// Keypad timeouts after a stalled main thread (issue 20): a digit timeout that
// fires long after it was due gives the keys that arrived meanwhile (still
// unread in the sockets) the time it lost, at most 10 s in all; an on-time
// timeout ends the wait as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Clock, TimerHandle } from '../../common/clock.ts';
import { Keypad } from '../../ivr/call/keypad.ts';
import { keyLeg } from '../support/key-leg.ts';

/** A clock whose timers the test fires by hand, at whatever time it says. */
class HandClock implements Clock {
  t = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private id = 1;
  now(): number { return this.t; }
  setTimer(ms: number, fn: () => void): TimerHandle { const id = this.id++; this.timers.set(id, { at: this.t + ms, fn }); return { id }; }
  clearTimer(h: TimerHandle | undefined): void { if (h) this.timers.delete(h.id); }
  /** Jumps to `t` and fires the timers due by then (late, as after a stall). */
  jump(t: number): void {
    this.t = t;
    for (const [id, x] of [...this.timers]) if (x.at <= t) { this.timers.delete(id); x.fn(); }
  }
  get pending(): number { return this.timers.size; }
}

const fakeLeg = keyLeg;

const settle = () => new Promise((r) => setImmediate(r));

test('a timeout on time ends the wait', async () => {
  const clock = new HandClock();
  const kp = new Keypad(fakeLeg().leg, clock);
  let got: string | undefined = 'none';
  const p = kp.next(1000).then((k) => { got = k; });
  clock.jump(1010);
  await p;
  assert.equal(got, undefined);
});

test('a timeout 3 s late waits 3 s more; a key that comes then is read', async () => {
  const clock = new HandClock();
  const { leg, press } = fakeLeg();
  const kp = new Keypad(leg, clock);
  let got: string | undefined = 'none';
  const p = kp.next(1000).then((k) => { got = k; });
  clock.jump(4000); // due at 1000: 3000 late
  await settle();
  assert.equal(got, 'none', 'still waiting after a late timeout');
  press('7');
  await p;
  assert.equal(got, '7');
});

test('the grace is bounded: stalls that go on end the wait after at most 10 s more', async () => {
  const clock = new HandClock();
  const kp = new Keypad(fakeLeg().leg, clock);
  let got: string | undefined = 'none';
  const p = kp.next(1000).then((k) => { got = k; });
  clock.jump(7000); // 6 s late: extended by 6 s, due at 13000
  await settle();
  clock.jump(18000); // 5 s late again: 6 + 5 > 10, so it ends
  await p;
  assert.equal(got, undefined);
  assert.equal(clock.pending, 0);
});
