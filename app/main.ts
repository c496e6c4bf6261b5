// `make run`: the bridge in one process on 127.0.0.1 — the embedded engine
// with the IVR answering calls, the embedded database (PGlite in ./data, or
// PostgreSQL with DATABASE_URL) with the demo account, the CDR journal's
// crash recovery, and the web app.
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadConfig } from '../common/config.ts';
import { moduleLogger } from '../common/log.ts';
import { openDatabase } from '../core/db.ts';
import { createRepositories } from '../core/repositories.ts';
import { CdrRecorder } from '../core/cdr/recorder.ts';
import { DEMO, seedDemo } from '../core/seed.ts';
import { createIvr } from '../ivr/ivr.ts';
import { startWebServer } from '../web/server.ts';
import { webConfigFrom } from '../web/config.ts';
import { createEngine } from './engine.ts';

const log = moduleLogger('app');

async function main(): Promise<void> {
  const config = loadConfig();
  // The engine first: one that cannot run is refused before anything opens.
  const engine = createEngine(config);
  mkdirSync(config.data.dir, { recursive: true });
  const db = await openDatabase({ databaseUrl: config.data.databaseUrl, dataDir: join(config.data.dir, 'pglite') });
  const repos = createRepositories(db, { defaultRegion: config.defaultRegion });
  // Start-up recovery: legs a crash left open are closed at their last checkpoint.
  const cdrs = CdrRecorder.start({ journalPath: join(config.data.dir, 'cdr-journal.jsonl'), sink: repos.cdrs, nodeId: config.data.nodeId });
  if (config.seedDemo) {
    await seedDemo(db, { now: new Date(), defaultRegion: config.defaultRegion });
    log.info({ owner: DEMO.owner, operator: DEMO.operator, room: DEMO.room, accessNumbers: DEMO.accessNumbers.map((a) => a.number) }, 'demo data ready');
  }
  const web = await startWebServer({ repos, config: webConfigFrom(config), host: config.web.host, port: config.web.port });
  const ivr = createIvr({
    engine, repos, cdrs, nodeId: config.data.nodeId,
    config: { ...config.ivr, operatorTarget: config.ivr.operatorTarget ?? null, defaultRegion: config.defaultRegion, recordingsDir: join(config.data.dir, 'recordings') },
  });
  engine.onIncoming((call) => ivr.handle(call));
  await engine.start();
  log.info({ engine: config.engine, sip: `${config.sip.host}:${config.sip.port}`, transports: config.sip.transports, database: config.data.databaseUrl ? 'postgresql' : 'pglite' }, 'bridge ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => process.exit(1), 5000).unref();
    ivr.close()
      .then(() => engine.close())
      .then(() => web.close())
      .then(() => cdrs.stop({ flushTimeoutMs: 2000 }))
      .then(() => db.destroy())
      .then(() => process.exit(0), (err: unknown) => { log.error({ err }, 'unclean stop'); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'bridge failed to start');
  process.exit(1);
});
