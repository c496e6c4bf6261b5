// The meeting summary mail, exactly once per conference. A conference may be
// ended by a bridge process that has no scheduler, so nothing is queued when
// it ends: the web's scheduler sweeps for conferences ended at least
// `settleMs` ago (the call records reach the database a little after the
// end) whose account asked for summaries, and queues one job per conference
// under the dedupe key `summary:<conferenceId>` (a second scheduler's sweep
// adds nothing). The job mails the room's organizer, or else the account's
// owners, each once (the mail's own dedupe key), in their language, with the
// account's branding in an HTML part when it has one (web/mail/branded.ts).
import type { Repositories } from '../../core/repositories.ts';
import type { Job, JobPayload } from '../../core/scheduler/store.ts';
import type { JobHandler } from '../../core/scheduler/runner.ts';
import type { Room } from '../../core/rooms/store.ts';
import type { User } from '../../core/users/store.ts';
import { NotFoundError, ValidationError } from '../../core/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { isLocale } from '../i18n/messages.ts';
import type { MailService } from '../mail/mailer.ts';
import { summaryMail } from './summary-mail.ts';
import { brandMail, mailBrandingOf } from '../mail/branded.ts';

const log = moduleLogger('web', { part: 'meeting-summary' });

export const SUMMARY_JOB = 'meeting_summary';
export const SUMMARY_KEY_PREFIX = 'summary:';
/** Call records are written shortly after a leg ends (the CDR writer batches); a minute is ample. */
export const DEFAULT_SUMMARY_SETTLE_MS = 60_000;
/** Conferences queued per sweep; the next tick takes the rest. */
const SWEEP_LIMIT = 100;
/**
 * A meeting whose summary was not queued within two days (every web process
 * down that long) gets none: a summary that late is news to nobody, and the
 * bound keeps each sweep's scan to the last days' conferences.
 */
const MAX_SUMMARY_AGE_MS = 2 * 86_400_000;

type Repos = Pick<Repositories, 'meetingRecords' | 'jobs' | 'conferences' | 'accounts' | 'rooms' | 'users' | 'recordings' | 'branding'>;

export interface SummaryOptions {
  publicUrl: string;
  defaultRegion: string;
}

interface SummaryPayload extends JobPayload { accountId: string; conferenceId: string }

const isSummaryPayload = (p: JobPayload): p is SummaryPayload => typeof p.accountId === 'string' && typeof p.conferenceId === 'string';

/** Queues a summary job for each conference that is due; how many were new. */
export async function planSummaries(repos: Repos, now: Date, settleMs: number): Promise<number> {
  const range = { endedAfter: new Date(now.getTime() - settleMs - MAX_SUMMARY_AGE_MS), endedBefore: new Date(now.getTime() - settleMs) };
  const due = await repos.meetingRecords.dueSummaries(range, SUMMARY_KEY_PREFIX, SWEEP_LIMIT);
  let added = 0;
  for (const d of due) {
    const payload: SummaryPayload = { accountId: d.accountId, conferenceId: d.conferenceId };
    if (await repos.jobs.enqueue({ kind: SUMMARY_JOB, runAt: now, payload, dedupeKey: `${SUMMARY_KEY_PREFIX}${d.conferenceId}` })) added++;
  }
  if (added > 0) log.info({ added }, 'meeting summaries queued');
  return added;
}

export function summaryJob(repos: Repos, mail: MailService, opts: SummaryOptions): JobHandler {
  return async (job: Job) => {
    const p = job.payload;
    if (!isSummaryPayload(p)) throw new ValidationError(`summary job ${job.id} has a malformed payload`, 'payload');
    const settings = await repos.meetingRecords.settings(p.accountId);
    if (!settings.summaryMailSince) { log.info({ job: job.id, conference: p.conferenceId }, 'summaries turned off since; none sent'); return; }
    const [account, conference] = await Promise.all([repos.accounts.get(p.accountId), repos.conferences.get(p.accountId, p.conferenceId)]);
    const room = conference.roomId ? await repos.rooms.get(p.accountId, conference.roomId).catch(notFoundAsUndefined) : undefined;
    const [participants, recordings, to] = await Promise.all([
      repos.meetingRecords.participants(p.accountId, p.conferenceId),
      repos.recordings.list(p.accountId, { conferenceId: p.conferenceId, limit: 100 }),
      recipients(repos, p.accountId, room),
    ]);
    const brand = await mailBrandingOf(repos.branding, account);
    if (to.length === 0) log.warn({ account: p.accountId, conference: p.conferenceId }, 'meeting summary: nobody to mail (no owner or organizer has an address)');
    for (const u of to) {
      const locale = isLocale(u.locale) ? u.locale : 'zh-CN';
      const text = summaryMail({
        account, conference, roomName: room?.name ?? null, participants, recordings, locale, publicUrl: opts.publicUrl, defaultRegion: opts.defaultRegion,
      }, u.email!);
      // A branded account's summary has its HTML part too (logo inline, colours, slogan).
      const m = brand ? brandMail(text, brand, locale) : text;
      await mail.sendOnce(p.accountId, m, `${SUMMARY_KEY_PREFIX}${p.conferenceId}:${u.email!}`);
    }
    log.info({ job: job.id, conference: p.conferenceId, participants: participants.length, mails: to.length }, 'meeting summary mailed');
  };
}

function notFoundAsUndefined(err: unknown): undefined {
  if (err instanceof NotFoundError) return undefined;
  throw err;
}

/** The room's organizer when set and reachable, else every owner with an address. */
async function recipients(repos: Repos, accountId: string, room: Room | undefined): Promise<User[]> {
  const users = (await repos.users.listByAccount(accountId)).filter((u) => u.email);
  const organizer = room?.organizerUserId ? users.find((u) => u.id === room.organizerUserId) : undefined;
  return organizer ? [organizer] : users.filter((u) => u.role === 'owner');
}
