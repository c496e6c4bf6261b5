// The owner's account: balance, recharge records, bound convener numbers.
import { z } from 'zod';
import { idParams } from '../http/schemas.ts';
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { accountJson, rechargeJson, refusalJson } from './views.ts';

const TAG = 'account';

export function registerAccountRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/account', tag: TAG, access: 'admin', summary: 'The account: tier, balance, time zone',
    handler: async (c) => accountJson(await s.account.get(c.accountId)),
  });
  api.add({
    method: 'get', path: '/api/account/recharges', tag: TAG, access: 'admin', summary: 'Recharge records, newest first',
    handler: async (c) => (await s.account.recharges(c.accountId)).map(rechargeJson),
  });
  api.add({
    method: 'get', path: '/api/account/dial-out', tag: TAG, access: 'admin',
    summary: 'The account\'s dial-out policy (set by the operator) and its latest 50 refused dial-outs, newest first',
    handler: async (c) => {
      const { policy, refusals } = await s.account.dialOut(c.accountId);
      return { policy, refusals: refusals.map(refusalJson) };
    },
  });
  api.add({
    method: 'get', path: '/api/account/conveners', tag: TAG, access: 'admin', summary: 'Convener numbers bound for multi-party calls',
    handler: async (c) => (await s.account.conveners(c.accountId)).map(convenerJson),
  });
  api.add({
    method: 'post', path: '/api/account/conveners', tag: TAG, access: 'admin', status: 201,
    summary: 'Bind a convener number (E.164; refused with 409 when bound to any account); a personal room is made when none is given',
    body: z.object({ number: z.string().trim().min(1).max(64), name: z.string().trim().max(100).optional(), roomId: z.uuid().optional() }).strict(),
    handler: async (c) => {
      const b = await s.account.bindConvener(c.accountId, c.body, { now: c.now, defaultRegion: s.config.defaultRegion });
      await c.audit('convener.bind', { accountId: c.accountId, target: { type: 'convener', id: b.id }, data: { number: b.number } });
      return convenerJson(b);
    },
  });
  api.add({
    method: 'delete', path: '/api/account/conveners/:id', tag: TAG, access: 'admin', summary: 'Remove a convener number', params: idParams,
    handler: async (c) => {
      await s.account.unbindConvener(c.accountId, c.params.id);
      await c.audit('convener.unbind', { accountId: c.accountId, target: { type: 'convener', id: c.params.id } });
    },
  });
}

function convenerJson(b: { id: string; number: string; name: string; roomId: string }): { id: string; number: string; name: string; roomId: string } {
  return { id: b.id, number: b.number, name: b.name, roomId: b.roomId };
}
