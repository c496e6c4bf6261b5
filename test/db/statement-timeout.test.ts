// A query that runs too long on PostgreSQL fails at the statement timeout
// (core/db.ts: the server's statement_timeout, SQLSTATE 57014) instead of
// holding its connection and its caller for ever; the pool goes on serving;
// the migrations ran without the limit; 0 means no limit.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { closeTestDatabases, testPostgres } from '../support/db.ts';

describe('the PostgreSQL statement timeout', () => {
  const opened: Knex[] = [];
  let url: string;
  before(async () => { url = await (await testPostgres()).createDatabase(`stmt_timeout_${process.pid}`); });
  after(async () => {
    await Promise.allSettled(opened.map((db) => db.destroy()));
    await closeTestDatabases();
  });

  it('a query past the limit fails with 57014 at the limit; the next query on the pool answers', async () => {
    const db = await openDatabase({ databaseUrl: url, statementTimeoutMs: 800, poolMax: 1 });
    opened.push(db);
    assert.ok(Number((await db('knex_migrations').count<{ count: string }[]>('* as count'))[0]!.count) > 0, 'migrated');
    const t0 = performance.now();
    const err = await db.raw('select pg_sleep(5)').then(() => undefined, (e: unknown) => e as { code?: string });
    const ms = performance.now() - t0;
    assert.equal(err?.code, '57014', 'query_canceled by statement_timeout');
    assert.ok(ms >= 700 && ms < 3000, `failed after ${ms.toFixed(0)} ms`);
    assert.equal((await db.raw('select 41 + 1 as n')).rows[0].n, 42, 'the pool\'s one connection serves the next query');
  });

  it('0: no limit (a 1.2 s query runs to its end)', async () => {
    const db = await openDatabase({ databaseUrl: url, statementTimeoutMs: 0, migrate: false });
    opened.push(db);
    const r = await db.raw('select pg_sleep(1.2), 7 as n');
    assert.equal(r.rows[0].n, 7);
  });
});
