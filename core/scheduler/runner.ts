// The scheduler's hands: each tick claims the due jobs (JobStore.claimDue
// leases each to this worker), runs each kind's handler, and marks the job
// done — or pending again after a backoff, or failed after `maxAttempts`.
// Several runners may share one database: the claim gives each job to one of
// them. The clock is injected, so tests step time instead of sleeping; the loop
// that calls tick() is the caller's (web/scheduler.ts).
import { randomUUID } from 'node:crypto';
import { moduleLogger } from '../../common/log.ts';
import type { Job, JobStore } from './store.ts';

const log = moduleLogger('core', { part: 'scheduler' });

export type JobHandler = (job: Job, now: Date) => Promise<void>;

export interface RunnerOptions {
  /** This worker's name in locked_by (default: a random one per runner). */
  worker?: string;
  now?: () => Date;
  /** How long a claimed job is this worker's; longer than any handler takes. */
  leaseMs?: number;
  /** Jobs claimed per tick. */
  batch?: number;
  maxAttempts?: number;
  /** Delay before the n-th retry: retryBaseMs · 2^(n-1), at most one hour. */
  retryBaseMs?: number;
  /** Called after every tick with the jobs it ran (tests wait on it). */
  afterTick?: (ran: Job[]) => void;
}

const HOUR = 3_600_000;

export class JobRunner {
  readonly worker: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly now: () => Date;

  constructor(private readonly jobs: JobStore, private readonly opts: RunnerOptions = {}) {
    this.worker = opts.worker ?? `scheduler-${randomUUID().slice(0, 8)}`;
    this.now = opts.now ?? (() => new Date());
  }

  /** One handler per kind; a job of a kind nobody handles fails with that error. */
  handle(kind: string, handler: JobHandler): this {
    this.handlers.set(kind, handler);
    return this;
  }

  /** Claims and runs what is due now; resolves with the jobs it ran. */
  async tick(): Promise<Job[]> {
    const now = this.now();
    const claimed = await this.jobs.claimDue(this.worker, now, { leaseMs: this.opts.leaseMs ?? 5 * 60_000, limit: this.opts.batch ?? 20 });
    for (const job of claimed) await this.runOne(job, now);
    this.opts.afterTick?.(claimed);
    return claimed;
  }

  private async runOne(job: Job, now: Date): Promise<void> {
    const handler = this.handlers.get(job.kind);
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      await handler(job, now);
      if (!await this.jobs.complete(job.id, this.worker, this.now())) log.warn({ job: job.id, kind: job.kind }, 'job lease lost before completion');
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const max = this.opts.maxAttempts ?? 5;
      const retryAt = handler && job.attempts < max
        ? new Date(this.now().getTime() + Math.min(HOUR, (this.opts.retryBaseMs ?? 60_000) * 2 ** (job.attempts - 1)))
        : null;
      log.warn({ err, job: job.id, kind: job.kind, attempts: job.attempts, retryAt }, retryAt ? 'job failed; will retry' : 'job failed for good');
      await this.jobs.fail(job.id, this.worker, message, retryAt, this.now());
    }
  }
}
