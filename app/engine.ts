// Which engine runs under the media port, from the configuration
// (`engine`, BRIDGE_ENGINE). Everything above the port is the same whichever
// is chosen; an engine that cannot run (the FreeSWITCH engine without its secrets) is refused here, at start-up, with
// the reason, rather than silently replaced by another.
import type { Engine } from '../bridge/port.ts';
import { EmbeddedEngine } from '../bridge/embedded/engine.ts';
import { MediaPool } from '../bridge/embedded/media/control/media-pool.ts';
import type { Config } from '../common/config.ts';
import { createFreeswitchEngine } from '../bridge/freeswitch/engine.ts';

const ENGINES: Record<Config['engine'], (config: Config) => Engine> = {
  embedded: (config) => new EmbeddedEngine({ config, media: new MediaPool(config.rtp) }),
  freeswitch: (config) => createFreeswitchEngine(config),
};

/** The configured engine, not yet started; throws ConfigError for one that cannot run. */
export function createEngine(config: Config): Engine {
  return ENGINES[config.engine](config);
}
