// What the account keeps of its meetings, and for how long (issue 14): the
// owner's summary-mail and retention settings, the conferences whose summary
// is due, the participants a summary lists (from the call records), and the
// deletion of old meeting logs. Recordings are deleted through the recording
// store (the row) and the web (the files), as a user's delete is.
/** Ten years: the longest retention an owner may set (migration 015 checks the same bound). */
export const MAX_RETENTION_DAYS = 3650;

export interface MeetingRecordsSettings {
  /** When the owner asked for summaries; null: no summary mails. */
  summaryMailSince: Date | null;
  /** Recordings and meeting logs older than this many days are deleted; 0 keeps them forever. */
  retentionDays: number;
}

/** A conference that ended long enough ago (its call records are in) and has no summary job yet. */
export interface DueSummary {
  accountId: string;
  conferenceId: string;
}

/** One call leg of the conference, as the summary lists it (a CDR: never deleted). */
export interface Participant {
  legId: string;
  direction: 'in' | 'out';
  caller: string;
  callee: string;
  displayName: string;
  role: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  billableSeconds: number | null;
  costMinor: number | null;
}

export interface RetentionAccount {
  accountId: string;
  retentionDays: number;
}

export interface MeetingRecordsStore {
  settings(accountId: string): Promise<MeetingRecordsSettings>;
  /** summaryMail true keeps an earlier `since` (turning it on twice does not move it); false clears it. */
  setSettings(accountId: string, patch: { summaryMail?: boolean; retentionDays?: number }, now: Date): Promise<MeetingRecordsSettings>;
  /**
   * Conferences ended in [endedAfter, endedBefore], since their account asked
   * for summaries, without a job keyed `jobKeyPrefix + conferenceId` —
   * platform-wide, each row with its account; oldest first, at most `limit`.
   * The lower bound keeps the sweep's scan small as the history grows.
   */
  dueSummaries(range: { endedAfter: Date; endedBefore: Date }, jobKeyPrefix: string, limit: number): Promise<DueSummary[]>;
  /** The conference's call legs but relay legs, first started first. */
  participants(accountId: string, conferenceId: string): Promise<Participant[]>;
  /** Accounts with a retention period (retention_days > 0). */
  retentionAccounts(): Promise<RetentionAccount[]>;
  /** Deletes the account's conference events before `before`; how many. */
  deleteEventsBefore(accountId: string, before: Date): Promise<number>;
}
