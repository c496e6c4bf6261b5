// The webhook store on PGlite and on PostgreSQL: endpoints scoped to their
// account with the event list kept; one delivery per endpoint and event id;
// claims leased (a second sender gets nothing until the lease lapses — a
// crashed sender's delivery comes back), oldest first; attempts logged and
// the delivery moved on; redelivery; deleting an endpoint takes its
// deliveries. On PostgreSQL, senders racing on separate connections
// claim disjoint sets (FOR UPDATE SKIP LOCKED).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { databaseUrlOf, openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { NotFoundError } from '../../core/errors.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { KnexWebhookStore } from '../../core/webhooks/knex-store.ts';

const T0 = new Date('2026-06-01T02:00:00Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

for (const engine of dbEngines()) {
  describe(`webhook store on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    let acc: string;
    let other: string;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
      acc = (await r.accounts.create({ name: 'hooks', tier: 'formal' })).id;
      other = (await r.accounts.create({ name: 'other', tier: 'formal' })).id;
    });

    it('endpoints: scoped to the account, events kept, enable/disable, subscribers', async () => {
      const e = await r.webhooks.createEndpoint(acc, { url: 'https://a.example/h', description: 'd', secret: 'whsec_x', events: ['meeting.started', 'balance.low'] });
      assert.deepEqual(e.events, ['meeting.started', 'balance.low']);
      assert.equal(e.enabled, true);
      await assert.rejects(r.webhooks.getEndpoint(other, e.id), NotFoundError);
      await assert.rejects(r.webhooks.setEnabled(other, e.id, false), NotFoundError);
      await assert.rejects(r.webhooks.deleteEndpoint(other, e.id), NotFoundError);
      assert.deepEqual((await r.webhooks.subscribers(acc, 'balance.low')).map((x) => x.id), [e.id]);
      assert.deepEqual(await r.webhooks.subscribers(acc, 'meeting.ended'), []);
      assert.deepEqual(await r.webhooks.subscribers(other, 'balance.low'), []);
      await r.webhooks.setEnabled(acc, e.id, false);
      assert.deepEqual(await r.webhooks.subscribers(acc, 'balance.low'), []);
      await r.webhooks.deleteEndpoint(acc, e.id);
      assert.deepEqual(await r.webhooks.listEndpoints(acc), []);
    });

    it('deliveries: one per event, leased claims oldest first, attempts logged, retry, delivered, failed, redelivered', async () => {
      const e = await r.webhooks.createEndpoint(acc, { url: 'https://b.example/h', description: '', secret: 's', events: ['meeting.started'] });
      const add = (id: string, ms: number) => r.webhooks.enqueue(e, { eventId: id, eventType: 'meeting.started', body: `{"id":"${id}"}`, at: at(ms), retryUntil: at(ms + 86_400_000) });
      const d1 = (await add('evt_1', 0))!;
      assert.equal(await add('evt_1', 5), undefined, 'the same event again: nothing');
      const d2 = (await add('evt_2', 10))!;
      const d3 = (await add('evt_3', 10))!;
      assert.equal(d1.status, 'pending');
      assert.equal(await r.webhooks.countPending() >= 3, true);

      const first = await r.webhooks.claimDue(at(20), { leaseMs: 60_000, limit: 2 });
      assert.deepEqual(first.map((c) => c.delivery.id), [d1.id, d2.id], 'oldest first, then in the order written');
      assert.ok(first.every((c) => c.delivery.attempts === 1 && c.endpoint.id === e.id && c.endpoint.secret === 's'));
      assert.deepEqual((await r.webhooks.claimDue(at(20), { leaseMs: 60_000, limit: 10 })).map((c) => c.delivery.id), [d3.id], 'leased ones are skipped');
      assert.deepEqual(await r.webhooks.claimDue(at(30), { leaseMs: 60_000, limit: 10 }), []);

      await r.webhooks.recordAttempt(d1.id, { attempt: 1, at: at(21), statusCode: 500, error: 'HTTP 500', durationMs: 12 }, { kind: 'retry', nextAttemptAt: at(5000) });
      await r.webhooks.recordAttempt(d2.id, { attempt: 1, at: at(21), statusCode: 200, error: null, durationMs: 8 }, { kind: 'delivered', at: at(29) });
      await r.webhooks.recordAttempt(d3.id, { attempt: 1, at: at(21), statusCode: 404, error: 'HTTP 404', durationMs: 9 }, { kind: 'failed' });
      const [g1, g2, g3] = await Promise.all([d1, d2, d3].map((d) => r.webhooks.getDelivery(acc, d.id)));
      assert.deepEqual([g1!.status, g1!.lastStatus, g1!.nextAttemptAt?.toISOString()], ['pending', 500, at(5000).toISOString()]);
      assert.deepEqual([g2!.status, g2!.deliveredAt?.toISOString(), g2!.nextAttemptAt], ['delivered', at(29).toISOString(), null]);
      assert.deepEqual([g3!.status, g3!.lastError], ['failed', 'HTTP 404']);
      assert.deepEqual(await r.webhooks.claimDue(at(4999), { leaseMs: 60_000, limit: 10 }), [], 'not due before its retry time');
      const again = await r.webhooks.claimDue(at(5000), { leaseMs: 60_000, limit: 10 });
      assert.deepEqual(again.map((c) => [c.delivery.id, c.delivery.attempts]), [[d1.id, 2]]);
      // A sender that died holding it: its lease lapses and the delivery is due again.
      assert.deepEqual((await r.webhooks.claimDue(at(5000 + 60_001), { leaseMs: 60_000, limit: 10 })).map((c) => [c.delivery.id, c.delivery.attempts]), [[d1.id, 3]]);

      const log = await r.webhooks.attempts(acc, [d1.id, d2.id, d3.id]);
      assert.deepEqual(log.get(d1.id)!.map((a) => [a.attempt, a.statusCode, a.durationMs]), [[1, 500, 12]]);
      assert.deepEqual((await r.webhooks.attempts(other, [d1.id])).size, 0, 'not another account\'s');
      await assert.rejects(r.webhooks.getDelivery(other, d1.id), NotFoundError);
      await assert.rejects(r.webhooks.redeliver(other, d3.id, at(1), at(2)), NotFoundError);

      await assert.rejects(r.webhooks.redeliver(acc, d1.id, at(1), at(2)), InvalidStateError, 'a pending one (maybe being sent) is not redelivered');
      const re = await r.webhooks.redeliver(acc, d3.id, at(9000), at(99_000));
      assert.deepEqual([re.status, re.nextAttemptAt?.toISOString(), re.retryUntil.toISOString()], ['pending', at(9000).toISOString(), at(99_000).toISOString()]);
      assert.deepEqual((await r.webhooks.listDeliveries(acc, { endpointId: e.id })).map((d) => d.id), [d3.id, d2.id, d1.id], 'newest first');

      await r.webhooks.deleteEndpoint(acc, e.id);
      assert.deepEqual(await r.webhooks.listDeliveries(acc), [], 'the deliveries went with it');
      assert.equal(Number((await db('webhook_attempts').count({ n: '*' }).first() as { n: unknown }).n), 0);
    });

    if (engine.name === 'postgres') {
      it('senders on separate connections claim disjoint sets', async () => {
        const e = await r.webhooks.createEndpoint(acc, { url: 'https://c.example/h', description: '', secret: 's', events: ['meeting.ended'] });
        const n = 60;
        for (let i = 0; i < n; i++) await r.webhooks.enqueue(e, { eventId: `evt_race_${i}`, eventType: 'meeting.ended', body: '{}', at: at(i), retryUntil: at(86_400_000) });
        const url = databaseUrlOf(db)!;
        const others = await Promise.all([0, 1, 2].map(() => openDatabase({ databaseUrl: url, acquireTimeoutMs: 5_000 })));
        try {
          const stores = [r.webhooks, ...others.map((o) => new KnexWebhookStore(o))];
          const claimed: string[] = [];
          for (let round = 0; round < 10 && claimed.length < n; round++) {
            const got = await Promise.all(stores.map((s) => s.claimDue(at(100_000), { leaseMs: 600_000, limit: 7 })));
            for (const g of got) claimed.push(...g.map((c) => c.delivery.id));
          }
          assert.equal(claimed.length, n, 'every delivery claimed');
          assert.equal(new Set(claimed).size, n, 'none twice');
        } finally {
          await Promise.all(others.map((o) => o.destroy()));
        }
      });
    }
  });
}
