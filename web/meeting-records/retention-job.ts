// Retention: once a day (the job's dedupe key names the UTC day, so of
// several schedulers one runs it, once), each account with a retention
// period loses its recordings started before now − N days — the row marked
// deleted and the files removed, exactly as a user's delete does — and its
// conference events (the meeting log) from before then. Call records
// (call_legs) are never touched: billing and invoices depend on them.
import type { Repositories } from '../../core/repositories.ts';
import type { Job } from '../../core/scheduler/store.ts';
import type { JobHandler } from '../../core/scheduler/runner.ts';
import { NotFoundError } from '../../core/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { RecordingService } from '../recordings/service.ts';

const log = moduleLogger('web', { part: 'retention' });

export const RETENTION_JOB = 'retention';
const DAY = 86_400_000;
/** Recordings looked at per pass, and passes per account per run (a backlog is finished the next day). */
const PAGE = 200;
const MAX_PASSES = 50;

type Repos = Pick<Repositories, 'meetingRecords' | 'recordings' | 'rooms' | 'jobs'>;

export const retentionKey = (now: Date): string => `retention:${now.toISOString().slice(0, 10)}`;

/** Queues today's retention run (nothing when it is queued already). */
export function planRetention(repos: Repos, now: Date): Promise<boolean> {
  return repos.jobs.enqueue({ kind: RETENTION_JOB, runAt: now, payload: {}, dedupeKey: retentionKey(now) });
}

export interface RetentionTally { accounts: number; recordings: number; events: number }

/** Applies every account's retention period at `now`. */
export async function applyRetention(repos: Repos, now: Date): Promise<RetentionTally> {
  const recordings = new RecordingService(repos);
  const tally: RetentionTally = { accounts: 0, recordings: 0, events: 0 };
  for (const a of await repos.meetingRecords.retentionAccounts()) {
    const cutoff = new Date(now.getTime() - a.retentionDays * DAY);
    try {
      tally.recordings += await deleteRecordings(repos, recordings, a.accountId, cutoff);
      tally.events += await repos.meetingRecords.deleteEventsBefore(a.accountId, cutoff);
      tally.accounts++;
    } catch (err) {
      // One account's trouble (a file system error) does not keep the others' data.
      log.error({ err, account: a.accountId }, 'retention failed for an account');
    }
  }
  return tally;
}

async function deleteRecordings(repos: Repos, service: RecordingService, accountId: string, cutoff: Date): Promise<number> {
  let deleted = 0;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const old = await repos.recordings.list(accountId, { to: cutoff, limit: PAGE });
    // A recording still being written is left for a later run (the engine holds its file).
    const ended = old.filter((r) => r.endedAt !== null);
    for (const r of ended) {
      // Deleted by the user meanwhile: gone either way.
      if (await service.delete(accountId, r.id).then(() => true, (err: unknown) => { if (err instanceof NotFoundError) return false; throw err; })) deleted++;
    }
    if (old.length < PAGE || ended.length === 0) break;
  }
  return deleted;
}

export function retentionJob(repos: Repos): JobHandler {
  return async (job: Job, now: Date) => {
    const tally = await applyRetention(repos, now);
    log.info({ job: job.id, ...tally }, 'retention applied');
  };
}
