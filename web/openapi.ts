// The OpenAPI 3.1 document of the JSON API, generated from the same zod
// schemas that validate the requests. Two ways in: the browser's cookie
// session (with the X-CSRF-Token header on state-changing requests), or an
// API token as `Authorization: Bearer` — each operation's `security` lists
// the session and, when a token may call it, `bearerAuth` with each scope
// that opens it (alternatives; web/http/token-scopes.ts decides).
import { z } from 'zod';
import type { RegisteredRoute } from './http/api-router.ts';
import { requiredScopes } from './http/token-scopes.ts';

type Json = Record<string, unknown>;

function schemaOf(s: z.ZodType): Json {
  return z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Json;
}

function parameters(route: RegisteredRoute): Json[] {
  const out: Json[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const js = schemaOf(schema);
    const props = (js.properties ?? {}) as Record<string, Json>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, p] of Object.entries(props)) out.push({ name, in: where, required: where === 'path' || required.has(name), schema: p });
  }
  return out;
}

/** Session (+ CSRF when it changes state), or a bearer token with any one of the scopes that open the route. */
function securityOf(r: RegisteredRoute): Json[] {
  if (r.access === 'public') return [];
  const session = { session: [], ...(['post', 'put', 'patch', 'delete'].includes(r.method) ? { csrf: [] } : {}) };
  return [session, ...(requiredScopes(r) ?? []).map((scope) => ({ bearerAuth: [scope] }))];
}

export function openApiDocument(routes: RegisteredRoute[]): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const op: Json = {
      summary: r.summary, tags: [r.tag], operationId: `${r.method}_${r.path.replace(/[^A-Za-z0-9]+/g, '_')}`,
      parameters: parameters(r),
      responses: {
        200: r.produces === 'text/event-stream'
          ? { description: 'Server-Sent Events: `event: <type>` lines with JSON data, `: ping` comments every 15 s', content: { [r.produces]: { schema: { type: 'string' } } } }
          : { description: 'OK', content: { [r.produces]: {} } },
        ...(r.access !== 'public' ? {
          401: { description: 'no session; or the token is unknown, expired or revoked, or its user or account frozen (`WWW-Authenticate: Bearer error="invalid_token"`)' },
          403: { description: 'wrong role or missing CSRF token; or the token lacks the scope (`WWW-Authenticate: Bearer error="insufficient_scope"`)' },
        } : {}),
        400: { description: 'invalid input' }, 404: { description: 'not found (or another account\'s)' },
      },
      security: securityOf(r),
      'x-access': r.access,
      'x-token-scopes': requiredScopes(r) ?? [],
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } };
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Conference bridge web API', version: '0.1.0',
      description: 'JSON API of the web app. Cookie session; state-changing requests need the X-CSRF-Token header (GET /api/auth/csrf before login, the session\'s token after). '
        + 'Or an API token (made on the page /account/tokens) as `Authorization: Bearer cbt_…`: no cookie, no CSRF token; the token acts as its creator within its scopes. '
        + 'Scopes: read (GET of the account\'s data but money), meetings (writes to rooms, templates, contacts, schedules, invitations), live (live console commands and event streams), billing (call records, costs, recharges).',
    },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'bridge_session', description: 'The browser session (POST /api/auth/login)' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'With a session, on every state-changing request' },
        bearerAuth: {
          type: 'http', scheme: 'bearer', bearerFormat: 'cbt_<prefix>_<secret>',
          description: 'An API token; an operation lists the scopes that open it (any one will do): read, meetings, live, billing. 401 invalid_token, 403 insufficient_scope (RFC 6750 §3)',
        },
      },
    },
    paths,
  };
}
