// The process (`make run`, `npm start`): reads the configuration and starts
// the role it names (app/roles.ts) — by default everything in one process on
// 127.0.0.1: the embedded engine with the IVR answering calls, the database
// (PGlite in ./data, or PostgreSQL with DATABASE_URL) with the demo account,
// the CDR journal's crash recovery, and the web app.
import { loadConfig } from '../common/config.ts';
import { moduleLogger } from '../common/log.ts';
import { Drain } from './drain.ts';
import { startRole } from './roles.ts';

const log = moduleLogger('app');

async function main(): Promise<void> {
  const config = loadConfig();
  const running = await startRole(config);
  log.info({ role: config.role, ...running.summary }, 'bridge ready');
  // SIGTERM/SIGINT: drain (app/drain.ts) — no new calls, meetings go on up to
  // BRIDGE_DRAIN_S, then goodbye; a second signal ends every call at once.
  const drain = new Drain({ seconds: config.drain.seconds, stop: () => running.stop(), hooks: running.drain, log });
  process.on('SIGINT', () => drain.signal('SIGINT'));
  process.on('SIGTERM', () => drain.signal('SIGTERM'));
  void drain.exitCode.then((code) => process.exit(code));
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'bridge failed to start');
  process.exit(1);
});
