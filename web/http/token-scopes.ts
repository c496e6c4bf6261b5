// Which API token scope opens which route — the one place that says it, from
// a route's tag, path and method (the routes files do not carry scopes).
// Fail closed: a route no rule names is refused to every token, so a new
// feature is out of tokens' reach until someone adds its line here.
//
//   read      GET of the account's data except money: rooms, templates,
//             contacts, history list and event logs, recordings, live
//             snapshots and alerts, account settings, the token's own user
//   meetings  writes to rooms, templates, contacts and groups, scheduling,
//             invitations, restarting a meeting, deleting a recording
//   live      the live console: every command, the alerts, the event streams
//             (and the snapshots, which `read` opens too)
//   billing   balance records and reports: recharges, low-balance setting,
//             call records and costs (billing reports, CSVs, a history
//             entry's call legs with their costs)
//
//   (read also opens the members list, the audit log, the webhook endpoints
//   and their delivery log, the branding; their changes are session-only)
//
// Never to a token, whatever the rules below say: public routes (login, the
// pre-session CSRF cookie), operator routes, the token routes themselves,
// and the user's own profile, password, language and logout.
import type { AuthContext } from './request-context.ts';
import type { TokenScope } from '../../core/tokens/store.ts';
import { InsufficientScopeError } from '../errors.ts';
import { tokenFailed } from './token-failures.ts';

/** What the table reads of a route (a RegisteredRoute of api-router.ts is one). */
type RouteKey = { method: string; path: string; tag: string; access: string };

interface Rule {
  tag: string;
  /** Whole-path pattern; absent: every path of the tag. */
  path?: RegExp;
  /** 'get' or 'write' (post, put, patch, delete). */
  kind: 'get' | 'write';
  /** Any one of these opens the route. */
  scopes: readonly TokenScope[];
}

const RULES: readonly Rule[] = [
  { tag: 'auth', path: /^\/api\/me$/, kind: 'get', scopes: ['read'] },
  { tag: 'account', path: /^\/api\/account\/(recharges|low-balance)$/, kind: 'get', scopes: ['billing'] },
  { tag: 'account', path: /^\/api\/account(\/(dial-out|conveners|meeting-records))?$/, kind: 'get', scopes: ['read'] },
  { tag: 'rooms', kind: 'get', scopes: ['read'] },
  { tag: 'rooms', kind: 'write', scopes: ['meetings'] },
  { tag: 'contacts', kind: 'get', scopes: ['read'] },
  { tag: 'contacts', kind: 'write', scopes: ['meetings'] },
  { tag: 'history', path: /^\/api\/history\/:id$/, kind: 'get', scopes: ['billing'] },
  { tag: 'history', kind: 'get', scopes: ['read'] },
  { tag: 'history', kind: 'write', scopes: ['meetings'] },
  { tag: 'recordings', kind: 'get', scopes: ['read'] },
  { tag: 'recordings', kind: 'write', scopes: ['meetings'] },
  { tag: 'billing', kind: 'get', scopes: ['billing'] },
  { tag: 'live', path: /\/events$/, kind: 'get', scopes: ['live'] },
  { tag: 'live', kind: 'get', scopes: ['read', 'live'] },
  { tag: 'live', kind: 'write', scopes: ['live'] },
  // The account's administration is read with `read` (the directory, the audit log, the webhook log, the
  // branding) and changed only by a person with a session: a token cannot add members or grow its own reach.
  { tag: 'members', kind: 'get', scopes: ['read'] },
  { tag: 'webhooks', kind: 'get', scopes: ['read'] },
  { tag: 'branding', path: /^\/api\/account\/branding$/, kind: 'get', scopes: ['read'] },
];

/** Tags and access levels no token reaches, before any rule is read. */
const NEVER_TAGS = new Set(['tokens', 'operator']);
const NEVER_ACCESS = new Set(['public', 'operator']);

/** The scopes that open a route to a token (any one of them); null: no token may call it. */
export function requiredScopes(route: RouteKey): readonly TokenScope[] | null {
  if (NEVER_TAGS.has(route.tag) || NEVER_ACCESS.has(route.access)) return null;
  const kind = route.method === 'get' ? 'get' : 'write';
  const rule = RULES.find((r) => r.tag === route.tag && r.kind === kind && (!r.path || r.path.test(route.path)));
  return rule ? rule.scopes : null;
}

/** Throws 403 insufficient_scope when the request's token may not call the route; nothing for sessions. */
export function checkTokenScope(route: RouteKey, auth: AuthContext | undefined, ip: string | null = null): void {
  const token = auth?.token;
  if (!token) return;
  const needed = requiredScopes(route);
  if (needed && needed.some((s) => token.scopes.includes(s))) return;
  tokenFailed('insufficient_scope', ip, { token: token.id, method: route.method, path: route.path });
  throw new InsufficientScopeError(needed ?? []);
}
