// The owner's account: balance, recharge records, bound convener numbers.
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { accountJson, rechargeJson } from './views.ts';

const TAG = 'account';

export function registerAccountRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/account', tag: TAG, access: 'owner', summary: 'The account: tier, balance, time zone',
    handler: async (c) => accountJson(await s.account.get(c.accountId)),
  });
  api.add({
    method: 'get', path: '/api/account/recharges', tag: TAG, access: 'owner', summary: 'Recharge records, newest first',
    handler: async (c) => (await s.account.recharges(c.accountId)).map(rechargeJson),
  });
  api.add({
    method: 'get', path: '/api/account/conveners', tag: TAG, access: 'owner', summary: 'Convener numbers bound for multi-party calls',
    handler: async (c) => (await s.account.conveners(c.accountId)).map((b) => ({ id: b.id, number: b.number, name: b.name, roomId: b.roomId })),
  });
}
