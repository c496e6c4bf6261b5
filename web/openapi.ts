// The OpenAPI 3.1 document of the JSON API, generated from the same zod
// schemas that validate the requests.
import { z } from 'zod';
import type { RegisteredRoute } from './http/api-router.ts';

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
        ...(r.access !== 'public' ? { 401: { description: 'no session' }, 403: { description: 'wrong role or missing CSRF token' } } : {}),
        400: { description: 'invalid input' }, 404: { description: 'not found (or another account\'s)' },
      },
      security: r.access === 'public' ? [] : [{ session: [], ...(['post', 'put', 'patch', 'delete'].includes(r.method) ? { csrf: [] } : {}) }],
      'x-access': r.access,
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(r.body) } } };
    (paths[path] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Conference bridge web API', version: '0.1.0', description: 'JSON API of the web app. Cookie session; state-changing requests need the X-CSRF-Token header (GET /api/auth/csrf before login, the session\'s token after).' },
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'bridge_session' },
        csrf: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
      },
    },
    paths,
  };
}
