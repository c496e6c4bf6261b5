// The web's timed work, run by the scheduler loop of the processes with a web
// (BRIDGE_ROLE all and web; app/roles.ts): each tick runs the due jobs
// (reminders, meeting summaries, the daily retention run), queues the
// summaries of meetings that ended and today's retention run, retries the
// queued mail that is due, and now and then plans
// every room's reminders again (a room created by another process, or a
// missed run, is caught up). Any number of processes may run it on one
// database: jobs and mails are claimed row by row (FOR UPDATE SKIP LOCKED).
import type { Repositories } from '../core/repositories.ts';
import { JobRunner, type RunnerOptions } from '../core/scheduler/runner.ts';
import { REMINDER_JOB, ReminderPlanner } from '../core/scheduler/planner.ts';
import { moduleLogger } from '../common/log.ts';
import { MailService, smtpTransport, type MailRetryPolicy, type MailTransport } from './mail/mailer.ts';
import type { WebConfig } from './config.ts';
import { RoomService } from './rooms/service.ts';
import { reminderJob } from './rooms/reminder-job.ts';
import { DEFAULT_SUMMARY_SETTLE_MS, SUMMARY_JOB, planSummaries, summaryJob } from './meeting-records/summary-job.ts';
import { RETENTION_JOB, planRetention, retentionJob } from './meeting-records/retention-job.ts';

const log = moduleLogger('web', { part: 'scheduler' });

export interface SchedulerOptions {
  now?: () => Date;
  /** Default: SMTP from the config, or none (mail is kept in the outbox). */
  mailer?: MailTransport;
  mailRetry?: Partial<MailRetryPolicy>;
  worker?: string;
  /** Default 15 s. */
  tickMs?: number;
  /** Default 10 min. */
  planEveryMs?: number;
  runner?: Omit<RunnerOptions, 'now' | 'worker'>;
  /** How long after a conference's end its summary is queued (its call records are in by then); default 60 s. */
  summarySettleMs?: number;
}

export interface TickResult { jobs: number; mails: number; planned: number; summaries: number }

export class Scheduler {
  readonly runner: JobRunner;
  readonly mail: MailService;
  private readonly planner: ReminderPlanner;
  private readonly now: () => Date;
  private lastPlan = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private stopped = false;

  constructor(private readonly repos: Repositories, config: WebConfig, private readonly opts: SchedulerOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    const transport = opts.mailer ?? (config.smtp ? smtpTransport(config.smtp) : undefined);
    this.mail = new MailService(repos.outbox, transport, this.now, opts.mailRetry);
    const rooms = new RoomService(repos, this.mail, config.defaultRegion, config.publicUrl);
    this.planner = new ReminderPlanner(repos);
    this.runner = new JobRunner(repos.jobs, { ...opts.runner, now: this.now, ...(opts.worker ? { worker: opts.worker } : {}) })
      .handle(REMINDER_JOB, reminderJob(repos, rooms))
      .handle(SUMMARY_JOB, summaryJob(repos, this.mail, { publicUrl: config.publicUrl ?? 'http://localhost:8080', defaultRegion: config.defaultRegion }))
      .handle(RETENTION_JOB, retentionJob(repos));
  }

  private get settleMs(): number {
    return this.opts.summarySettleMs ?? DEFAULT_SUMMARY_SETTLE_MS;
  }

  /** One pass: plan (when due), queue due summaries and today's retention run, run due jobs, retry due mail. */
  async tick(): Promise<TickResult> {
    const now = this.now();
    let planned = 0;
    if (now.getTime() - this.lastPlan >= (this.opts.planEveryMs ?? 600_000)) {
      planned = await this.planner.planAll(now);
      this.lastPlan = now.getTime();
    }
    // Both are idempotent (dedupe keys): every tick of every scheduler may ask.
    const summaries = await planSummaries(this.repos, now, this.settleMs);
    await planRetention(this.repos, now);
    const jobs = await this.runner.tick();
    const mails = await this.mail.deliverDue();
    return { jobs: jobs.length, mails: mails.length, planned, summaries };
  }

  /** Ticks until stop(); the next tick is set after this one ends, so ticks never overlap. */
  start(): void {
    if (this.stopped || this.timer || this.current) return;
    const loop = (): void => {
      this.current = this.tick().catch((err: unknown) => { log.error({ err, worker: this.runner.worker }, 'scheduler tick failed'); })
        .finally(() => {
          this.current = undefined;
          if (!this.stopped) this.timer = setTimeout(loop, this.opts.tickMs ?? 15_000);
        });
    };
    loop();
    log.info({ worker: this.runner.worker }, 'scheduler started');
  }

  /** Stops the loop and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.current;
  }
}
