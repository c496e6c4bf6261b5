// The web's timed work, run by the scheduler loop of the processes with a web
// (BRIDGE_ROLE all and web; app/roles.ts): each tick runs the due jobs
// (reminders), retries the queued mail that is due, and now and then plans
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
}

export interface TickResult { jobs: number; mails: number; planned: number }

export class Scheduler {
  readonly runner: JobRunner;
  readonly mail: MailService;
  private readonly planner: ReminderPlanner;
  private readonly now: () => Date;
  private lastPlan = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private stopped = false;

  constructor(repos: Repositories, config: WebConfig, private readonly opts: SchedulerOptions = {}) {
    this.now = opts.now ?? (() => new Date());
    const transport = opts.mailer ?? (config.smtp ? smtpTransport(config.smtp) : undefined);
    this.mail = new MailService(repos.outbox, transport, this.now, opts.mailRetry);
    const rooms = new RoomService(repos, this.mail, config.defaultRegion);
    this.planner = new ReminderPlanner(repos);
    this.runner = new JobRunner(repos.jobs, { ...opts.runner, now: this.now, ...(opts.worker ? { worker: opts.worker } : {}) })
      .handle(REMINDER_JOB, reminderJob(repos, rooms));
  }

  /** One pass: plan (when due), run due jobs, retry due mail. */
  async tick(): Promise<TickResult> {
    const now = this.now();
    let planned = 0;
    if (now.getTime() - this.lastPlan >= (this.opts.planEveryMs ?? 600_000)) {
      planned = await this.planner.planAll(now);
      this.lastPlan = now.getTime();
    }
    const jobs = await this.runner.tick();
    const mails = await this.mail.deliverDue();
    return { jobs: jobs.length, mails: mails.length, planned };
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
