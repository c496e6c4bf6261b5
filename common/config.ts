// Configuration: defaults < optional JSON file (BRIDGE_CONFIG) < environment
// variables; validated once at start-up with zod.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const port = z.coerce.number().int().min(1).max(65535);
/** true/false from JSON, or "true"/"false"/"1"/"0" from the environment. */
/** An IP network (a.b.c.d/n, x::/n) or a single address. */
const cidr = z.string().trim().refine((c) => {
  const [a, n, extra] = c.split('/');
  const fam = isIP(a ?? '');
  if (fam === 0 || extra !== undefined) return false;
  return n === undefined || (/^\d{1,3}$/.test(n) && Number(n) <= (fam === 4 ? 32 : 128));
}, 'not an IP network (CIDR)');
const flag = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);

export const configSchema = z.object({
  sip: z.object({
    /** Address the SIP transports bind to. */
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(5060),
    transports: z.array(z.enum(['udp', 'tcp'])).min(1).default(['udp', 'tcp']),
    /**
     * SIP over TLS (RFC 3261 §26, sips:) on its own port beside UDP/TCP: off
     * unless `port` is set (5061 in production); then `cert` and `key` are
     * PEM files (the certificate chain and its private key), read at start-up.
     * The embedded engine only (the freeswitch engine's TLS is drachtio-server's).
     */
    tls: z.object({
      port: port.optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
    }).prefault({}).refine((t) => t.port === undefined || (t.cert !== undefined && t.key !== undefined), 'sip.tls.cert and sip.tls.key are required with sip.tls.port'),
    /** Address written into Via/Contact and SDP (defaults to host). */
    advertisedHost: z.string().min(1).optional(),
    userAgent: z.string().default('conference-bridge/0.1'),
    /** Seconds an outgoing call may ring before it is given up (Q.850 19). */
    noAnswerTimeoutS: z.coerce.number().int().min(1).max(600).default(60),
    /** New SIP requests per second per source address (token bucket, bridge/sip/request-limiter.ts); 0 = no limit. */
    requestsPerS: z.coerce.number().min(0).max(1_000_000).default(20),
    /** The bucket: new requests a quiet source may send at once. */
    requestBurst: z.coerce.number().int().min(1).max(1_000_000).default(40),
    /** The same for the addresses in ivr.carrierAddresses (their trunks bring every caller from one address); 0 = no limit. */
    carrierRequestsPerS: z.coerce.number().min(0).max(1_000_000).default(500),
    carrierRequestBurst: z.coerce.number().int().min(1).max(1_000_000).default(1000),
    /** Retry-After (seconds) of the 503 a limited INVITE gets. */
    retryAfterS: z.coerce.number().int().min(1).max(3600).default(5),
    /** A limited source is logged at most once per this many seconds (with the count). */
    limitLogPeriodS: z.coerce.number().int().min(1).max(86_400).default(60),
  }).prefault({}),
  rtp: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    /** Address written into SDP (defaults to sip.advertisedHost, then sip.host). */
    advertisedHost: z.string().min(1).optional(),
    portMin: port.default(20000),
    portMax: port.default(29999),
    /** Media worker threads (RTP, mixing); default one per core; 0 runs media on the main thread. */
    workers: z.coerce.number().int().min(0).max(64).optional(),
    /** RTP socket I/O: 'native' = batched through the addon `make` builds, 'dgram' = node:dgram, 'auto' = native when built. */
    io: z.enum(['auto', 'native', 'dgram']).default('auto'),
    /** Members a conference gathers in one media worker before it spreads over the others. */
    spreadAt: z.coerce.number().int().min(1).max(100_000).default(200),
  }).prefault({}).refine((r) => r.portMin < r.portMax, 'rtp.portMin must be below rtp.portMax'),
  engine: z.enum(['embedded', 'freeswitch']).default('embedded'),
  /**
   * The freeswitch engine (bridge/freeswitch/, engine "freeswitch"): SIP
   * through a drachtio-server, media on FreeSWITCH (mod_conference) over its
   * event socket; freeswitch-conf/ is the FreeSWITCH side. Ignored by the
   * embedded engine.
   */
  freeswitch: z.object({
    /** drachtio-server's admin (control) socket, where the bridge connects. */
    drachtio: z.object({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(9022),
      /** Required with engine "freeswitch" (no default: a well-known secret would open the SIP server to anyone who reaches it). */
      secret: z.string().min(1).optional(),
    }).prefault({}),
    /** FreeSWITCH's inbound event socket (mod_event_socket). */
    esl: z.object({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(8021),
      /** Required with engine "freeswitch". */
      secret: z.string().min(1).optional(),
    }).prefault({}),
    /** Where FreeSWITCH's outbound event socket connects back to the bridge (one per call); port 0 = any free port. */
    eslListen: z.object({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.coerce.number().int().min(0).max(65535).default(0),
      /** The address FreeSWITCH should dial, when not the listening one (NAT, containers). */
      advertisedHost: z.string().min(1).optional(),
    }).prefault({}),
    /** The sofia profile facing drachtio-server (freeswitch-conf/sip_profiles/drachtio_mrf.xml). */
    profile: z.string().min(1).default('drachtio_mrf'),
    /** mod_conference profile for narrowband rooms (freeswitch-conf/autoload_configs/conference.conf.xml). */
    conferenceProfile: z.string().min(1).default('bridge-8k'),
    /** Seconds to wait for drachtio-server and FreeSWITCH at start-up before a clear error. */
    connectTimeoutS: z.coerce.number().int().min(1).max(300).default(10),
    /** Seconds between attempts to reach a FreeSWITCH that went away. */
    reconnectS: z.coerce.number().int().min(1).max(300).default(3),
  }).prefault({}),
  /**
   * What this process runs (app/roles.ts): 'all' = engine, IVR and web in one
   * process; 'bridge' = engine and IVR, serving the live seam over PostgreSQL;
   * 'web' = the web app only, reaching the bridges through PostgreSQL.
   * 'bridge' and 'web' need data.databaseUrl.
   */
  role: z.enum(['all', 'bridge', 'web']).default('all'),
  data: z.object({
    /** PostgreSQL connection string; without one the embedded PGlite database is used. */
    databaseUrl: z.string().min(1).optional(),
    /** PostgreSQL: the longest a query may run (server and client side), ms; 0 = none (core/db.ts). */
    statementTimeoutMs: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
    /** Folder for the PGlite database and the CDR journal. */
    dir: z.string().min(1).default('./data'),
    /** This node's name: crash recovery closes only its own open call legs. */
    nodeId: z.string().min(1).default('local'),
  }).prefault({}),
  /** Region for phone numbers written without a country code (ISO 3166, e.g. CN). */
  defaultRegion: z.string().length(2).default('CN'),
  /** Load the demo account, room and logins at start-up (idempotent). */
  seedDemo: flag.default(true),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ivr: z.object({
    /** Operator for *0: a SIP URI (sip:op@host:port) or a number dialled through the trunk; unset = no operator. */
    operatorTarget: z.string().min(1).optional(),
    /** Caller id (From user) on calls the bridge places (*6, multi-party, operator). */
    callerId: z.string().min(1).default('4006701018'),
    /** Multi-party call: most parties, the convener included. */
    multiPartyMaxParties: z.coerce.number().int().min(2).max(20).default(4),
    /** Source addresses of the carriers' trunks: wrong PINs from them count per calling number only (ivr/room/pin-lockout.ts). */
    carrierAddresses: z.array(z.string().min(1)).default([]),
    /** Calls answered but not yet in a room, per source address; a call over it is refused before the answer (503). 0 = no limit. */
    waitingPerSource: z.coerce.number().int().min(0).max(1_000_000).default(20),
    /** The same for the carriers' addresses; 0 = no limit. */
    waitingPerCarrier: z.coerce.number().int().min(0).max(1_000_000).default(0),
  }).prefault({}),
  /**
   * The operator endpoints' own listener (/metrics, /healthz, /readyz;
   * app/metrics-server.ts). Role bridge always opens it (port 9464 unless
   * set; 0 = any free port, logged); roles all and web serve the endpoints
   * on the web port and open this one too only when a port is set.
   */
  metrics: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.coerce.number().int().min(0).max(65535).optional(),
  }).prefault({}),
  /**
   * Several bridge nodes on one PostgreSQL (core/cluster/): each node writes a
   * heartbeat every `heartbeatMs`; one that has not for `staleMs` is dead, and
   * a survivor closes its CDRs and ends its conferences.
   */
  cluster: z.object({
    heartbeatMs: z.coerce.number().int().min(100).max(60_000).default(1_000),
    staleMs: z.coerce.number().int().min(500).max(600_000).default(5_000),
  }).prefault({}).refine((c) => c.staleMs >= 2 * c.heartbeatMs, { message: 'cluster.staleMs must be at least twice cluster.heartbeatMs' }),
  /**
   * SIGTERM/SIGINT (app/drain.ts): new calls are refused (503 + Retry-After)
   * while running meetings go on up to `seconds`; then every meeting hears the
   * goodbye and ends. A second signal ends everything at once.
   */
  drain: z.object({
    /** How long running meetings may go on after the signal (s); 0 = goodbye at once. */
    seconds: z.coerce.number().int().min(0).max(86_400).default(3600),
    /** Retry-After (s) on the 503 a new INVITE gets while draining (RFC 3261 §21.5.4). */
    retryAfterS: z.coerce.number().int().min(0).max(86_400).default(30),
  }).prefault({}),
  /**
   * Webhooks (web/webhooks/): where they may go and how they are retried.
   * Temporary failures (network, timeout, 5xx, 429) are retried after
   * retryBaseMs · 2^(attempt−1) (capped at retryMaxMs, with jitter) until
   * retryForMs after the event; other 4xx fail at once.
   */
  webhooks: z.object({
    /** Networks allowed although forbidden (loopback, private, link-local, CGNAT, the bridge's own …). */
    allow: z.array(cidr).default([]),
    retryBaseMs: z.coerce.number().int().min(10).max(86_400_000).default(30_000),
    retryMaxMs: z.coerce.number().int().min(10).max(86_400_000).default(3_600_000),
    retryForMs: z.coerce.number().int().min(0).max(7 * 86_400_000).default(86_400_000),
    /** One request's time for the whole answer. */
    timeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
    /** How often a sender looks for due deliveries (new ones in this process are sent at once). */
    pollMs: z.coerce.number().int().min(10).max(600_000).default(2000),
  }).prefault({}),
  web: z.object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8080),
    /** Mark cookies Secure (behind HTTPS). */
    secureCookies: flag.default(false),
    /** Ports the platform is licensed for (the operator's capacity page). */
    licensedPorts: z.coerce.number().int().min(1).default(1000),
    /** smtp://user:pass@host:port or smtps://…; without it invitations go to the operator's outbox. */
    smtpUrl: z.string().min(1).optional(),
    mailFrom: z.string().min(3).default('Conference Bridge <bridge@localhost>'),
    /** How often the web looks for low-balance warnings to mail (ms; a crossing is mailed within this). */
    lowBalanceSweepMs: z.coerce.number().int().min(100).max(3_600_000).default(15_000),
    /** The web's address as people reach it (links in mails, e.g. the meeting summary's recordings link). */
    publicUrl: z.url().optional(),
  }).prefault({}),
  /**
   * Joining from a browser (issue 17): the web checks the PIN and hands the
   * WebRTC gateway a short-lived token (core/rooms/join-token.ts) that the IVR
   * takes instead of the prompts. The secret signs it; unset, a random one is
   * made per process (enough for role all, where web and IVR share it).
   */
  webJoin: z.object({
    secret: z.string().min(16).optional(),
    /** How long a token is good for, s. */
    tokenTtlS: z.coerce.number().int().min(5).max(600).default(30),
    /** The gateway's address for SIP, RTP and its ICE candidates: browsers must reach it (default rtp.host). */
    host: z.string().min(1).optional(),
    /** The gateway's media ports (DTLS-SRTP towards browsers, RTP towards the bridge). */
    rtpPortMin: port.default(30000),
    rtpPortMax: port.default(30999),
  }).prefault({}).refine((w) => w.rtpPortMin < w.rtpPortMax, 'webJoin.rtpPortMin must be below webJoin.rtpPortMax'),
});

export type Config = z.infer<typeof configSchema>;

/** Environment variable → config path. */
const ENV_MAP: Record<string, string[]> = {
  BRIDGE_SIP_HOST: ['sip', 'host'],
  BRIDGE_SIP_PORT: ['sip', 'port'],
  BRIDGE_SIP_TRANSPORTS: ['sip', 'transports'],
  BRIDGE_SIP_ADVERTISED_HOST: ['sip', 'advertisedHost'],
  BRIDGE_SIP_TLS_PORT: ['sip', 'tls', 'port'],
  BRIDGE_SIP_TLS_CERT: ['sip', 'tls', 'cert'],
  BRIDGE_SIP_TLS_KEY: ['sip', 'tls', 'key'],
  BRIDGE_NO_ANSWER_TIMEOUT_S: ['sip', 'noAnswerTimeoutS'],
  BRIDGE_SIP_REQUESTS_PER_S: ['sip', 'requestsPerS'],
  BRIDGE_SIP_REQUEST_BURST: ['sip', 'requestBurst'],
  BRIDGE_SIP_CARRIER_REQUESTS_PER_S: ['sip', 'carrierRequestsPerS'],
  BRIDGE_SIP_CARRIER_REQUEST_BURST: ['sip', 'carrierRequestBurst'],
  BRIDGE_SIP_RETRY_AFTER_S: ['sip', 'retryAfterS'],
  BRIDGE_SIP_LIMIT_LOG_PERIOD_S: ['sip', 'limitLogPeriodS'],
  BRIDGE_RTP_HOST: ['rtp', 'host'],
  BRIDGE_RTP_ADVERTISED_HOST: ['rtp', 'advertisedHost'],
  BRIDGE_RTP_PORT_MIN: ['rtp', 'portMin'],
  BRIDGE_RTP_PORT_MAX: ['rtp', 'portMax'],
  BRIDGE_MEDIA_WORKERS: ['rtp', 'workers'],
  BRIDGE_RTP_IO: ['rtp', 'io'],
  BRIDGE_CONFERENCE_SPREAD_AT: ['rtp', 'spreadAt'],
  BRIDGE_ENGINE: ['engine'],
  BRIDGE_DRACHTIO_HOST: ['freeswitch', 'drachtio', 'host'],
  BRIDGE_DRACHTIO_PORT: ['freeswitch', 'drachtio', 'port'],
  BRIDGE_DRACHTIO_SECRET: ['freeswitch', 'drachtio', 'secret'],
  BRIDGE_FS_ESL_HOST: ['freeswitch', 'esl', 'host'],
  BRIDGE_FS_ESL_PORT: ['freeswitch', 'esl', 'port'],
  BRIDGE_FS_ESL_SECRET: ['freeswitch', 'esl', 'secret'],
  BRIDGE_FS_ESL_LISTEN_HOST: ['freeswitch', 'eslListen', 'host'],
  BRIDGE_FS_ESL_LISTEN_PORT: ['freeswitch', 'eslListen', 'port'],
  BRIDGE_FS_PROFILE: ['freeswitch', 'profile'],
  BRIDGE_FS_CONFERENCE_PROFILE: ['freeswitch', 'conferenceProfile'],
  BRIDGE_FS_CONNECT_TIMEOUT_S: ['freeswitch', 'connectTimeoutS'],
  BRIDGE_ROLE: ['role'],
  DATABASE_URL: ['data', 'databaseUrl'],
  BRIDGE_DB_STATEMENT_TIMEOUT_MS: ['data', 'statementTimeoutMs'],
  BRIDGE_DATA_DIR: ['data', 'dir'],
  BRIDGE_NODE_ID: ['data', 'nodeId'],
  BRIDGE_DEFAULT_REGION: ['defaultRegion'],
  BRIDGE_SEED_DEMO: ['seedDemo'],
  LOG_LEVEL: ['logLevel'],
  BRIDGE_OPERATOR: ['ivr', 'operatorTarget'],
  BRIDGE_CALLER_ID: ['ivr', 'callerId'],
  BRIDGE_MULTI_PARTY_MAX: ['ivr', 'multiPartyMaxParties'],
  BRIDGE_CARRIER_ADDRESSES: ['ivr', 'carrierAddresses'],
  BRIDGE_METRICS_HOST: ['metrics', 'host'],
  BRIDGE_METRICS_PORT: ['metrics', 'port'],
  BRIDGE_CLUSTER_HEARTBEAT_MS: ['cluster', 'heartbeatMs'],
  BRIDGE_CLUSTER_STALE_MS: ['cluster', 'staleMs'],
  BRIDGE_DRAIN_S: ['drain', 'seconds'],
  BRIDGE_DRAIN_RETRY_AFTER_S: ['drain', 'retryAfterS'],
  BRIDGE_IVR_WAITING_PER_SOURCE: ['ivr', 'waitingPerSource'],
  BRIDGE_IVR_WAITING_PER_CARRIER: ['ivr', 'waitingPerCarrier'],
  BRIDGE_WEB_HOST: ['web', 'host'],
  BRIDGE_WEB_PORT: ['web', 'port'],
  BRIDGE_WEB_SECURE_COOKIES: ['web', 'secureCookies'],
  BRIDGE_LICENSED_PORTS: ['web', 'licensedPorts'],
  SMTP_URL: ['web', 'smtpUrl'],
  MAIL_FROM: ['web', 'mailFrom'],
  BRIDGE_LOW_BALANCE_SWEEP_MS: ['web', 'lowBalanceSweepMs'],
  BRIDGE_PUBLIC_URL: ['web', 'publicUrl'],
  BRIDGE_WEB_JOIN_SECRET: ['webJoin', 'secret'],
  BRIDGE_WEB_JOIN_TOKEN_TTL_S: ['webJoin', 'tokenTtlS'],
  BRIDGE_WEBRTC_HOST: ['webJoin', 'host'],
  BRIDGE_WEBRTC_PORT_MIN: ['webJoin', 'rtpPortMin'],
  BRIDGE_WEBRTC_PORT_MAX: ['webJoin', 'rtpPortMax'],
  BRIDGE_WEBHOOK_ALLOW: ['webhooks', 'allow'],
  BRIDGE_WEBHOOK_RETRY_BASE_MS: ['webhooks', 'retryBaseMs'],
  BRIDGE_WEBHOOK_RETRY_MAX_MS: ['webhooks', 'retryMaxMs'],
  BRIDGE_WEBHOOK_RETRY_FOR_MS: ['webhooks', 'retryForMs'],
  BRIDGE_WEBHOOK_TIMEOUT_MS: ['webhooks', 'timeoutMs'],
  BRIDGE_WEBHOOK_POLL_MS: ['webhooks', 'pollMs'],
};

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  let raw: Record<string, unknown> = {};
  const file = env.BRIDGE_CONFIG;
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
    }
  }
  for (const [name, path] of Object.entries(ENV_MAP)) {
    const v = env[name];
    if (v === undefined || v === '') continue;
    const list = name === 'BRIDGE_SIP_TRANSPORTS' || name === 'BRIDGE_CARRIER_ADDRESSES' || name === 'BRIDGE_WEBHOOK_ALLOW';
    setPath(raw, path, list ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : v);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
