// The shared 20 ms media clock: slots are consecutive, a late timer is caught
// up one tick at a time, and a long stall skips ahead (counted) instead of bursting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MediaClock } from '../../bridge/embedded/media/worker/media-clock.ts';
import { waitUntil } from '../support/ports.ts';

test('MediaClock: consecutive slots at 20 ms; a 70 ms stall is caught up, a 500 ms stall skips ahead', async () => {
  let offset = 0;
  const clock = new MediaClock(() => performance.now() + offset);
  const slots: number[] = [];
  const member = { tick: (_now: number, slot: number) => { slots.push(slot); } };
  clock.add(member);
  try {
    await body();
  } finally {
    clock.delete(member); // a failed check must not leave the clock ticking (the test process would never end)
  }
  assert.equal(clock.size, 0);

  async function body(): Promise<void> {
    await waitUntil(() => slots.length >= 5, 2000, 'five ticks');
    assert.deepEqual(slots.slice(0, 5), [1, 2, 3, 4, 5], 'consecutive slots');
    const before = slots.length;
    offset += 70; // the timer came back 70 ms late: 3 or 4 ticks are due
    await waitUntil(() => slots.length >= before + 4, 2000, 'the catch-up');
    assert.ok(clock.late >= 1, 'late ticks counted');
    const consecutive = slots.every((s, i) => i === 0 || s === slots[i - 1]! + 1);
    assert.ok(consecutive, `no slot skipped while catching up: ${slots.join(',')}`);
    const n = slots.length;
    offset += 500; // a stall far beyond the catch-up bound
    await waitUntil(() => slots.length >= n + 2, 2000, 'ticks after the stall');
    assert.ok(clock.skipped >= 15, `skipped ${clock.skipped}`);
    const jump = slots.findIndex((s, i) => i > 0 && s - slots[i - 1]! > 1);
    assert.ok(jump > 0, 'the slot number jumped over the skipped ticks');
  }
});
