// API tokens: make one (its string is in this one answer and nowhere else),
// list them (prefix, scopes, expiry, last use, revoked), revoke one. For the
// account's managers, through a session only: token-scopes.ts opens no token
// route to a token. Every change is audited.
import { z } from 'zod';
import type { Access, ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import { MAX_TOKEN_DAYS, TOKEN_SCOPES } from '../../core/tokens/store.ts';
import { ValidationError } from '../../core/errors.ts';
import { tokenJson } from './service.ts';

const TAG = 'tokens';
/**
 * Who manages the account's tokens, on these routes and the page (pages.ts).
 * The members feature's `admin` level (owner or admin) is this one line.
 */
export const TOKEN_MANAGERS = 'admin' satisfies Access;

const DAY_MS = 86_400_000;

const createBody = z.object({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1).max(TOKEN_SCOPES.length),
  /** Either a lifetime in days… */
  expiresInDays: z.number().int().min(1).max(MAX_TOKEN_DAYS).optional(),
  /** …or an instant, at most MAX_TOKEN_DAYS ahead. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
}).strict();

function expiryOf(body: z.output<typeof createBody>, now: Date): Date {
  if ((body.expiresInDays === undefined) === (body.expiresAt === undefined)) throw new ValidationError('give expiresInDays or expiresAt (one of them)', 'expiresInDays');
  return body.expiresAt !== undefined ? new Date(body.expiresAt) : new Date(now.getTime() + body.expiresInDays! * DAY_MS);
}

export function registerTokenRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/tokens', tag: TAG, access: TOKEN_MANAGERS,
    summary: 'The account\'s API tokens, newest first: name, prefix, scopes, expiry, last use, revoked (never the token itself)',
    handler: async (c) => (await s.tokens.list(c.accountId)).map((t) => tokenJson(t, c.now)),
  });

  api.add({
    method: 'post', path: '/api/tokens', tag: TAG, access: TOKEN_MANAGERS, status: 201, body: createBody,
    summary: `Make an API token (scopes read, meetings, live, billing; expiry required, at most ${MAX_TOKEN_DAYS} days). The answer's \`token\` is shown this once: only its hash is kept`,
    handler: async (c) => {
      const { token, plaintext } = await s.tokens.create(c.accountId, c.auth!.user, { name: c.body.name, scopes: c.body.scopes, expiresAt: expiryOf(c.body, c.now) });
      await c.audit('token.create', { target: { type: 'api_token', id: token.id }, data: { name: token.name, prefix: token.prefix, scopes: token.scopes, expiresAt: token.expiresAt.toISOString() } });
      return { ...tokenJson(token, c.now), token: plaintext };
    },
  });

  api.add({
    method: 'post', path: '/api/tokens/:id/revoke', tag: TAG, access: TOKEN_MANAGERS, params: idParams,
    summary: 'Revoke a token: it stops working at once (requests with it get 401); it stays in the list as revoked',
    handler: async (c) => {
      const token = await s.tokens.revoke(c.accountId, c.params.id);
      await c.audit('token.revoke', { target: { type: 'api_token', id: token.id }, data: { name: token.name, prefix: token.prefix } });
      return tokenJson(token, c.now);
    },
  });
}
