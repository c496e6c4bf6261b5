// The database engines the data tests run on: PGlite in memory and a real
// PostgreSQL server (one throw-away cluster per test process, a fresh
// database per `open()`). Use:
//   for (const engine of dbEngines()) describe(engine.name, () => { … });
import { after } from 'node:test';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { startTestPostgres, type TestPostgres } from './postgres.ts';

export interface DbEngine {
  readonly name: 'pglite' | 'postgres';
  /** A fresh, migrated, empty database. */
  open(): Promise<Knex>;
}

let cluster: Promise<TestPostgres> | undefined;
let counter = 0;
const opened: Knex[] = [];

let cleanupRegistered = false;

/** Closes every database opened here and destroys the cluster. */
export async function closeTestDatabases(): Promise<void> {
  await Promise.allSettled(opened.splice(0).map((db) => db.destroy()));
  const c = cluster;
  cluster = undefined;
  if (c) await (await c).destroy();
}

/** The shared cluster of this test process (started on first use). */
export function testPostgres(): Promise<TestPostgres> {
  cluster ??= startTestPostgres();
  return cluster;
}

/** Call at the top level of a test file: the cleanup hook lands on the file. */
export function dbEngines(): DbEngine[] {
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    after(closeTestDatabases);
  }
  return [
    {
      name: 'pglite',
      open: async () => {
        const db = await openDatabase({ inMemory: true });
        opened.push(db);
        return db;
      },
    },
    {
      name: 'postgres',
      open: async () => {
        const pg = await testPostgres();
        const url = await pg.createDatabase(`t${process.pid}_${++counter}`);
        const db = await openDatabase({ databaseUrl: url, acquireTimeoutMs: 5_000 });
        opened.push(db);
        return db;
      },
    },
  ];
}
