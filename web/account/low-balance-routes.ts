// The owner's low-balance warning: its threshold and state.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import type { LowBalanceState } from '../../core/billing/low-balance.ts';
import { MAX_THRESHOLD_MINOR } from '../../core/billing/low-balance.ts';
import { LowBalanceService } from './low-balance.ts';

export function lowBalanceJson(s: LowBalanceState) {
  return {
    thresholdMinor: s.thresholdMinor, balanceMinor: s.balanceMinor, low: LowBalanceService.showsBanner(s),
    lowSince: s.lowSince?.toISOString() ?? null, mailedAt: s.mailedAt?.toISOString() ?? null,
  };
}

export function registerLowBalanceRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/account/low-balance', tag: 'account', access: 'admin',
    summary: 'The low-balance warning: threshold (minor units; 0 = off), whether the balance is below it since a rated call, when it was mailed',
    handler: async (c) => lowBalanceJson(await s.lowBalance.get(c.accountId)),
  });
  api.add({
    method: 'put', path: '/api/account/low-balance', tag: 'account', access: 'admin',
    summary: 'Sets the threshold: one mail and a dashboard banner when a rated call draws the balance below it, again only after it has been back at or above it',
    body: z.object({ thresholdMinor: z.number().int().min(0).max(MAX_THRESHOLD_MINOR) }).strict(),
    handler: async (c) => {
      const state = await s.lowBalance.setThreshold(c.accountId, c.body.thresholdMinor);
      await c.audit('account.low_balance_threshold', { data: { thresholdMinor: c.body.thresholdMinor } });
      return lowBalanceJson(state);
    },
  });
}
