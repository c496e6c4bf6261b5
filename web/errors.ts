// HTTP errors of the web app, and the one mapping from every error class the
// app can meet (core's domain errors, zod, body parsing) to a status code.
import { ZodError } from 'zod';
import { ConflictError, NotFoundError, ValidationError, CallRefusedError } from '../core/errors.ts';
import { InvalidStateError } from '../common/errors.ts';
import { LiveUnavailableError } from '../core/live/live.ts';
import { LogoRejectedError } from '../core/branding/image.ts';

export class HttpError extends Error {
  override readonly name = 'HttpError';
  /** Response headers that go with the error (WWW-Authenticate). */
  headers: Record<string, string> = {};
  constructor(readonly status: number, readonly code: string, message: string, readonly details?: Record<string, unknown>) { super(message); }
}

/** No valid session. */
export class UnauthorizedError extends HttpError {
  constructor() { super(401, 'unauthorized', 'log in first'); }
}

/** Logged in but not allowed (wrong role, missing or wrong CSRF token). */
export class ForbiddenError extends HttpError {
  constructor(code: 'forbidden' | 'csrf', message: string) { super(403, code, message); }
}

/** RFC 6750 §3: a bearer token that is unknown, expired, revoked, or whose user or account may no longer act. */
export class InvalidTokenError extends HttpError {
  constructor(message: string) {
    super(401, 'invalid_token', message);
    this.headers = { 'WWW-Authenticate': `Bearer realm="api", error="invalid_token", error_description="${message.replace(/["\\]/g, '')}"` };
  }
}

/** RFC 6750 §3.1: a valid token without a scope the route needs (`scope` lists those that would do). */
export class InsufficientScopeError extends HttpError {
  constructor(scopes: readonly string[]) {
    super(403, 'insufficient_scope', scopes.length > 0 ? `this token needs the scope ${scopes.join(' or ')}` : 'not open to API tokens');
    this.headers = { 'WWW-Authenticate': `Bearer realm="api", error="insufficient_scope"${scopes.length > 0 ? `, scope="${scopes.join(' ')}"` : ''}` };
  }
}

export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  issues?: Array<{ path: string; message: string }>;
  details?: Record<string, unknown>;
}

/** Status and JSON body for any thrown value; `internal` marks the ones to log as bugs. */
export function describeError(err: unknown): { status: number; body: ErrorBody; internal: boolean; headers?: Record<string, string> } {
  if (err instanceof HttpError) {
    return { status: err.status, body: { error: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) }, internal: false, headers: err.headers };
  }
  if (err instanceof ZodError) {
    const issues = err.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
    return { status: 400, body: { error: 'invalid_input', message: issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues }, internal: false };
  }
  if (err instanceof ValidationError) {
    return { status: 400, body: { error: 'invalid_input', message: err.message, ...(err.field ? { field: err.field } : {}) }, internal: false };
  }
  if (err instanceof LogoRejectedError) {
    return { status: 400, body: { error: 'invalid_logo', message: err.message, field: 'logo', details: { reason: err.reason } }, internal: false };
  }
  if (err instanceof NotFoundError) return { status: 404, body: { error: 'not_found', message: `${err.entity} not found` }, internal: false };
  if (err instanceof ConflictError) {
    return { status: 409, body: { error: 'conflict', message: err.message, ...(err.field ? { field: err.field } : {}) }, internal: false };
  }
  if (err instanceof InvalidStateError) return { status: 409, body: { error: 'invalid_state', message: err.message }, internal: false };
  if (err instanceof LiveUnavailableError) return { status: 503, body: { error: 'live_unavailable', message: err.message }, internal: false };
  if (err instanceof CallRefusedError) return { status: 409, body: { error: err.reason, message: err.message }, internal: false };
  // PostgreSQL constraints the routes did not catch first: in use (23503), breaks a check (23514), taken (23505).
  const e = err as { status?: unknown; type?: unknown; code?: unknown };
  if (e?.code === '23503') return { status: 409, body: { error: 'in_use', message: 'still in use by other records' }, internal: false };
  if (e?.code === '23514') return { status: 400, body: { error: 'invalid_input', message: 'the values do not fit together' }, internal: false };
  if (e?.code === '23505') return { status: 409, body: { error: 'conflict', message: 'already exists' }, internal: false };
  // body-parser errors carry a status and a type.
  if (typeof e?.status === 'number' && typeof e.type === 'string') {
    if (e.type === 'entity.too.large') return { status: 413, body: { error: 'too_large', message: 'request body is too large' }, internal: false };
    if (e.status >= 400 && e.status < 500) return { status: e.status, body: { error: 'bad_request', message: 'request body cannot be read' }, internal: false };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error' }, internal: true };
}
