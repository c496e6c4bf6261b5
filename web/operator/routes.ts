// The operators' API: accounts (create, tier, top-up, freeze), access
// numbers, rates, capacity, the mail outbox.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import { TIERS } from '../../core/accounts/tiers.ts';
import { accountJson, rechargeJson } from '../account/views.ts';
import { userJson } from '../auth/service.ts';
import { NotFoundError } from '../../core/errors.ts';

const TAG = 'operator';

const rateFields = z.object({
  direction: z.enum(['in', 'out']),
  destinationClass: z.enum(['access_number', 'domestic_fixed', 'domestic_mobile', 'international']),
  accessNumberId: z.uuid().nullable().optional(),
  prefix: z.string().regex(/^[0-9]{1,6}$/).nullable().optional(),
  perMinuteMinor: z.number().int().min(0).max(1_000_000),
  incrementS: z.number().int().min(1).max(3600).default(60),
  description: z.string().max(200).default(''),
}).strict().superRefine((r, ctx) => {
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

export function registerOperatorRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/operator/accounts', tag: TAG, access: 'operator', summary: 'Every account with its owners',
    handler: async () => Promise.all((await s.repos.accounts.list()).map(async (a) => ({
      ...accountJson(a), owners: (await s.repos.users.listByAccount(a.id)).map(userJson),
    }))),
  });

  api.add({
    method: 'post', path: '/api/operator/accounts', tag: TAG, access: 'operator', status: 201,
    summary: 'Create an account with its owner login (and an opening balance)',
    body: z.object({
      name: z.string().trim().min(1).max(200),
      tier: z.enum(TIERS as ['trial', 'formal', 'vip']).default('trial'),
      timeZone: z.string().min(1).max(64).default('Asia/Shanghai'),
      owner: z.object({ username: z.string().min(3).max(64), password: z.string().min(1).max(256), displayName: z.string().max(100).optional(), email: z.union([z.email(), z.literal('')]).optional() }),
      initialBalanceMinor: z.number().int().min(0).max(1e12).default(0),
    }).strict(),
    handler: async (c) => {
      const account = await s.repos.accounts.create({ name: c.body.name, tier: c.body.tier, timeZone: c.body.timeZone });
      const owner = await s.repos.users.create({
        accountId: account.id, role: 'owner', username: c.body.owner.username, password: c.body.owner.password,
        ...(c.body.owner.displayName ? { displayName: c.body.owner.displayName } : {}), email: c.body.owner.email || null, locale: c.locale,
      }).catch(async (err: unknown) => {
        // No account without its owner: undo (nothing else refers to the new account yet).
        await s.db('accounts').where({ id: account.id }).delete();
        throw err;
      });
      if (c.body.initialBalanceMinor > 0) await s.repos.accounts.recharge(account.id, c.body.initialBalanceMinor, { operatorUserId: c.userId, note: 'opening balance' });
      await s.repos.audit.append({ accountId: account.id, userId: c.userId, actor: `user:${c.userId}`, action: 'account.create', targetType: 'account', targetId: account.id });
      return { ...accountJson(await s.repos.accounts.get(account.id)), owners: [userJson(owner)] };
    },
  });

  api.add({
    method: 'patch', path: '/api/operator/accounts/:id', tag: TAG, access: 'operator', summary: 'Change an account\'s name, tier or zone; freeze or unfreeze it',
    params: idParams,
    body: z.object({ name: z.string().trim().min(1).max(200).optional(), tier: z.enum(TIERS as ['trial', 'formal', 'vip']).optional(), timeZone: z.string().min(1).max(64).optional(), frozen: z.boolean().optional() }).strict(),
    handler: async (c) => {
      const { frozen, ...patch } = c.body;
      let a = await s.repos.accounts.get(c.params.id);
      if (Object.keys(patch).length > 0) a = await s.repos.accounts.update(a.id, Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)));
      if (frozen !== undefined) a = await s.repos.accounts.setFrozen(a.id, frozen);
      await s.repos.audit.append({ accountId: a.id, userId: c.userId, actor: `user:${c.userId}`, action: 'account.update', targetType: 'account', targetId: a.id, data: c.body });
      return accountJson(a);
    },
  });

  api.add({
    method: 'post', path: '/api/operator/accounts/:id/recharges', tag: TAG, access: 'operator', status: 201,
    summary: 'Top up the balance (minor units; a negative amount is a correction)', params: idParams,
    body: z.object({ amountMinor: z.number().int().min(-1e12).max(1e12).refine((n) => n !== 0, 'not zero'), note: z.string().max(200).default('') }).strict(),
    handler: async (c) => {
      const r = await s.repos.accounts.recharge(c.params.id, c.body.amountMinor, { operatorUserId: c.userId, note: c.body.note });
      await s.repos.audit.append({ accountId: c.params.id, userId: c.userId, actor: `user:${c.userId}`, action: 'account.recharge', targetType: 'account', targetId: c.params.id, data: { amountMinor: c.body.amountMinor } });
      return rechargeJson(r);
    },
  });

  api.add({
    method: 'get', path: '/api/operator/accounts/:id/recharges', tag: TAG, access: 'operator', summary: 'An account\'s recharge records', params: idParams,
    handler: async (c) => {
      await s.repos.accounts.get(c.params.id);
      return (await s.repos.accounts.listRecharges(c.params.id)).map(rechargeJson);
    },
  });

  api.add({
    method: 'get', path: '/api/operator/access-numbers', tag: TAG, access: 'operator', summary: 'Access numbers',
    handler: async () => s.repos.accessNumbers.list(),
  });
  api.add({
    method: 'post', path: '/api/operator/access-numbers', tag: TAG, access: 'operator', status: 201, summary: 'Add an access number',
    body: z.object({ ...accessNumberFields, description: accessNumberFields.description.default(''), enabled: accessNumberFields.enabled.default(true), trunkId: z.uuid().nullable().optional() }).strict(),
    handler: async (c) => s.repos.accessNumbers.create(c.body),
  });
  api.add({
    method: 'patch', path: '/api/operator/access-numbers/:id', tag: TAG, access: 'operator', summary: 'Change an access number', params: idParams,
    body: z.object(Object.fromEntries(Object.entries(accessNumberFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof accessNumberFields]: z.ZodOptional<typeof accessNumberFields[K]> }).strict(),
    handler: async (c) => s.repos.accessNumbers.update(c.params.id, Object.fromEntries(Object.entries(c.body).filter(([, v]) => v !== undefined))),
  });
  api.add({
    method: 'delete', path: '/api/operator/access-numbers/:id', tag: TAG, access: 'operator', summary: 'Remove an access number', params: idParams,
    handler: async (c) => { await s.repos.accessNumbers.delete(c.params.id); },
  });

  api.add({
    method: 'get', path: '/api/operator/rates', tag: TAG, access: 'operator', summary: 'Rates (minor units per minute, billing increment)',
    handler: async () => s.repos.rates.list(),
  });
  api.add({
    method: 'post', path: '/api/operator/rates', tag: TAG, access: 'operator', status: 201, summary: 'Add or replace the rate of a destination',
    body: rateFields,
    handler: async (c) => {
      if (c.body.accessNumberId) await s.repos.accessNumbers.get(c.body.accessNumberId);
      return s.repos.rates.upsert({ ...c.body, accessNumberId: c.body.accessNumberId ?? null, prefix: c.body.prefix ?? null });
    },
  });
  api.add({
    method: 'patch', path: '/api/operator/rates/:id', tag: TAG, access: 'operator', summary: 'Change a rate\'s price, increment or description', params: idParams,
    body: z.object({ perMinuteMinor: z.number().int().min(0).max(1_000_000).optional(), incrementS: z.number().int().min(1).max(3600).optional(), description: z.string().max(200).optional() }).strict(),
    handler: async (c) => {
      if (!(await s.repos.rates.list()).some((r) => r.id === c.params.id)) throw new NotFoundError('rate', c.params.id);
      return s.repos.rates.update(c.params.id, Object.fromEntries(Object.entries(c.body).filter(([, v]) => v !== undefined)));
    },
  });
  api.add({
    method: 'delete', path: '/api/operator/rates/:id', tag: TAG, access: 'operator', summary: 'Remove a rate', params: idParams,
    handler: async (c) => { await s.repos.rates.delete(c.params.id); },
  });

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
    method: 'get', path: '/api/operator/outbox', tag: TAG, access: 'operator', summary: 'Mails the web sent, failed to send, or keeps because no SMTP server is configured',
    handler: async () => (await s.outbox.list()).map((m) => ({ ...m, createdAt: m.createdAt.toISOString(), sentAt: m.sentAt?.toISOString() ?? null })),
  });
}
