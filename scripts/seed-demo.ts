// Seeds the demo data into the database `make run` uses:
//   node --import tsx scripts/seed-demo.ts
// PostgreSQL when DATABASE_URL is set, else PGlite in BRIDGE_DATA_DIR/pglite (default ./data/pglite).
import { join } from 'node:path';
import { openDatabase } from '../core/db.ts';
import { seedDemo, DEMO } from '../core/seed.ts';
import { moduleLogger } from '../common/log.ts';

const log = moduleLogger('seed');
const db = await openDatabase({
  databaseUrl: process.env.DATABASE_URL || undefined,
  dataDir: join(process.env.BRIDGE_DATA_DIR ?? './data', 'pglite'),
});
try {
  const r = await seedDemo(db, { now: new Date(), defaultRegion: process.env.BRIDGE_DEFAULT_REGION ?? 'CN' });
  log.info({ accountId: r.accountId, room: DEMO.room.number, operator: DEMO.operator.username, owner: DEMO.owner.username }, 'demo data ready');
} finally {
  await db.destroy();
}
