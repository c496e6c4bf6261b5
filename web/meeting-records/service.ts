// The owner's meeting-records settings: a summary mail after each meeting,
// and how long recordings and meeting logs are kept.
import type { Repositories } from '../../core/repositories.ts';
import type { MeetingRecordsSettings } from '../../core/meeting-records/store.ts';

export class MeetingRecordsService {
  constructor(private readonly repos: Pick<Repositories, 'meetingRecords'>) {}

  get(accountId: string): Promise<MeetingRecordsSettings> {
    return this.repos.meetingRecords.settings(accountId);
  }

  set(accountId: string, patch: { summaryMail?: boolean | undefined; retentionDays?: number | undefined }, now: Date): Promise<MeetingRecordsSettings> {
    return this.repos.meetingRecords.setSettings(accountId, {
      ...(patch.summaryMail !== undefined ? { summaryMail: patch.summaryMail } : {}),
      ...(patch.retentionDays !== undefined ? { retentionDays: patch.retentionDays } : {}),
    }, now);
  }
}
