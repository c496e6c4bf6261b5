// The process (`make run`, `npm start`): reads the configuration and starts
// the role it names (app/roles.ts) — by default everything in one process on
// 127.0.0.1: the embedded engine with the IVR answering calls, the database
// (PGlite in ./data, or PostgreSQL with DATABASE_URL) with the demo account,
// the CDR journal's crash recovery, and the web app.
import { loadConfig } from '../common/config.ts';
import { moduleLogger } from '../common/log.ts';
import { startRole } from './roles.ts';

const log = moduleLogger('app');

async function main(): Promise<void> {
  const config = loadConfig();
  const running = await startRole(config);
  log.info({ role: config.role, ...running.summary }, 'bridge ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    setTimeout(() => process.exit(1), 5000).unref();
    running.stop().then(() => process.exit(0), (err: unknown) => { log.error({ err }, 'unclean stop'); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'bridge failed to start');
  process.exit(1);
});
