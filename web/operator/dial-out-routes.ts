// The operators' API against toll fraud (issue 21): an account's dial-out
// policy, the platform's blocked prefixes, and the outbound-spend watch list.
// Policy and block-list changes are audited; the IVR's guard picks them up
// within its cache time (ivr/billing/dial-out-guard.ts).
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import { DIAL_OUT_CLASSES } from '../../core/dial-out/knex-store.ts';
import type { BlockedPrefix } from '../../core/dial-out/store.ts';

const TAG = 'operator';

const policyBody = z.object({
  classes: z.array(z.enum(DIAL_OUT_CLASSES as readonly ['domestic_fixed', 'domestic_mobile', 'international'])).max(3).optional(),
  maxOutboundCalls: z.number().int().min(0).max(100_000).optional(),
  dailyCapMinor: z.number().int().min(0).max(1e12).nullable().optional(),
  guestsMayInvite: z.boolean().optional(),
}).strict();

const prefixField = z.string().trim().regex(/^\+?[0-9]{1,15}$/, '1 to 15 digits of the E.164 number, country code first');

function blockedJson(b: BlockedPrefix): { prefix: string; description: string; createdAt: string } {
  return { prefix: b.prefix, description: b.description, createdAt: b.createdAt.toISOString() };
}

export function registerDialOutRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/operator/accounts/:id/dial-out', tag: TAG, access: 'operator', params: idParams,
    summary: 'An account\'s dial-out policy: destination classes, outbound calls at once, daily outbound cap (minor units, null: none)',
    handler: async (c) => s.dialOut.policy(c.params.id),
  });
  api.add({
    method: 'patch', path: '/api/operator/accounts/:id/dial-out', tag: TAG, access: 'operator', params: idParams, body: policyBody,
    summary: 'Change an account\'s dial-out policy (the fields given)',
    handler: async (c) => {
      const p = await s.dialOut.setPolicy(c.params.id, c.body);
      await c.audit('account.dial_out_policy', { accountId: c.params.id, target: { type: 'account', id: c.params.id }, data: c.body });
      return p;
    },
  });

  api.add({ method: 'get', path: '/api/operator/blocked-prefixes', tag: TAG, access: 'operator', summary: 'Blocked number prefixes (E.164 digits without +)', handler: async () => (await s.dialOut.blocked()).map(blockedJson) });
  api.add({
    method: 'post', path: '/api/operator/blocked-prefixes', tag: TAG, access: 'operator', status: 201,
    summary: 'Block calls to numbers starting with a prefix (409 when blocked already)',
    body: z.object({ prefix: prefixField, description: z.string().trim().max(200).default('') }).strict(),
    handler: async (c) => {
      const b = await s.dialOut.block(c.body.prefix, c.body.description);
      await c.audit('dial_out.block', { target: { type: 'blocked_prefix', id: b.prefix }, data: { description: b.description } });
      return blockedJson(b);
    },
  });
  api.add({
    method: 'delete', path: '/api/operator/blocked-prefixes/:prefix', tag: TAG, access: 'operator',
    params: z.object({ prefix: z.string().regex(/^[0-9]{1,15}$/) }), summary: 'Unblock a prefix',
    handler: async (c) => {
      await s.dialOut.unblock(c.params.prefix);
      await c.audit('dial_out.unblock', { target: { type: 'blocked_prefix', id: c.params.prefix } });
    },
  });

  api.add({
    method: 'get', path: '/api/operator/outbound-spend', tag: TAG, access: 'operator',
    summary: 'Accounts by outbound spend in the last 1, 7 or 30 days, with today\'s spend, the daily cap and the dial-out refusals in the window',
    query: z.object({ days: z.enum(['1', '7', '30']).default('7').transform(Number) }),
    handler: async (c) => ({ days: c.query.days, accounts: await s.dialOut.outboundSpend(c.now, c.query.days) }),
  });
}
