// The owner's meeting-records settings: summary mail on/off, retention days.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { MAX_RETENTION_DAYS, type MeetingRecordsSettings } from '../../core/meeting-records/store.ts';

export function meetingRecordsJson(s: MeetingRecordsSettings) {
  return { summaryMail: s.summaryMailSince !== null, summaryMailSince: s.summaryMailSince?.toISOString() ?? null, retentionDays: s.retentionDays };
}

export const meetingRecordsBody = z.object({
  summaryMail: z.boolean().optional(),
  retentionDays: z.number().int().min(0).max(MAX_RETENTION_DAYS).optional(),
}).strict();

export function registerMeetingRecordsRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/account/meeting-records', tag: 'account', access: 'admin',
    summary: 'Meeting summary mail (on since when) and the retention of recordings and meeting logs (days; 0 = forever)',
    handler: async (c) => meetingRecordsJson(await s.meetingRecords.get(c.accountId)),
  });
  api.add({
    method: 'put', path: '/api/account/meeting-records', tag: 'account', access: 'admin',
    summary: 'Sets the summary mail (to the room\'s organizer, else the owners, after each meeting that ends from now on) and the retention days (recordings and meeting logs older are deleted daily; call records are kept)',
    body: meetingRecordsBody,
    handler: async (c) => {
      const settings = await s.meetingRecords.set(c.accountId, c.body, c.now);
      await c.audit('account.meeting_records', { data: { ...c.body } });
      return meetingRecordsJson(settings);
    },
  });
}
