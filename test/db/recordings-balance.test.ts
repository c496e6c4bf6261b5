// The stores of issue 14 on PGlite and on PostgreSQL: recordings listed by
// room and days with the storage used and a failure kept; the low-balance
// warning noted once per crossing by the charging of a rated leg, claimed
// for mail once however many sweepers race, re-armed by a recharge or a
// lower threshold.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { DEFAULT_LOW_BALANCE_THRESHOLD_MINOR } from '../../migrations/014_recordings_balance.ts';
import type { LegRecord } from '../../core/cdr/leg.ts';

const NOW = new Date('2026-06-01T02:00:00Z');
const MIN = 60_000;

for (const engine of dbEngines()) {
  describe(`recordings and low balance on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
    });

    it('recordings: by room and days, newest first; usage sums the sizes of the rows not deleted; a failure is kept; other accounts see none', async () => {
      const acc = (await r.accounts.create({ name: 'rec', tier: 'formal' })).id;
      const other = (await r.accounts.create({ name: 'other', tier: 'formal' })).id;
      const [roomA, roomB] = await Promise.all(['a', 'b'].map((n) => r.rooms.create(acc, { name: n }, { now: NOW })));
      const add = async (roomId: string, at: Date, size: number, failure: string | null = null) => {
        const { conference } = await r.conferences.startOrGet(acc, { roomId, at });
        const rec = await r.recordings.create(acc, { conferenceId: conference.id, path: `/tmp/${randomUUID()}.wav`, startedAt: at });
        await r.recordings.finish(acc, rec.id, { endedAt: new Date(at.getTime() + MIN), durationMs: MIN, sizeBytes: size, failure });
        await r.conferences.end(acc, conference.id, { at: new Date(at.getTime() + 2 * MIN), reason: 'last_left' });
        return rec.id;
      };
      const a1 = await add(roomA!.id, new Date(NOW.getTime() - 3 * 86_400_000), 1000);
      const b1 = await add(roomB!.id, new Date(NOW.getTime() - 2 * 86_400_000), 2000, 'ENOSPC');
      const a2 = await add(roomA!.id, new Date(NOW.getTime() - 1 * 86_400_000), 4000);
      assert.deepEqual((await r.recordings.list(acc)).map((x) => x.id), [a2, b1, a1]);
      assert.deepEqual((await r.recordings.list(acc, { roomId: roomA!.id })).map((x) => x.id), [a2, a1]);
      assert.deepEqual((await r.recordings.list(acc, { from: new Date(NOW.getTime() - 2.5 * 86_400_000), to: new Date(NOW.getTime() - 0.5 * 86_400_000) })).map((x) => x.id), [a2, b1]);
      assert.equal((await r.recordings.get(acc, b1)).failure, 'ENOSPC');
      assert.equal((await r.recordings.get(acc, a1)).failure, null);
      assert.deepEqual(await r.recordings.usage(acc), { count: 3, bytes: 7000 });
      await r.recordings.delete(acc, b1);
      assert.deepEqual(await r.recordings.usage(acc), { count: 2, bytes: 5000 });
      assert.deepEqual(await r.recordings.usage(other), { count: 0, bytes: 0 });
      assert.deepEqual(await r.recordings.list(other), []);
      await assert.rejects(r.recordings.get(other, a1), NotFoundError);
      await assert.rejects(r.recordings.delete(other, a1), NotFoundError);
    });

    it('low balance: a charge below the threshold marks it once; one claim per crossing; a recharge re-arms it', async () => {
      const acc = (await r.accounts.create({ name: 'low', tier: 'formal' })).id;
      assert.equal((await r.lowBalance.get(acc)).thresholdMinor, DEFAULT_LOW_BALANCE_THRESHOLD_MINOR);
      await r.accounts.recharge(acc, 100);
      await r.lowBalance.setThreshold(acc, 50);
      await r.rates.upsert({ direction: 'out', destinationClass: 'domestic_mobile', perMinuteMinor: 30, incrementS: 60 });
      const call = async () => {
        const leg: LegRecord = {
          id: randomUUID(), nodeId: 'local', accountId: acc, conferenceId: null, roomId: null, roomNumber: null, direction: 'out',
          caller: '888888', callee: '+8613900139000', accessNumberId: null, accessNumber: null, role: 'guest', displayName: '',
          startedAt: NOW, answeredAt: NOW, endedAt: new Date(NOW.getTime() + 30_000), lastCheckpointAt: NOW, q850Cause: 16, state: 'closed', closedByRecovery: false,
        };
        await r.cdrs.write(leg);
        await r.cdrs.write(leg); // written twice: charged once
      };
      await call(); // 100 → 70
      assert.equal((await r.lowBalance.get(acc)).lowSince, null);
      assert.deepEqual(await r.lowBalance.claimMails(NOW), []);
      await call(); // 70 → 40: below 50
      const low = await r.lowBalance.get(acc);
      assert.equal(low.balanceMinor, 40);
      assert.ok(low.lowSince);
      // Three sweepers race for the mail: one gets it.
      const claims = await Promise.all([r.lowBalance.claimMails(NOW), r.lowBalance.claimMails(NOW), r.lowBalance.claimMails(NOW)]);
      assert.deepEqual(claims.map((c) => c.filter((s) => s.accountId === acc).length).sort(), [0, 0, 1]);
      await call(); // 40 → 10: still below, not again
      assert.deepEqual((await r.lowBalance.claimMails(NOW)).filter((s) => s.accountId === acc), []);
      assert.equal((await r.audit.list(acc, { action: 'balance.low' })).length, 1);

      await r.accounts.recharge(acc, 20); // 30: still below 50 — stays low, no new mail
      assert.ok((await r.lowBalance.get(acc)).lowSince);
      await r.accounts.recharge(acc, 100); // 130: back above — re-armed
      assert.deepEqual([(await r.lowBalance.get(acc)).lowSince, (await r.lowBalance.get(acc)).mailedAt], [null, null]);
      await r.lowBalance.setThreshold(acc, 120);
      await call(); // 130 → 100: below 120 — the second crossing
      assert.equal((await r.lowBalance.claimMails(NOW)).filter((s) => s.accountId === acc).length, 1);
      assert.equal((await r.audit.list(acc, { action: 'balance.low' })).length, 2);

      // A lower threshold the balance is at or above clears the mark; 0 turns the warning off.
      assert.equal((await r.lowBalance.setThreshold(acc, 100)).lowSince, null);
      await r.lowBalance.setThreshold(acc, 0);
      await call(); // 100 → 70
      assert.equal((await r.lowBalance.get(acc)).lowSince, null);
      await assert.rejects(r.lowBalance.setThreshold(acc, -1), ValidationError);
      await assert.rejects(r.lowBalance.setThreshold(acc, 0.5), ValidationError);
      await assert.rejects(r.lowBalance.setThreshold(randomUUID(), 10), NotFoundError);
    });
  });
}
