// What a process runs, by BRIDGE_ROLE (config.role):
//   all    (default, `make run`) — engine, IVR and web in one process; the web
//          reaches the conferences by direct calls;
//   bridge — engine and IVR; the live seam served over PostgreSQL; no web;
//   web    — the web app only, reaching every bridge node through PostgreSQL;
//          no engine, no IVR, no SIP or RTP ports.
// Where there is a web (all, web) the scheduler runs beside it: reminders and
// mail retries (web/scheduler.ts); several such processes share the jobs.
// /metrics, /healthz and /readyz are on the web port where there is a web,
// and on a listener of their own for bridge (app/observability.ts).
// bridge and web share one PostgreSQL with the other processes, so they are
// refused at start-up without DATABASE_URL, as an engine that is not built is.
import { Q850 } from '../bridge/q850.ts';
import type { Config } from '../common/config.ts';
import { ConfigError } from '../common/errors.ts';
import { moduleLogger } from '../common/log.ts';
import type { LiveBus } from '../core/live/live.ts';
import type { Repositories } from '../core/repositories.ts';
import { webConfigFrom } from '../web/config.ts';
import { startWebServer } from '../web/server.ts';
import type { WebDeps } from '../web/app.ts';
import { WebrtcGateway } from '../bridge/webrtc/gateway.ts';
import { JoinTokenSigner } from '../core/rooms/join-token.ts';
import { Scheduler } from '../web/scheduler.ts';
import { openAppDatabase } from './database.ts';
import type { DrainHooks } from './drain.ts';
import { createEngine } from './engine.ts';
import { liveFor } from './live.ts';
import { startObservability, type Observability } from './observability.ts';
import type { ReadinessCheck } from '../common/observability.ts';
import { createTelephony } from './telephony.ts';
import { joinCluster } from './cluster.ts';

const log = moduleLogger('app');

export interface Running {
  /** For the "ready" log line. */
  summary: Record<string, unknown>;
  /** Stops what the role started, in order; every step is tried, the first failure is rethrown at the end. */
  stop(): Promise<void>;
  /** For the drain on SIGTERM (app/drain.ts); absent for a role without calls (web), which stops at once. */
  drain?: DrainHooks;
  /** True once the drain refused new calls (readiness: /readyz answers 503 while draining). */
  readonly draining: boolean;
}

/** Throws ConfigError for a role this configuration cannot run. */
export function checkRole(config: Config): void {
  if (config.role !== 'all' && !config.data.databaseUrl) {
    throw new ConfigError(`BRIDGE_ROLE=${config.role} shares one PostgreSQL with the other processes and needs DATABASE_URL (postgres://…); `
      + 'only BRIDGE_ROLE=all, the default, runs on the embedded database');
  }
}

export async function startRole(config: Config): Promise<Running> {
  checkRole(config);
  return ROLES[config.role](config);
}

const ROLES: Record<Config['role'], (config: Config) => Promise<Running>> = {
  all: (config) => startCalls(config, true),
  bridge: (config) => startCalls(config, false),
  web: startWebOnly,
};

/** Engine and IVR, with the web beside them (all) or the live seam served over PostgreSQL (bridge). */
async function startCalls(config: Config, withWeb: boolean): Promise<Running> {
  // The engine first: one that cannot run is refused before anything opens.
  const engine = createEngine(config);
  const { db, repos } = await openAppDatabase(config);
  // Browsers (issue 17): the web signs join tokens that the IVR checks; the gateway calls this engine's SIP address.
  const joinTokens = new JoinTokenSigner(config.webJoin.secret, config.webJoin.tokenTtlS * 1000);
  const { ivr, cdrs } = createTelephony(config, engine, repos, joinTokens);
  // In the cluster table before the engine takes calls (app/cluster.ts).
  const cluster = await joinCluster(config, repos, () => ivr.draining);
  const live = liveFor(config.role, { config, ivr });
  const observed = await startObservability(config, { db, repos, engine, withWeb });
  // Not ready while draining: a balancer stops sending calls here (app/drain.ts).
  observed.addCheck({ name: 'draining', check: async () => (ivr.draining ? 'draining: new calls refused' : true) });
  const gateway = withWeb ? createGateway(config) : undefined;
  const web = withWeb ? await startWeb(config, repos, live.bus, observed.readiness, { gateway, tokens: joinTokens }) : undefined;
  const scheduler = withWeb ? startScheduler(config, repos) : undefined;
  await engine.start();
  await gateway?.start();
  return {
    summary: {
      engine: config.engine, sip: `${config.sip.host}:${config.sip.port}`, transports: config.sip.transports, database: databaseKind(config), web: web?.url ?? null,
      metrics: metricsUrls(observed, web?.url), drainSeconds: config.drain.seconds,
    },
    drain: {
      refuseNew: () => ivr.drain({ retryAfterS: config.drain.retryAfterS }),
      left: () => ({ calls: ivr.activeCalls, rooms: ivr.rooms.size }),
      endAll: (reason) => ivr.endAll(reason),
    },
    get draining() { return ivr.draining; },
    stop: inOrder([
      ['scheduler', () => scheduler?.stop()],
      ['observability', () => observed.close()],
      ['webrtc gateway', () => gateway?.close()],
      ['ivr', () => ivr.close()],
      ['live', () => live.close()],
      ['engine', () => engine.close()],
      ['web', () => web?.close()],
      // Every answered leg is hung up by now (its CDR closed); what is still open never got that far (ringing): closed here.
      ['open cdrs', async () => { const n = cdrs.closeAllOpen({ at: new Date(), q850: Q850.TEMPORARY_FAILURE }); if (n > 0) log.info({ legs: n }, 'CDRs still open at stop closed'); }],
      // The writer gets them all into the database (what does not fit in the time stays in the journal for the next start).
      ['cdrs', () => cdrs.stop({ flushTimeoutMs: 10_000 })],
      // Every call is over and its CDR written: the row says the node left.
      ['cluster', () => cluster.stop()],
      ['database', () => db.destroy()],
    ]),
  };
}

async function startWebOnly(config: Config): Promise<Running> {
  const { db, repos } = await openAppDatabase(config);
  const live = liveFor('web', { config });
  const observed = await startObservability(config, { db, repos, withWeb: true });
  const web = await startWeb(config, repos, live.bus, observed.readiness);
  const scheduler = startScheduler(config, repos);
  return {
    summary: { database: databaseKind(config), web: web.url, metrics: metricsUrls(observed, web.url) },
    draining: false,
    stop: inOrder([
      ['scheduler', () => scheduler.stop()],
      ['observability', () => observed.close()],
      ['web', () => web.close()],
      ['live', () => live.close()],
      ['database', () => db.destroy()],
    ]),
  };
}

function startWeb(
  config: Config, repos: Repositories, live: LiveBus | undefined, readiness: readonly ReadinessCheck[], browserJoin?: WebDeps['browserJoin'],
): ReturnType<typeof startWebServer> {
  return startWebServer({
    repos, live, readiness, config: webConfigFrom(config), host: config.web.host, port: config.web.port, lowBalanceSweepMs: config.web.lowBalanceSweepMs,
    ...(browserJoin ? { browserJoin } : {}),
  });
}

/** The WebRTC gateway beside the engine: it calls the engine's own SIP address (a wildcard bind is reached on loopback). */
function createGateway(config: Config): WebrtcGateway {
  const host = config.sip.host === '0.0.0.0' ? '127.0.0.1' : config.sip.host === '::' ? '::1' : config.sip.host;
  return new WebrtcGateway({ bridge: { host, port: config.sip.port }, bindHost: config.webJoin.host ?? config.rtp.host, rtpPortMin: config.webJoin.rtpPortMin, rtpPortMax: config.webJoin.rtpPortMax });
}

/** Where /metrics is served: the own listener and the web app, as open. */
function metricsUrls(observed: Observability, webUrl: string | undefined): string[] {
  return [observed.url, webUrl].filter((u): u is string => u !== null && u !== undefined).map((u) => `${u}/metrics`);
}

function startScheduler(config: Config, repos: Repositories): Scheduler {
  const scheduler = new Scheduler(repos, webConfigFrom(config));
  scheduler.start();
  return scheduler;
}

function databaseKind(config: Config): string {
  return config.data.databaseUrl ? 'postgresql' : 'pglite';
}

function inOrder(steps: Array<[string, () => Promise<unknown> | undefined]>): () => Promise<void> {
  return async () => {
    let first: unknown;
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.error({ err, step: name }, 'stop step failed');
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  };
}
