// The database's metrics on PGlite and PostgreSQL: every query timed into
// bridge_db_query_seconds (an error as outcome="error"), the mail queue's one
// grouped count (queued and outbox, sent and failed left out) and its gauge.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { registry } from '../../common/metrics.ts';
import { KnexOutboxStore } from '../../core/outbox/knex-store.ts';
import { watchOutbox } from '../../core/outbox/metrics.ts';
import { dbEngines } from '../support/db.ts';
import { sample } from '../support/prom-text.ts';

async function scrape(name: string): Promise<string> {
  return registry.getSingleMetricAsString(name);
}

for (const engine of dbEngines()) {
  describe(`database metrics on ${engine.name}`, () => {
    let db: Knex;
    before(async () => { db = await engine.open(); });

    it('times each query: ok and error outcomes', async () => {
      const ok0 = sample(await scrape('bridge_db_query_seconds'), 'bridge_db_query_seconds_count', { outcome: 'ok' }) ?? 0;
      const err0 = sample(await scrape('bridge_db_query_seconds'), 'bridge_db_query_seconds_count', { outcome: 'error' }) ?? 0;
      await db.raw('select 1');
      await db.raw('select 2');
      await assert.rejects(db.raw('select * from no_such_table'));
      const text = await scrape('bridge_db_query_seconds');
      assert.equal(sample(text, 'bridge_db_query_seconds_count', { outcome: 'ok' }), ok0 + 2);
      assert.equal(sample(text, 'bridge_db_query_seconds_count', { outcome: 'error' }), err0 + 1);
      assert.ok((sample(text, 'bridge_db_query_seconds_sum', { outcome: 'ok' }) ?? 0) > 0);
    });

    it('counts waiting mails by status, and serves them as bridge_mail_queue', async () => {
      const store = new KnexOutboxStore(db);
      const mail = { accountId: null, to: 'a@example.com', subject: 's', text: 't', ics: null, error: null, sentAt: null };
      assert.deepEqual(await store.countWaiting(), { queued: 0, outbox: 0 });
      for (const status of ['queued', 'queued', 'outbox', 'sent', 'failed'] as const) await store.add({ ...mail, status });
      assert.deepEqual(await store.countWaiting(), { queued: 2, outbox: 1 });
      const unwatch = watchOutbox(store);
      after(unwatch);
      const text = await scrape('bridge_mail_queue');
      assert.equal(sample(text, 'bridge_mail_queue', { status: 'queued' }), 2);
      assert.equal(sample(text, 'bridge_mail_queue', { status: 'outbox' }), 1);
      unwatch();
    });
  });
}
