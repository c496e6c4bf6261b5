// Call records and costs for a period: totals, per meeting, per call.
import { stringify } from 'csv-stringify/sync';
import type { Repositories } from '../../core/repositories.ts';
import type { Cdr, CdrTotals, ConferenceBill } from '../../core/cdr/store.ts';
import { csvSafe } from '../../core/contacts/csv.ts';
import type { Period } from './period.ts';

export interface Report {
  totals: CdrTotals;
  /** A page of the meetings (newest first). */
  conferences: ConferenceBill[];
  moreConferences: boolean;
  calls: Cdr[];
  /** More calls than the page holds. */
  moreCalls: boolean;
}

export const CALLS_PAGE = 100;

export class BillingService {
  constructor(private readonly repos: Pick<Repositories, 'cdrs'>) {}

  /** Pages: `offset`/`limit` for the calls, `meetingOffset`/`limit` for the meetings. */
  async report(accountId: string, p: Period, page: { offset?: number; meetingOffset?: number; limit?: number } = {}): Promise<Report> {
    const limit = Math.min(page.limit ?? CALLS_PAGE, 1000);
    const range = { from: p.from, to: p.to };
    const [totals, conferences, calls] = await Promise.all([
      this.repos.cdrs.totals(accountId, range),
      this.repos.cdrs.conferenceBills(accountId, { ...range, limit: limit + 1, offset: page.meetingOffset ?? 0 }),
      this.repos.cdrs.list(accountId, { ...range, limit: limit + 1, offset: page.offset ?? 0 }),
    ]);
    return {
      totals, conferences: conferences.slice(0, limit), moreConferences: conferences.length > limit,
      calls: calls.slice(0, limit), moreCalls: calls.length > limit,
    };
  }

  /** Every call of the period as CSV (UTF-8 with BOM). */
  async callsCsv(accountId: string, p: Period): Promise<string> {
    return this.repos.cdrs.exportCsv(accountId, { from: p.from, to: p.to });
  }

  /** Per-meeting bills of the period as CSV (UTF-8 with BOM). */
  async meetingsCsv(accountId: string, p: Period): Promise<string> {
    const bills = (await this.repos.cdrs.conferenceBills(accountId, { from: p.from, to: p.to })).map(billJson);
    const body = stringify(bills.map((b) => [b.roomNumber, b.startedAt, b.endedAt ?? '', b.durationSeconds ?? '', b.participants, b.billableSeconds, b.costMinor].map(csvSafe)), {
      header: true, columns: ['room', 'start', 'end', 'duration_s', 'participants', 'billable_s', 'cost_minor'],
    });
    return '\uFEFF' + body;
  }
}

export function cdrJson(c: Cdr) {
  return {
    id: c.id, direction: c.direction, caller: c.caller, callee: c.callee, number: c.direction === 'in' ? c.caller : c.callee,
    accessNumber: c.accessNumber, roomNumber: c.roomNumber, conferenceId: c.conferenceId, role: c.role, displayName: c.displayName,
    startedAt: c.startedAt.toISOString(), answeredAt: c.answeredAt?.toISOString() ?? null, endedAt: c.endedAt?.toISOString() ?? null,
    state: c.state, billableSeconds: c.billableSeconds, billedSeconds: c.billedSeconds, billableMinutes: c.billedSeconds === null ? null : c.billedSeconds / 60,
    ratePerMinuteMinor: c.ratePerMinuteMinor, incrementS: c.incrementS, costMinor: c.costMinor, q850Cause: c.q850Cause,
  };
}

export function billJson(b: ConferenceBill) {
  return {
    conferenceId: b.conferenceId, roomNumber: b.roomNumber, startedAt: b.startedAt.toISOString(), endedAt: b.endedAt?.toISOString() ?? null,
    durationSeconds: b.endedAt ? Math.round((b.endedAt.getTime() - b.startedAt.getTime()) / 1000) : null,
    participants: b.participants, billableSeconds: b.billableSeconds, costMinor: b.costMinor,
  };
}
