// The JSON API's routes, declared once with their zod schemas: the same
// declarations register the Express handlers (validation, session, role and
// CSRF checks) and produce the OpenAPI document, and the security tests walk
// them to try every route. A handler gets a context with the caller, the
// parsed input, and `audit()` for the audit log. A stream route (produces
// text/event-stream) is declared the same way: its handler checks what it
// must and returns an EventStream, which the router runs as Server-Sent
// Events (web/http/event-stream.ts).
import type { Express, Request, Response } from 'express';
import { z } from 'zod';
import { authOf, localeOf, type AuthContext } from './request-context.ts';
import { checkCsrf } from './csrf.ts';
import { checkTokenScope } from './token-scopes.ts';
import { checkAccess, type Access } from './access.ts';
import { OpenStreams, PING_MS, runEventStream, type EventStream } from './event-stream.ts';
import { ForbiddenError, HttpError, UnauthorizedError } from '../errors.ts';
import type { Account } from '../../core/accounts/store.ts';
import type { AuditStore } from '../../core/audit/store.ts';
import type { Locale } from '../i18n/messages.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** Who may call a route: see web/http/access.ts. */
export type { Access } from './access.ts';

/** A file to download instead of JSON. */
export class Download {
  constructor(readonly filename: string, readonly contentType: string, readonly body: string | Buffer) {}
}

type AnyObject = z.ZodType<Record<string, unknown>>;

export interface RouteSpec<P extends AnyObject, Q extends AnyObject, B extends z.ZodType> {
  method: Method;
  /** Express path, e.g. /api/rooms/:id */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Documented response (JSON unless `produces` says otherwise). */
  produces?: 'application/json' | 'text/csv' | 'text/calendar' | 'text/event-stream' | 'audio/wav' | 'audio/mpeg';
  /** Status for a successful answer (default 200; 204 when the handler returns undefined). */
  status?: number;
  handler: (ctx: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown> | unknown;
}

export interface RouteContext<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  now: Date;
  locale: Locale;
  /** The session (absent only on public routes). */
  auth: AuthContext | undefined;
  /** The caller's account id; throws on operators and public routes. */
  accountId: string;
  account: Account;
  userId: string;
  /**
   * Writes an entry to the audit log as the session's user, from the
   * request's address, about the caller's own account unless `note.accountId`
   * names another (operators act on accounts that are not theirs).
   */
  audit(action: string, note?: AuditNote): Promise<void>;
}

/** What an audit entry says besides who, when and from where. */
export interface AuditNote {
  accountId?: string;
  target?: { type: string; id: string };
  data?: Record<string, unknown>;
}

export interface RegisteredRoute {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params: AnyObject | undefined;
  query: AnyObject | undefined;
  body: z.ZodType | undefined;
  produces: string;
}

/** How the router runs stream routes. */
export interface StreamOptions {
  /** How often an idle stream pings (and the session is checked again). */
  pingMs?: number;
  /** Is the session still valid? A stream whose session ended is closed. */
  sessionValid?: (auth: AuthContext) => Promise<boolean>;
}

const STATE_CHANGING = new Set<Method>(['post', 'put', 'patch', 'delete']);

export function isStateChanging(m: Method): boolean { return STATE_CHANGING.has(m); }

export class ApiRouter {
  readonly routes: RegisteredRoute[] = [];
  /** The event streams open now (ended when the server closes). */
  readonly streams = new OpenStreams();
  private readonly handlers: Array<{ route: RegisteredRoute; run: (req: Request, res: Response) => Promise<void> }> = [];

  constructor(private readonly now: () => Date, private readonly auditLog: AuditStore, private readonly streamOptions: StreamOptions = {}) {}

  add<P extends AnyObject = z.ZodObject<{}>, Q extends AnyObject = z.ZodObject<{}>, B extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<P, Q, B>): void {
    const route: RegisteredRoute = {
      method: spec.method, path: spec.path, summary: spec.summary, tag: spec.tag, access: spec.access,
      params: spec.params, query: spec.query, body: spec.body, produces: spec.produces ?? 'application/json',
    };
    this.routes.push(route);
    const run = async (req: Request, res: Response): Promise<void> => {
      const auth = authOf(req);
      checkTokenScope(route, auth, req.ip ?? null); // API tokens: only the routes their scopes open (token-scopes.ts)
      checkAccess(spec.access, auth?.user.role);
      // A token travels in a header another site's page cannot make a browser send (CORS is never granted): no CSRF token.
      if (isStateChanging(spec.method) && !auth?.token) checkCsrf(req, auth);
      // A malformed id is an id that does not exist: 404, not a hint.
      let params: unknown = {};
      if (spec.params) {
        const p = spec.params.safeParse(req.params);
        if (!p.success) throw new HttpError(404, 'not_found', 'not found');
        params = p.data;
      }
      const query = spec.query ? spec.query.parse(req.query ?? {}) : {};
      const body = spec.body ? spec.body.parse(req.body ?? {}) : undefined;
      const ctx = this.context<P, Q, B>(req, res, auth, params, query, body);
      const result = await spec.handler(ctx);
      if (route.produces === 'text/event-stream') this.stream(req, res, asEventStream(result, route), auth);
      else send(res, spec.status, result);
    };
    this.handlers.push({ route, run });
  }

  /** Runs a stream route's answer; a session that ends (logout, expiry) ends its streams at the next ping. */
  private stream(req: Request, res: Response, stream: EventStream, auth: AuthContext | undefined): void {
    const { pingMs = PING_MS, sessionValid } = this.streamOptions;
    const recheck = auth && sessionValid ? () => sessionValid(auth) : undefined;
    runEventStream(req, res, stream, this.streams, { pingMs, ...(recheck ? { recheck } : {}) });
  }

  private context<P extends AnyObject, Q extends AnyObject, B extends z.ZodType>(
    req: Request, res: Response, auth: AuthContext | undefined, params: unknown, query: unknown, body: unknown,
  ): RouteContext<z.output<P>, z.output<Q>, z.output<B>> {
    const auditLog = this.auditLog;
    return {
      req, res, params, query, body, now: this.now(), locale: localeOf(req), auth,
      get accountId(): string {
        if (!auth?.account) throw new ForbiddenError('forbidden', 'for account owners only');
        return auth.account.id;
      },
      get account(): Account {
        if (!auth?.account) throw new ForbiddenError('forbidden', 'for account owners only');
        return auth.account;
      },
      get userId(): string {
        if (!auth) throw new UnauthorizedError();
        return auth.user.id;
      },
      async audit(action: string, note: AuditNote = {}): Promise<void> {
        if (!auth) throw new UnauthorizedError();
        await auditLog.append({
          accountId: note.accountId ?? auth.account?.id ?? null, userId: auth.user.id, actor: auth.token ? `token:${auth.token.id}` : `user:${auth.user.id}`, action,
          ...(note.target ? { targetType: note.target.type, targetId: note.target.id } : {}),
          ...(note.data ? { data: note.data } : {}), ip: req.ip ?? null,
        });
      },
    } as RouteContext<z.output<P>, z.output<Q>, z.output<B>>;
  }

  mount(app: Express): void {
    for (const { route, run } of this.handlers) {
      app[route.method](route.path, (req, res, next) => { run(req, res).catch(next); });
    }
  }
}

function asEventStream(result: unknown, route: RegisteredRoute): EventStream {
  const s = result as Partial<EventStream> | null;
  if (typeof s?.start !== 'function' || typeof s.stop !== 'function') throw new Error(`stream route ${route.path} returned no EventStream`);
  return s as EventStream;
}

/** Writes a handler's result: a download, 204 for nothing, or JSON. */
function send(res: Response, status: number | undefined, result: unknown): void {
  if (res.headersSent) return;
  res.setHeader('Cache-Control', 'no-store');
  if (result instanceof Download) {
    res.setHeader('Content-Type', result.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${result.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    res.status(status ?? 200).send(result.body);
  } else if (result === undefined) {
    res.status(204).end();
  } else {
    res.status(status ?? 200).json(result);
  }
}
