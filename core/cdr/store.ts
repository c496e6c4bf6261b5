// Call records (CDRs) as the web reads them, and the sink the recorder writes to.
import type { CdrSink, LegDirection, LegRecord } from './leg.ts';
import type { DestinationClass } from '../billing/rating.ts';

export interface Cdr extends LegRecord {
  destinationClass: DestinationClass | null;
  billableSeconds: number | null;
  rateId: string | null;
  ratePerMinuteMinor: number | null;
  incrementS: number | null;
  billedSeconds: number | null;
  costMinor: number | null;
  chargedAt: Date | null;
}

export interface CdrQuery {
  from: Date;
  to: Date;
  conferenceId?: string;
  /** Unset: every direction but 'relay' (a relay leg is never the account's record; asked for, it is returned). */
  direction?: LegDirection;
  limit?: number;
  offset?: number;
}

export interface ConferenceBill {
  conferenceId: string;
  roomNumber: string;
  startedAt: Date;
  endedAt: Date | null;
  participants: number;
  billableSeconds: number;
  costMinor: number;
}

export interface CdrTotals { calls: number; billableSeconds: number; costMinor: number }

/**
 * What the account sees: call records, totals, per-meeting bills and the CSV
 * leave out 'relay' legs (core/cdr/leg.ts), so that a caller relayed to
 * another node's room counts once, by its entry node's leg.
 */
export interface CdrStore extends CdrSink {
  /** Any leg of the account by id, a relay leg too (tracing). */
  get(accountId: string, legId: string): Promise<Cdr>;
  /** Call records of an account started in [from, to), newest first. */
  list(accountId: string, q: CdrQuery): Promise<Cdr[]>;
  totals(accountId: string, range: { from: Date; to: Date }): Promise<CdrTotals>;
  /** Per-meeting billing: conferences started in [from, to) with participants (relay legs not counted) and cost, newest first (a page of them with limit/offset). */
  conferenceBills(accountId: string, range: { from: Date; to: Date; limit?: number; offset?: number }): Promise<ConferenceBill[]>;
  exportCsv(accountId: string, q: CdrQuery): Promise<string>;
}
