// Report periods count days in the account's zone: the default "last 90
// days" of the recordings and history pages ends on the account's today, so
// a call at 04:31 in Beijing (20:31 UTC the day before) is in the list.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastDays, resolvePeriod } from '../../web/billing/period.ts';

describe('report periods in the account zone', () => {
  const evening = new Date('2026-12-06T20:31:11Z'); // 2026-12-07 04:31 in Asia/Shanghai

  it('the last 90 days end on the zone\'s today, not UTC\'s', () => {
    assert.deepEqual(lastDays(90, 'Asia/Shanghai', evening), { from: '2026-09-08', to: '2026-12-07' });
    assert.deepEqual(lastDays(90, 'UTC', evening), { from: '2026-09-07', to: '2026-12-06' });
    assert.deepEqual(lastDays(90, 'America/Los_Angeles', new Date('2026-12-07T03:00:00Z')), { from: '2026-09-07', to: '2026-12-06' });
  });

  it('a call made just now falls inside the default range', () => {
    for (const zone of ['Asia/Shanghai', 'UTC', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Pago_Pago']) {
      const { from, to } = lastDays(90, zone, evening);
      const p = resolvePeriod({ period: 'range', from, to }, zone, evening);
      assert.ok(p.from <= evening && evening < p.to, `${zone}: ${p.from.toISOString()} ≤ now < ${p.to.toISOString()}`);
    }
  });
});
