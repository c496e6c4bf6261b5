// Opening the database: PGlite (embedded PostgreSQL, a data directory, no
// server) by default, PostgreSQL when a URL is given. Both run the same
// migrations and the same queries.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import knexModule from 'knex';
import type { Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrations } from '../migrations/index.ts';
import { moduleLogger } from '../common/log.ts';
import { observeQueries } from './db-metrics.ts';

const log = moduleLogger('core', { part: 'db' });

export const DEFAULT_PGLITE_DIR = './data/pglite';

export interface OpenDatabaseOptions {
  /** postgres://… — when set, PostgreSQL through node-postgres. */
  databaseUrl?: string | undefined;
  /** PGlite data directory (default ./data/pglite); ignored with databaseUrl. */
  dataDir?: string | undefined;
  /** PGlite in memory (tests). */
  inMemory?: boolean;
  /** Run the migrations (default true). */
  migrate?: boolean;
  /** How long a query waits for a connection before it fails (PostgreSQL). */
  acquireTimeoutMs?: number;
  /** PostgreSQL pool size. */
  poolMax?: number;
  /**
   * PostgreSQL: the longest a query may run, on the server (statement_timeout,
   * SQLSTATE 57014) and on the client (a hung server or a lost connection that
   * never answers). Default 60 s; 0 = none. Migrations run without it.
   */
  statementTimeoutMs?: number;
}

/** See OpenDatabaseOptions.statementTimeoutMs. */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 60_000;
/** The client waits this much longer than the server's own limit, so the server's clearer error comes first. */
const CLIENT_TIMEOUT_MARGIN_MS = 2_000;

export type Engine = 'pglite' | 'postgres';

/** Migrations come from a fixed list, not a folder scan: robust under tsx ESM. */
export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => migrations.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = migrations.find(([n]) => n === name);
    if (!found) throw new Error(`unknown migration ${name}`);
    return found[1];
  },
};

/** knex's own warnings go to our logger, not the console. */
const knexLog = {
  warn: (m: unknown) => log.warn({ knex: String(m) }, 'knex warning'),
  error: (m: unknown) => log.error({ knex: String(m) }, 'knex error'),
  deprecate: (m: unknown) => log.warn({ knex: String(m) }, 'knex deprecation'),
  debug: (m: unknown) => log.debug({ knex: m }, 'knex debug'),
};

export async function openDatabase(opts: OpenDatabaseOptions = {}): Promise<Knex> {
  let db: Knex;
  if (opts.databaseUrl) {
    const timeoutMs = opts.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS;
    const pg = (connection: Knex.PgConnectionConfig) => knexModule.knex({
      client: 'pg', connection, pool: { min: 0, max: opts.poolMax ?? 10 }, acquireConnectionTimeout: opts.acquireTimeoutMs ?? 10_000, log: knexLog,
    });
    if ((opts.migrate ?? true) && timeoutMs > 0) {
      // A migration may rightly run for minutes (an index on a large table): its own short-lived pool, no limit.
      const migrator = pg({ connectionString: opts.databaseUrl });
      try { await migrateLatest(migrator); } finally { await migrator.destroy(); }
    }
    db = pg({
      connectionString: opts.databaseUrl,
      ...(timeoutMs > 0 ? { statement_timeout: timeoutMs, query_timeout: timeoutMs + CLIENT_TIMEOUT_MARGIN_MS } : {}),
    });
    log.info({ engine: 'postgres', statementTimeoutMs: timeoutMs }, 'database opened');
  } else if (opts.inMemory) {
    db = knexModule.knex({ client: ClientPgLite, connection: {}, log: knexLog });
    log.info({ engine: 'pglite', dir: null }, 'database opened');
  } else {
    const dir = resolve(opts.dataDir ?? DEFAULT_PGLITE_DIR);
    mkdirSync(dirname(dir), { recursive: true });
    db = knexModule.knex({ client: ClientPgLite, connection: { filename: dir }, log: knexLog });
    log.info({ engine: 'pglite', dir }, 'database opened');
  }
  observeQueries(db);
  if (opts.migrate ?? true) {
    try {
      await migrateLatest(db);
    } catch (err) {
      await db.destroy();
      throw err;
    }
  }
  return db;
}

export async function migrateLatest(db: Knex): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource }) as [number, string[]];
  if (applied.length > 0) log.info({ applied }, 'migrations applied');
  return applied;
}

export function engineOf(db: Knex): Engine {
  return db.client.config.client === 'pg' ? 'postgres' : 'pglite';
}

/** The PostgreSQL URL a database was opened with (undefined for PGlite): for a second pool on the same database. */
export function databaseUrlOf(db: Knex): string | undefined {
  const c = db.client.config.connection as string | { connectionString?: string } | undefined;
  return typeof c === 'string' ? c : c?.connectionString;
}
