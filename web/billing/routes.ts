// Call records and billing: the month / last week / date range report,
// calls page by page, CSV export.
import { z } from 'zod';
import { Download, type ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { periodQuery, resolvePeriod } from './period.ts';
import { billJson, cdrJson } from './service.ts';

const TAG = 'billing';

export function registerBillingRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/billing/report', tag: TAG, access: 'admin',
    summary: 'Totals, a page of per-meeting bills and a page of calls for a month, the last week or a date range (account time zone)',
    query: periodQuery.extend({
      offset: z.coerce.number().int().min(0).max(1_000_000).default(0), meetingOffset: z.coerce.number().int().min(0).max(1_000_000).default(0),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
    }),
    handler: async (c) => {
      const p = resolvePeriod(c.query, c.account.timeZone, c.now);
      const r = await s.billing.report(c.accountId, p, { offset: c.query.offset, meetingOffset: c.query.meetingOffset, limit: c.query.limit });
      return {
        period: { kind: p.kind, from: p.from.toISOString(), to: p.to.toISOString(), timeZone: c.account.timeZone },
        totals: r.totals, conferences: r.conferences.map(billJson), moreConferences: r.moreConferences, calls: r.calls.map(cdrJson), moreCalls: r.moreCalls,
        balanceMinor: c.account.balanceMinor, currency: c.account.currency,
      };
    },
  });

  api.add({
    method: 'get', path: '/api/billing/calls.csv', tag: TAG, access: 'admin', produces: 'text/csv',
    summary: 'Every call of the period as CSV (UTF-8 with BOM)', query: periodQuery,
    handler: async (c) => {
      const p = resolvePeriod(c.query, c.account.timeZone, c.now);
      return new Download(`calls-${p.fromDay}-${p.toDay}.csv`, 'text/csv; charset=utf-8', await s.billing.callsCsv(c.accountId, p));
    },
  });

  api.add({
    method: 'get', path: '/api/billing/conferences.csv', tag: TAG, access: 'admin', produces: 'text/csv',
    summary: 'Per-meeting bills of the period as CSV', query: periodQuery,
    handler: async (c) => {
      const p = resolvePeriod(c.query, c.account.timeZone, c.now);
      return new Download(`meetings-${p.fromDay}-${p.toDay}.csv`, 'text/csv; charset=utf-8', await s.billing.meetingsCsv(c.accountId, p));
    },
  });
}
