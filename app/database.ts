// The process's database: PGlite in the data folder, or PostgreSQL with
// DATABASE_URL; migrated, and seeded with the demo data when configured.
// On PostgreSQL the migrations and the seed run under an advisory lock, so a
// web and a bridge process started together on an empty database take turns
// (the second finds the schema and the demo data there) instead of racing
// for knex's migration lock or creating the demo account twice.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Knex } from 'knex';
import pg from 'pg';
import type { Config } from '../common/config.ts';
import { moduleLogger } from '../common/log.ts';
import { openDatabase } from '../core/db.ts';
import { createRepositories, type Repositories } from '../core/repositories.ts';
import { DEMO, seedDemo } from '../core/seed.ts';

const log = moduleLogger('app', { part: 'database' });

/** pg_advisory_lock key of the start-up (migrations, seed): any fixed number, the same in every process. */
const START_UP_LOCK = 7_120_012;

export async function openAppDatabase(config: Config): Promise<{ db: Knex; repos: Repositories }> {
  const url = config.data.databaseUrl;
  if (!url) mkdirSync(config.data.dir, { recursive: true });
  const prepare = async (): Promise<Knex> => {
    const db = await openDatabase({ databaseUrl: url, dataDir: join(config.data.dir, 'pglite'), statementTimeoutMs: config.data.statementTimeoutMs });
    try {
      if (config.seedDemo) {
        await seedDemo(db, { now: new Date(), defaultRegion: config.defaultRegion });
        log.info({ owner: DEMO.owner, operator: DEMO.operator, room: DEMO.room, accessNumbers: DEMO.accessNumbers.map((a) => a.number) }, 'demo data ready');
      }
    } catch (err) {
      await db.destroy();
      throw err;
    }
    return db;
  };
  const db = url ? await underStartUpLock(url, prepare) : await prepare();
  return { db, repos: createRepositories(db, { defaultRegion: config.defaultRegion }) };
}

async function underStartUpLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'bridge start-up' });
  client.on('error', (err) => log.warn({ err }, 'start-up lock connection failed'));
  await client.connect();
  try {
    // Bounded: a process stuck holding it fails this start-up rather than hanging it.
    await client.query("SET lock_timeout = '120s'");
    await client.query('SELECT pg_advisory_lock($1)', [START_UP_LOCK]);
    return await work();
  } finally {
    // Ending the session releases the lock.
    await client.end().catch(() => undefined);
  }
}
