// The operators' API: accounts (create, tier, top-up, freeze), access
// numbers, rates, capacity, the mail outbox.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import { TIERS } from '../../core/accounts/tiers.ts';
import { accountJson, rechargeJson } from '../account/views.ts';
import { userJson } from '../auth/service.ts';

const TAG = 'operator';

const rateFields = z.object({
  direction: z.enum(['in', 'out', 'webrtc']),
  destinationClass: z.enum(['access_number', 'domestic_fixed', 'domestic_mobile', 'international', 'webrtc']),
  accessNumberId: z.uuid().nullable().optional(),
  prefix: z.string().regex(/^[0-9]{1,6}$/).nullable().optional(),
  perMinuteMinor: z.number().int().min(0).max(1_000_000),
  incrementS: z.number().int().min(1).max(3600).default(60),
  description: z.string().max(200).default(''),
}).strict().superRefine((r, ctx) => {
  if ((r.destinationClass === 'webrtc') !== (r.direction === 'webrtc')) ctx.addIssue({ code: 'custom', path: ['destinationClass'], message: 'browser (webrtc) legs have one rate of class webrtc' });
  if ((r.destinationClass === 'access_number') !== (r.direction === 'in')) ctx.addIssue({ code: 'custom', path: ['destinationClass'], message: 'dial-in rates are per access number; dial-out rates by destination class' });
  if (r.destinationClass === 'access_number' && !r.accessNumberId) ctx.addIssue({ code: 'custom', path: ['accessNumberId'], message: 'choose the access number' });
  if (r.destinationClass !== 'international' && r.prefix) ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'a prefix is for international rates only' });
});

const accessNumberFields = {
  number: z.string().regex(/^\+?[0-9]{3,20}$/),
  kind: z.enum(['meeting', 'multi_party']),
  language: z.enum(['zh-CN', 'en']),
  description: z.string().max(200),
  enabled: z.boolean(),
};

const newAccountBody = z.object({
  name: z.string().trim().min(1).max(200),
  tier: z.enum(TIERS as ['trial', 'formal', 'vip']).default('trial'),
  timeZone: z.string().min(1).max(64).default('Asia/Shanghai'),
  owner: z.object({ username: z.string().min(3).max(64), password: z.string().min(1).max(256), displayName: z.string().max(100).optional(), email: z.union([z.email(), z.literal('')]).optional() }),
  initialBalanceMinor: z.number().int().min(0).max(1e12).default(0),
}).strict();

export function registerOperatorRoutes(api: ApiRouter, s: WebServices): void {
  registerAccountRoutes(api, s);
  registerAccessNumberRoutes(api, s);
  registerRateRoutes(api, s);
  registerPlatformRoutes(api, s);
}

function registerAccountRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/operator/accounts', tag: TAG, access: 'operator', summary: 'Every account with its owners',
    handler: async () => (await s.operator.accounts()).map(({ account, owners }) => ({ ...accountJson(account), owners: owners.map(userJson) })),
  });

  api.add({
    method: 'post', path: '/api/operator/accounts', tag: TAG, access: 'operator', status: 201,
    summary: 'Create an account with its owner login (and an opening balance)',
    body: newAccountBody,
    handler: async (c) => {
      const { account, owner } = await s.operator.openAccount(c.body, { operatorUserId: c.userId, locale: c.locale });
      await c.audit('account.create', { accountId: account.id, target: { type: 'account', id: account.id } });
      return { ...accountJson(account), owners: [userJson(owner)] };
    },
  });

  api.add({
    method: 'patch', path: '/api/operator/accounts/:id', tag: TAG, access: 'operator', summary: 'Change an account\'s name, tier or zone; freeze or unfreeze it',
    params: idParams,
    body: z.object({ name: z.string().trim().min(1).max(200).optional(), tier: z.enum(TIERS as ['trial', 'formal', 'vip']).optional(), timeZone: z.string().min(1).max(64).optional(), frozen: z.boolean().optional() }).strict(),
    handler: async (c) => {
      const { frozen, ...patch } = c.body;
      const a = await s.operator.updateAccount(c.params.id, patch, frozen);
      await c.audit('account.update', { accountId: a.id, target: { type: 'account', id: a.id }, data: c.body });
      return accountJson(a);
    },
  });

  api.add({
    method: 'post', path: '/api/operator/accounts/:id/recharges', tag: TAG, access: 'operator', status: 201,
    summary: 'Top up the balance (minor units; a negative amount is a correction)', params: idParams,
    body: z.object({ amountMinor: z.number().int().min(-1e12).max(1e12).refine((n) => n !== 0, 'not zero'), note: z.string().max(200).default('') }).strict(),
    handler: async (c) => {
      const r = await s.operator.recharge(c.params.id, c.body.amountMinor, { operatorUserId: c.userId, note: c.body.note });
      await c.audit('account.recharge', { accountId: c.params.id, target: { type: 'account', id: c.params.id }, data: { amountMinor: c.body.amountMinor } });
      return rechargeJson(r);
    },
  });

  api.add({
    method: 'get', path: '/api/operator/accounts/:id/recharges', tag: TAG, access: 'operator', summary: 'An account\'s recharge records', params: idParams,
    handler: async (c) => (await s.operator.recharges(c.params.id)).map(rechargeJson),
  });
}

function registerAccessNumberRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/operator/access-numbers', tag: TAG, access: 'operator', summary: 'Access numbers',
    handler: async () => s.operator.accessNumbers(),
  });
  api.add({
    method: 'post', path: '/api/operator/access-numbers', tag: TAG, access: 'operator', status: 201, summary: 'Add an access number',
    body: z.object({ ...accessNumberFields, description: accessNumberFields.description.default(''), enabled: accessNumberFields.enabled.default(true), trunkId: z.uuid().nullable().optional() }).strict(),
    handler: async (c) => s.operator.addAccessNumber(c.body),
  });
  api.add({
    method: 'patch', path: '/api/operator/access-numbers/:id', tag: TAG, access: 'operator', summary: 'Change an access number', params: idParams,
    body: z.object(Object.fromEntries(Object.entries(accessNumberFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof accessNumberFields]: z.ZodOptional<typeof accessNumberFields[K]> }).strict(),
    handler: async (c) => s.operator.updateAccessNumber(c.params.id, c.body),
  });
  api.add({
    method: 'delete', path: '/api/operator/access-numbers/:id', tag: TAG, access: 'operator', summary: 'Remove an access number', params: idParams,
    handler: async (c) => { await s.operator.removeAccessNumber(c.params.id); },
  });
}

function registerRateRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/operator/rates', tag: TAG, access: 'operator', summary: 'Rates (minor units per minute, billing increment)',
    handler: async () => s.operator.rates(),
  });
  api.add({
    method: 'post', path: '/api/operator/rates', tag: TAG, access: 'operator', status: 201, summary: 'Add or replace the rate of a destination',
    body: rateFields,
    handler: async (c) => s.operator.saveRate(c.body),
  });
  api.add({
    method: 'patch', path: '/api/operator/rates/:id', tag: TAG, access: 'operator', summary: 'Change a rate\'s price, increment or description', params: idParams,
    body: z.object({ perMinuteMinor: z.number().int().min(0).max(1_000_000).optional(), incrementS: z.number().int().min(1).max(3600).optional(), description: z.string().max(200).optional() }).strict(),
    handler: async (c) => s.operator.updateRate(c.params.id, c.body),
  });
  api.add({
    method: 'delete', path: '/api/operator/rates/:id', tag: TAG, access: 'operator', summary: 'Remove a rate', params: idParams,
    handler: async (c) => { await s.operator.removeRate(c.params.id); },
  });
}

/** Capacity against the licence, and the mail outbox. */
function registerPlatformRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/operator/capacity', tag: TAG, access: 'operator',
    summary: 'Concurrent calls now against the licensed ports; planned meetings in the next days that would overbook them',
    query: z.object({ days: z.coerce.number().int().min(1).max(90).default(14) }),
    handler: async (c) => {
      const r = await s.capacity.report(c.now, c.query.days);
      return {
        licensedPorts: r.licensedPorts, live: r.live, horizonDays: r.horizonDays, peak: { at: r.peak.at?.toISOString() ?? null, ports: r.peak.ports },
        overbooked: r.overbooked.map((o) => ({ ...o, opensAt: o.opensAt.toISOString(), start: o.start.toISOString(), end: o.end.toISOString() })),
      };
    },
  });

  api.add({
    method: 'get', path: '/api/operator/outbox', tag: TAG, access: 'operator', summary: 'Mails the web sent, is retrying (queued), failed to send, or keeps because no SMTP server is configured',
    handler: async () => (await s.mail.list()).map((m) => ({
      ...m, createdAt: m.createdAt.toISOString(), sentAt: m.sentAt?.toISOString() ?? null, nextAttemptAt: m.nextAttemptAt?.toISOString() ?? null,
    })),
  });
}
