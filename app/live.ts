// The live seam's wiring for each process role (core/live/README.md):
//   all    — the web reaches the IVR's LiveHost by direct calls (LocalLiveBus);
//   bridge — the IVR's LiveHost is served over PostgreSQL (servePgLive);
//   web    — the web reaches every bridge node through PostgreSQL (PgLiveBus).
// The one place that knows which bus a role gets.
import type { Config } from '../common/config.ts';
import { ConfigError } from '../common/errors.ts';
import type { LiveBus } from '../core/live/live.ts';
import { LocalLiveBus } from '../core/live/local-bus.ts';
import { PgLiveBus } from '../core/live/pg-bus.ts';
import { servePgLive } from '../core/live/pg-host.ts';
import type { Ivr } from '../ivr/ivr.ts';


export interface LiveWiring {
  /** What this process's web app gets; undefined where there is no web (bridge). */
  bus: LiveBus | undefined;
  /** Stops serving or listening (the IVR and the web are closed by their owners). */
  close(): Promise<void>;
}

export function liveFor(role: Config['role'], deps: { config: Config; ivr?: Ivr }): LiveWiring {
  const { config } = deps;
  switch (role) {
    case 'all': {
      if (!deps.ivr) throw new ConfigError('BRIDGE_ROLE=all runs the IVR in this process, and none was started');
      return { bus: new LocalLiveBus(deps.ivr.live), close: async () => undefined };
    }
    case 'bridge': {
      if (!deps.ivr) throw new ConfigError('BRIDGE_ROLE=bridge serves the IVR\'s live host over PostgreSQL, and none was started');
      const host = deps.ivr.live;
      const server = servePgLive(host, { databaseUrl: needUrl(config), nodeId: config.data.nodeId });
      return { bus: undefined, close: () => server.close() };
    }
    case 'web': {
      const bus = new PgLiveBus({ databaseUrl: needUrl(config) });
      return { bus, close: () => bus.close() };
    }
  }
}

function needUrl(config: Config): string {
  const url = config.data.databaseUrl;
  if (!url) throw new ConfigError(`BRIDGE_ROLE=${config.role} needs DATABASE_URL`);
  return url;
}
