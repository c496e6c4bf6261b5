// `make run`: the bridge in one process on 127.0.0.1 with the embedded engine.
import { loadConfig } from '../common/config.ts';
import { moduleLogger } from '../common/log.ts';
import { EmbeddedEngine } from '../bridge/embedded/engine.ts';
import { RtpLegMediaFactory } from '../bridge/embedded/rtp-leg-media.ts';
import { installDemoBehaviour } from './demo-behaviour.ts';

const log = moduleLogger('app');

async function main(): Promise<void> {
  const config = loadConfig();
  const engine = new EmbeddedEngine({ config, media: new RtpLegMediaFactory(config.rtp) });
  installDemoBehaviour(engine, log);
  await engine.start();
  log.info({ sip: `${config.sip.host}:${config.sip.port}`, transports: config.sip.transports }, 'bridge ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    engine.close().then(() => process.exit(0), () => process.exit(1));
    setTimeout(() => process.exit(1), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  log.fatal({ err }, 'bridge failed to start');
  process.exit(1);
});
