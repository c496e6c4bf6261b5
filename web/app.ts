// The web app: JSON API (zod-validated, described as OpenAPI at
// /api/openapi.json) and server-rendered pages that call it. No listening
// here — see server.ts.
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { fileURLToPath } from 'node:url';
import type { Repositories } from '../core/repositories.ts';
import { moduleLogger } from '../common/log.ts';
import type { WebConfig } from './config.ts';
import { ApiRouter, type RegisteredRoute } from './http/api-router.ts';
import { PageRouter, pageContextFor } from './http/page-router.ts';
import { describeError, HttpError } from './errors.ts';
import type { SessionStore } from '../core/sessions/store.ts';
import { sessionMiddleware } from './auth/session-middleware.ts';
import { AuthService, DEFAULT_SESSION_TTL_MS } from './auth/service.ts';
import { MailService, smtpTransport, type MailTransport } from './mail/mailer.ts';
import { AccountService } from './account/service.ts';
import { RoomService } from './rooms/service.ts';
import { TemplateService } from './rooms/template-service.ts';
import { ContactService } from './contacts/service.ts';
import { BillingService } from './billing/service.ts';
import { HistoryService } from './history/service.ts';
import { OperatorService } from './operator/service.ts';
import { CapacityService } from './operator/capacity.ts';
import type { WebServices } from './services.ts';
import { openApiDocument } from './openapi.ts';
import { errorPage } from './views/layout.ts';
import { registerAuthRoutes } from './auth/routes.ts';
import { registerAuthPages } from './auth/pages.ts';
import { registerAccountRoutes } from './account/routes.ts';
import { registerAccountPages } from './account/pages.ts';
import { registerRoomRoutes } from './rooms/routes.ts';
import { registerRoomPages } from './rooms/pages.ts';
import { registerContactRoutes } from './contacts/routes.ts';
import { registerContactPages } from './contacts/pages.ts';
import { registerBillingRoutes } from './billing/routes.ts';
import { registerBillingPages } from './billing/pages.ts';
import { registerHistoryRoutes } from './history/routes.ts';
import { registerHistoryPages } from './history/pages.ts';
import { RecordingService } from './recordings/service.ts';
import { registerRecordingRoutes } from './recordings/routes.ts';
import { registerRecordingPages } from './recordings/pages.ts';
import { DEFAULT_LOW_BALANCE_SWEEP_MS, LowBalanceMailer, LowBalanceService } from './account/low-balance.ts';
import { registerLowBalanceRoutes } from './account/low-balance-routes.ts';
import { MeetingRecordsService } from './meeting-records/service.ts';
import { registerMeetingRecordsRoutes } from './meeting-records/routes.ts';
import { BrandingService } from './branding/service.ts';
import { registerBrandingRoutes } from './branding/routes.ts';
import { mountBrandingAssets } from './branding/assets.ts';
import { brandingMiddleware } from './branding/middleware.ts';
import { registerOperatorRoutes } from './operator/routes.ts';
import { registerTrunkRoutes } from './operator/trunk-routes.ts';
import { TrunkAdminService } from './operator/trunks.ts';
import { registerOperatorPages } from './operator/pages.ts';
import { registerTrunkPages } from './operator/trunk-pages.ts';
import { DialOutAdminService } from './operator/dial-out.ts';
import { registerDialOutRoutes } from './operator/dial-out-routes.ts';
import { registerDialOutPages } from './operator/dial-out-pages.ts';
import { DialOutAlertMailer } from './mail/dial-out-alerts.ts';
import { registerDashboardPages } from './dashboard/pages.ts';
import { LiveService } from './live/service.ts';
import { registerLiveRoutes } from './live/routes.ts';
import { registerLivePages } from './live/pages.ts';
import { DEFAULT_FEED_TUNING, type FeedTuning } from './live/feed.ts';
import type { OpenStreams } from './http/event-stream.ts';
import type { LiveBus } from '../core/live/live.ts';
import { TokenService } from './tokens/service.ts';
import { registerTokenRoutes } from './tokens/routes.ts';
import { registerTokenPages } from './tokens/pages.ts';
import { observabilityHandler, type ReadinessCheck } from '../common/observability.ts';
import { DEFAULT_WEBHOOK_SETTINGS } from './config.ts';
import { AddressGuard } from './webhooks/address-guard.ts';
import { WebhookService } from './webhooks/service.ts';
import { WebhookSender } from './webhooks/sender.ts';
import { WebhookEventFeed } from './webhooks/event-feed.ts';
import { watchWebhookQueue } from './webhooks/metrics.ts';
import { registerWebhookRoutes } from './webhooks/routes.ts';
import { registerWebhookPages } from './webhooks/pages.ts';
import { ScopeService } from './members/scope.ts';
import { MemberService } from './members/service.ts';
import { registerMemberRoutes } from './members/routes.ts';
import { registerMemberPages } from './members/pages.ts';
import { BrowserJoinService } from './join/join-service.ts';
import { registerJoinRoutes } from './join/join-routes.ts';
import { registerJoinPages } from './join/join-pages.ts';
import { ListenService } from './join/listen-service.ts';
import { registerListenRoutes } from './join/listen-routes.ts';
import { registerListenPages } from './join/listen-pages.ts';
import type { BrowserGateway } from './join/browser-gateway.ts';
import { JoinTokenSigner } from '../core/rooms/join-token.ts';

const log = moduleLogger('web');
const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

export interface WebDeps {
  repos: Repositories;
  config: WebConfig;
  now?: () => Date;
  /** Where mail goes; default: SMTP from the config, or none (the operator's outbox). */
  mailer?: MailTransport;
  /** Default: the repositories' (sessions in the database). */
  sessions?: SessionStore;
  /** The running conferences (the IVR's, in-process or through PostgreSQL); without it the live routes answer 503. */
  live?: LiveBus;
  /** How often low-balance warnings are looked for and mailed; false: never (default: 15 s with a live bus, else never). */
  lowBalanceSweepMs?: number | false;
  /** The live event streams' pace and bounds (tests make them small). */
  liveTuning?: Partial<FeedTuning> & { pingMs?: number };
  /** What /readyz checks (the database; with an engine, its SIP socket and media workers). Default: nothing, always ready. */
  readiness?: readonly ReadinessCheck[];
  /** Send webhook deliveries from this process (default true; they are written either way). */
  webhookSender?: boolean;
  /**
   * Joining from a browser (issue 17): the WebRTC gateway (absent: the join
   * and listen routes answer 503) and the join tokens' signer, shared with the
   * IVR that checks them (default: a random key of this app's own).
   */
  browserJoin?: { gateway?: BrowserGateway; tokens?: JoinTokenSigner };
}

const API_ROUTES = new WeakMap<express.Express, RegisteredRoute[]>();
const STREAMS = new WeakMap<express.Express, OpenStreams>();
const WATCHERS = new WeakMap<express.Express, Array<() => void>>();
const SENDERS = new WeakMap<express.Express, WebhookSender>();

/** The API's route declarations (for the security tests and the docs). */
export function apiRoutesOf(app: express.Express): RegisteredRoute[] {
  return API_ROUTES.get(app) ?? [];
}

/** Starts the app's background work that sends (the webhook sender and its pending gauge); stopped by closeStreamsOf. */
export function startBackgroundOf(app: express.Express): void {
  const sender = SENDERS.get(app);
  if (!sender) return;
  sender.start();
  const unwatch = watchWebhookQueue(sender.store);
  WATCHERS.set(app, [...(WATCHERS.get(app) ?? []), unwatch]);
}

/** Ends the app's open event streams (a closing server does not wait for their clients) and its watchers of the live bus. */
export function closeStreamsOf(app: express.Express): void {
  STREAMS.get(app)?.closeAll();
  for (const stop of WATCHERS.get(app) ?? []) stop();
  WATCHERS.delete(app);
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
}

/** The services over the stores: built once, handed to every feature folder. */
function createServices(deps: WebDeps, now: () => Date): WebServices {
  const { repos, config } = deps;
  const transport = deps.mailer ?? (config.smtp ? smtpTransport(config.smtp) : undefined);
  // A queued mail's inline images (a branded mail's logo) are fetched again by their hash for each retry.
  const mail = new MailService(repos.outbox, transport, now, {}, async (sha256) => (await repos.branding.logoFile(sha256))?.content);
  const hooks = { ...DEFAULT_WEBHOOK_SETTINGS, ...config.webhooks };
  const live = new LiveService(repos, deps.live);
  const gateway = deps.browserJoin?.gateway;
  const tokens = deps.browserJoin?.tokens ?? new JoinTokenSigner(undefined);
  const guard = new AddressGuard({ allow: hooks.allow, ownAddresses: config.ownAddresses ?? [] });
  return {
    config, now, mail,
    auth: new AuthService(repos, deps.sessions ?? repos.sessions, now, config.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS),
    account: new AccountService(repos),
    rooms: new RoomService(repos, mail, config.defaultRegion, config.publicUrl),
    templates: new TemplateService(repos),
    contacts: new ContactService(repos, config.defaultRegion),
    billing: new BillingService(repos),
    history: new HistoryService(repos),
    operator: new OperatorService(repos),
    capacity: new CapacityService(repos, config.licensedPorts),
    trunks: new TrunkAdminService(repos),
    dialOut: new DialOutAdminService(repos),
    live,
    join: new BrowserJoinService({ repos, live, gateway, tokens, now }),
    listen: new ListenService({ repos, gateway, tokens, now }),
    recordings: new RecordingService(repos),
    lowBalance: new LowBalanceService(repos),
    meetingRecords: new MeetingRecordsService(repos),
    branding: new BrandingService(repos),
    tokens: new TokenService(repos, now),
    // Deliveries run on the wall clock (timeouts and retries are real time), whatever clock the pages are given.
    webhooks: new WebhookService(repos, guard, hooks, () => new Date()),
    scope: new ScopeService(repos),
    members: new MemberService(repos, mail, config, now),
  };
}

/** The app's listeners and loops beside the requests: dial-out alert mail, webhook events and sender, low-balance sweep; their stops. */
function startWatchers(app: express.Express, deps: WebDeps, services: WebServices, now: () => Date): Array<() => void> {
  // The owners hear of a dial-out cap reached by mail too (without SMTP: the operator's outbox).
  const watchers: Array<() => void> = [];
  if (deps.live) watchers.push(new DialOutAlertMailer(deps.repos, services.mail, now).watch(deps.live));
  // Webhooks: events from the bus, the recordings and the low-balance sweep are written as deliveries; the sender sends them.
  const webhookFeed = new WebhookEventFeed(deps.repos, services.webhooks, deps.config.publicUrl);
  if (deps.live) watchers.push(webhookFeed.watch(deps.live));
  if (deps.webhookSender !== false) {
    // Started by the server once it listens (startBackgroundOf), not by building the app.
    const sender = new WebhookSender(deps.repos.webhooks, services.webhooks.guard, { ...DEFAULT_WEBHOOK_SETTINGS, ...deps.config.webhooks });
    services.webhooks.onQueued(() => sender.kick());
    SENDERS.set(app, sender);
    watchers.push(() => { void sender.stop(); });
  }
  // Low-balance warnings are mailed by a sweep (on by default beside a bridge; WebDeps.lowBalanceSweepMs).
  const sweepMs = deps.lowBalanceSweepMs ?? (deps.live ? DEFAULT_LOW_BALANCE_SWEEP_MS : false);
  if (sweepMs !== false) watchers.push(new LowBalanceMailer(deps.repos, services.mail, now, (st) => webhookFeed.publishBalanceLow(st, new Date())).start(sweepMs));
  return watchers;
}

/** Every feature's JSON routes, on one router (the order is the OpenAPI document's). */
function registerApiRoutes(api: ApiRouter, services: WebServices, liveTuning: FeedTuning): void {
  registerAuthRoutes(api, services);
  registerAccountRoutes(api, services);
  registerRoomRoutes(api, services);
  registerContactRoutes(api, services);
  registerBillingRoutes(api, services);
  registerHistoryRoutes(api, services);
  registerRecordingRoutes(api, services);
  registerLowBalanceRoutes(api, services);
  registerMeetingRecordsRoutes(api, services);
  registerBrandingRoutes(api, services);
  registerWebhookRoutes(api, services);
  registerOperatorRoutes(api, services);
  registerTrunkRoutes(api, services);
  registerDialOutRoutes(api, services);
  registerLiveRoutes(api, services, liveTuning);
  registerTokenRoutes(api, services);
  registerMemberRoutes(api, services);
  registerJoinRoutes(api, services.join);
  registerListenRoutes(api, services, services.listen);
}

/** Every feature's pages. */
function registerPages(pages: PageRouter, services: WebServices): void {
  registerAuthPages(pages, services);
  registerDashboardPages(pages, services);
  registerLivePages(pages, services);
  registerRoomPages(pages, services);
  registerContactPages(pages, services);
  registerBillingPages(pages, services);
  registerHistoryPages(pages, services);
  registerRecordingPages(pages, services);
  registerWebhookPages(pages, services);
  registerAccountPages(pages, services);
  registerOperatorPages(pages, services);
  registerTrunkPages(pages, services);
  registerDialOutPages(pages, services);
  registerTokenPages(pages, services);
  registerMemberPages(pages, services);
  registerJoinPages(pages, services);
  registerListenPages(pages, services);
}

export function createWebApp(deps: WebDeps): express.Express {
  const now = deps.now ?? (() => new Date());
  const services = createServices(deps, now);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  // /metrics, /healthz, /readyz: before the session and CSRF, for machines (common/observability.ts).
  const observability = observabilityHandler(deps.readiness ?? []);
  app.use((req, res, next) => { if (!observability(req, res)) next(); });
  app.use(securityHeaders);
  app.use('/static', express.static(PUBLIC_DIR, { index: false, maxAge: '1h' }));
  // The brand logo and stylesheet: public by an unguessable URL, no session read (web/branding/assets.ts).
  mountBrandingAssets(app, services.branding);
  app.use('/api', express.json({ limit: '6mb' }));
  app.use(sessionMiddleware(services.auth, services.tokens));
  app.use(brandingMiddleware(services.branding));

  const { pingMs, ...feed } = deps.liveTuning ?? {};
  const api = new ApiRouter(now, deps.repos.audit, {
    ...(pingMs !== undefined ? { pingMs } : {}),
    sessionValid: async (a) => (a.token ? services.tokens.stillValid(a) : (await services.auth.sessionOf(a.sessionToken)) !== undefined),
  });
  registerApiRoutes(api, services, { ...DEFAULT_FEED_TUNING, ...feed });
  const doc = openApiDocument(api.routes);
  app.get('/api/openapi.json', (_req, res) => { res.json(doc); });
  api.mount(app);
  API_ROUTES.set(app, api.routes);
  STREAMS.set(app, api.streams);
  const watchers = startWatchers(app, deps, services, now);
  if (watchers.length > 0) WATCHERS.set(app, watchers);

  const pages = new PageRouter(now);
  registerPages(pages, services);
  pages.mount(app);

  app.use((req, _res, next) => { next(new HttpError(404, 'not_found', `no route ${req.method} ${req.path}`)); });
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    const { status, body, internal, headers } = describeError(err);
    if (internal) log.error({ err, method: req.method, path: req.path }, 'request failed');
    if (res.headersSent) { next(err); return; }
    for (const [name, value] of Object.entries(headers ?? {})) res.setHeader(name, value);
    if (req.path.startsWith('/api/') || req.method !== 'GET') {
      res.status(status).json(body);
      return;
    }
    const ctx = pageContextFor(req, res, now());
    res.status(status).type('html').send(errorPage(ctx, status, status === 404 ? ctx.t('error.notFound') : status >= 500 ? ctx.t('error.internal') : body.message).value);
  });
  return app;
}
