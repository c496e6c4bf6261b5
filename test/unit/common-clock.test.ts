// The system clock's timers: a delay longer than setTimeout's 2^31 − 1 ms is
// waited for, not fired at once (Node fires such a delay after 1 ms: an
// account whose balance lasts more than 24.8 days at its calls' rate had its
// calls cut as they joined).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backgroundClock, MAX_TIMEOUT_MS, systemClock } from '../../common/clock.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a 30-day timer does not fire within 200 ms, and clearTimer cancels it', async () => {
  let fired = 0;
  const h = systemClock.setTimer(30 * 24 * 3600_000, () => { fired++; });
  const b = backgroundClock.setTimer(MAX_TIMEOUT_MS + 1, () => { fired++; });
  await sleep(200);
  systemClock.clearTimer(h);
  backgroundClock.clearTimer(b);
  assert.equal(fired, 0);
});

test('short timers still fire, in order, and a cleared one does not', async () => {
  const seen: string[] = [];
  systemClock.setTimer(40, () => seen.push('b'));
  systemClock.setTimer(10, () => seen.push('a'));
  const c = systemClock.setTimer(20, () => seen.push('never'));
  systemClock.clearTimer(c);
  systemClock.setTimer(-5, () => seen.push('0'));
  await sleep(150);
  assert.deepEqual(seen, ['0', 'a', 'b']);
});
