// The operators' API for carrier trunks and dial plans, and the dial-plan
// "try" that runs unsaved rules on sample numbers.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';

const TAG = 'operator';

const trunkFields = {
  name: z.string().trim().min(1).max(100),
  host: z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.:[\]-]+$/, 'a host name or IP address'),
  port: z.number().int().min(1).max(65535),
  transport: z.enum(['udp', 'tcp']),
  authUsername: z.string().max(128).nullable(),
  authPassword: z.string().max(256),
  callerId: z.string().regex(/^\+?[0-9]{1,20}$/, 'digits, optionally with a leading +').nullable(),
  maxConcurrent: z.number().int().min(1).max(100_000),
  maxCallsPerSecond: z.number().int().min(1).max(1000),
  dialPlanId: z.uuid().nullable(),
  failoverTrunkId: z.uuid().nullable(),
  enabled: z.boolean(),
};
const optionalTrunkFields = Object.fromEntries(Object.entries(trunkFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof trunkFields]: z.ZodOptional<typeof trunkFields[K]> };

const ruleSchema = z.object({ pattern: z.string().min(1).max(200), replacement: z.string().max(200), description: z.string().max(200).default('') }).strict();
const dialPlanBody = z.object({ name: z.string().trim().min(1).max(100), description: z.string().max(200).default(''), rules: z.array(ruleSchema).max(100) }).strict();

export function registerTrunkRoutes(api: ApiRouter, s: WebServices): void {
  api.add({ method: 'get', path: '/api/operator/trunks', tag: TAG, access: 'operator', summary: 'Carrier trunks (the digest password only as hasPassword)', handler: async () => s.trunks.list() });
  api.add({
    method: 'post', path: '/api/operator/trunks', tag: TAG, access: 'operator', status: 201, summary: 'Add a trunk',
    body: z.object({ ...optionalTrunkFields, name: trunkFields.name, host: trunkFields.host }).strict(),
    handler: async (c) => {
      const t = await s.trunks.add(c.body);
      await c.audit('trunk.create', { target: { type: 'trunk', id: t.id }, data: { name: t.name, host: t.host } });
      return t;
    },
  });
  api.add({
    method: 'patch', path: '/api/operator/trunks/:id', tag: TAG, access: 'operator', params: idParams,
    summary: 'Change a trunk; an empty or absent authPassword keeps the old one, clearPassword removes it',
    body: z.object({ ...optionalTrunkFields, clearPassword: z.boolean().optional() }).strict(),
    handler: async (c) => {
      const t = await s.trunks.update(c.params.id, c.body);
      const { authPassword: _p, ...data } = c.body;
      await c.audit('trunk.update', { target: { type: 'trunk', id: t.id }, data });
      return t;
    },
  });
  api.add({
    method: 'delete', path: '/api/operator/trunks/:id', tag: TAG, access: 'operator', params: idParams, summary: 'Remove a trunk',
    handler: async (c) => { await s.trunks.remove(c.params.id); await c.audit('trunk.delete', { target: { type: 'trunk', id: c.params.id } }); },
  });
  registerDialPlanRoutes(api, s);
}

function registerDialPlanRoutes(api: ApiRouter, s: WebServices): void {
  api.add({ method: 'get', path: '/api/operator/dial-plans', tag: TAG, access: 'operator', summary: 'Dial plans with their ordered rules', handler: async () => s.trunks.dialPlans() });
  api.add({
    method: 'post', path: '/api/operator/dial-plans', tag: TAG, access: 'operator', status: 201, summary: 'Add a dial plan', body: dialPlanBody,
    handler: async (c) => s.trunks.saveDialPlan(c.body),
  });
  api.add({
    method: 'put', path: '/api/operator/dial-plans/:id', tag: TAG, access: 'operator', params: idParams, summary: 'Replace a dial plan\'s name and rules', body: dialPlanBody,
    handler: async (c) => s.trunks.saveDialPlan({ ...c.body, id: c.params.id }),
  });
  api.add({
    method: 'delete', path: '/api/operator/dial-plans/:id', tag: TAG, access: 'operator', params: idParams, summary: 'Remove a dial plan no trunk uses',
    handler: async (c) => { await s.trunks.deleteDialPlan(c.params.id); },
  });
  api.add({
    method: 'post', path: '/api/operator/dial-plans/try', tag: TAG, access: 'operator', summary: 'Run unsaved rules on sample numbers (nothing is saved)',
    body: z.object({ rules: z.array(ruleSchema).max(100), samples: z.array(z.string().max(64)).min(1).max(50), defaultRegion: z.string().regex(/^[A-Z]{2}$/).optional() }).strict(),
    handler: async (c) => ({ results: s.trunks.tryRules(c.body.rules, c.body.samples, c.body.defaultRegion ?? s.config.defaultRegion) }),
  });
}
