// Timed work kept in the database: a job runs at `runAt`, once, whichever
// scheduler process claims it first. Claiming leases the job to one worker
// until `lockedUntil`; a worker that dies leaves a lease that lapses, and the
// job is claimed again. The dedupe key makes enqueueing idempotent: planning
// the same occurrence twice (two planners, a restart) adds one job.
export type JobStatus = 'pending' | 'running' | 'done' | 'failed';

export type JobPayload = Record<string, string | number | boolean | null>;

export interface Job {
  id: string;
  kind: string;
  runAt: Date;
  payload: JobPayload;
  status: JobStatus;
  attempts: number;
  lastError: string | null;
  lockedBy: string | null;
  lockedUntil: Date | null;
  dedupeKey: string;
  createdAt: Date;
  finishedAt: Date | null;
}

export interface NewJob {
  kind: string;
  runAt: Date;
  payload: JobPayload;
  dedupeKey: string;
}

/** A room whose reminders the planner keeps planned (platform-wide; the row carries its account). */
export interface ReminderRoom {
  accountId: string;
  roomId: string;
}

export interface JobStore {
  /** Adds the job; false when a job with its dedupe key exists already (nothing changes). */
  enqueue(job: NewJob): Promise<boolean>;
  /**
   * Leases up to `limit` due jobs (pending with runAt ≤ now, or running with a
   * lapsed lease) to `worker` until now + leaseMs, and returns them. Rows
   * another worker is claiming at the same moment are skipped, not waited for.
   */
  claimDue(worker: string, now: Date, opts: { leaseMs: number; limit: number }): Promise<Job[]>;
  /** Marks a job this worker holds done; false when the lease was lost (another worker has it now). */
  complete(id: string, worker: string, now: Date): Promise<boolean>;
  /** Gives a failed run back: pending again at `retryAt`, or failed for good when retryAt is null. */
  fail(id: string, worker: string, error: string, retryAt: Date | null, now: Date): Promise<boolean>;
  get(id: string): Promise<Job | undefined>;
  /** Jobs by kind and/or dedupe-key prefix, oldest run time first (operators, tests). */
  list(filter?: { kind?: string; dedupePrefix?: string; limit?: number }): Promise<Job[]>;
  /** Rooms with an e-mail reminder set, for the planner. */
  reminderRooms(): Promise<ReminderRoom[]>;
}
