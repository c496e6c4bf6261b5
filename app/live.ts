// The live seam's wiring for each process role (core/live/README.md):
//   all    — the web reaches the IVR's LiveHost by direct calls (LocalLiveBus);
//   bridge — the IVR's LiveHost is served over PostgreSQL (servePgLive);
//   web    — the web reaches every bridge node through PostgreSQL (PgLiveBus).
// The one place that knows which bus a role gets.
import type { Config } from '../common/config.ts';
import { ConfigError } from '../common/errors.ts';
import { moduleLogger } from '../common/log.ts';
import type { LiveBus, LiveHost } from '../core/live/live.ts';
import { LocalLiveBus } from '../core/live/local-bus.ts';
import { PgLiveBus } from '../core/live/pg-bus.ts';
import { servePgLive } from '../core/live/pg-host.ts';
import type { Ivr } from '../ivr/ivr.ts';

const log = moduleLogger('app', { part: 'live' });

export interface LiveWiring {
  /** What this process's web app gets; undefined where there is no web (bridge) or, for now, no host (see liveHostOf). */
  bus: LiveBus | undefined;
  /** Stops serving or listening (the IVR and the web are closed by their owners). */
  close(): Promise<void>;
}

export function liveFor(role: Config['role'], deps: { config: Config; ivr?: Ivr }): LiveWiring {
  const { config } = deps;
  switch (role) {
    case 'all': {
      const host = deps.ivr && liveHostOf(deps.ivr);
      if (!host) log.warn('the IVR offers no live host: the web runs without the live console');
      return { bus: host && new LocalLiveBus(host), close: async () => undefined };
    }
    case 'bridge': {
      const host = deps.ivr && liveHostOf(deps.ivr);
      if (!host) throw new ConfigError('BRIDGE_ROLE=bridge serves the IVR\'s live host over PostgreSQL, and this IVR has none');
      const server = servePgLive(host, { databaseUrl: needUrl(config), nodeId: config.data.nodeId });
      return { bus: undefined, close: () => server.close() };
    }
    case 'web': {
      const bus = new PgLiveBus({ databaseUrl: needUrl(config) });
      return { bus, close: () => bus.close() };
    }
  }
}

/**
 * The IVR's LiveHost (`ivr.live`, ivr/ivr.ts). Until that field is in main
 * this reads it without the type's help; at the merge this becomes `ivr.live`.
 */
function liveHostOf(ivr: Ivr): LiveHost | undefined {
  return (ivr as Ivr & { readonly live?: LiveHost }).live;
}

function needUrl(config: Config): string {
  const url = config.data.databaseUrl;
  if (!url) throw new ConfigError(`BRIDGE_ROLE=${config.role} needs DATABASE_URL`);
  return url;
}
