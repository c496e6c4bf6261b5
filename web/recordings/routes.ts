// Recordings of the account's meetings: the list (by room and days, with the
// storage used), one recording, its audio (WAV as recorded, or MP3) served
// with range requests so the page's player can seek, and delete.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import { idParams, isoDate } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import type { Recording } from '../../core/recordings/store.ts';
import { lastDays, resolvePeriod } from '../billing/period.ts';
import { sendFileWithRanges } from './byte-range.ts';
import type { RecordingListing } from './service.ts';

const TAG = 'recordings';

export const recordingsQuery = z.object({
  roomId: z.uuid().optional(),
  /** First and last day (the account's zone), inclusive; default the last 90 days. */
  from: isoDate.optional(),
  to: isoDate.optional(),
});

const audioQuery = z.object({
  /** 1: as an attachment (download); otherwise inline for the player. */
  download: z.enum(['0', '1']).optional(),
});

/** The days the list covers: the query's, or the last 90 days up to today. */
export function recordingsPeriod(q: z.output<typeof recordingsQuery>, timeZone: string, now: Date) {
  const last = lastDays(90, timeZone, now);
  return resolvePeriod({ period: 'range', from: q.from ?? last.from, to: q.to ?? last.to }, timeZone, now);
}

export function recordingJson(r: Recording, room?: Pick<RecordingListing, 'roomName' | 'roomNumber'>) {
  return {
    id: r.id, conferenceId: r.conferenceId, roomId: r.roomId, roomName: room?.roomName ?? null, roomNumber: room?.roomNumber ?? null,
    startedAt: r.startedAt.toISOString(), endedAt: r.endedAt?.toISOString() ?? null, durationMs: r.durationMs, sizeBytes: r.sizeBytes,
    failure: r.failure, wavUrl: `/api/recordings/${r.id}/audio.wav`, mp3Url: `/api/recordings/${r.id}/audio.mp3`,
  };
}

export function registerRecordingRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/recordings', tag: TAG, access: 'account', summary: 'Recordings started in the days given (of one room if asked), newest first, and the storage all recordings use',
    query: recordingsQuery,
    handler: async (c) => {
      const p = recordingsPeriod(c.query, c.account.timeZone, c.now);
      const [list, usage] = await Promise.all([s.recordings.list(c.accountId, { roomId: c.query.roomId, from: p.from, to: p.to }), s.recordings.usage(c.accountId)]);
      const mine = await s.scope.filter(c, list, (x) => x.recording.roomId);
      return { from: p.fromDay, to: p.toDay, usage, recordings: mine.map((x) => recordingJson(x.recording, x)) };
    },
  });

  api.add({
    method: 'get', path: '/api/recordings/:id', tag: TAG, access: 'account', summary: 'One recording', params: idParams,
    handler: async (c) => {
      await s.scope.recording(c, c.params.id);
      return recordingJson(await s.recordings.get(c.accountId, c.params.id));
    },
  });

  for (const format of ['wav', 'mp3'] as const) {
    api.add({
      method: 'get', path: `/api/recordings/:id/audio.${format}`, tag: TAG, access: 'account', produces: format === 'wav' ? 'audio/wav' : 'audio/mpeg',
      summary: format === 'wav'
        ? 'The recording as written (16-bit PCM WAV, 8 kHz mono); Range requests answer 206 (416 past the end)'
        : 'The recording as MP3 (8 kHz mono, 32 kbit/s; made on first request); Range requests answer 206 (416 past the end)',
      params: idParams, query: audioQuery,
      handler: async (c) => {
        await s.scope.recording(c, c.params.id);
        const file = await s.recordings.file(c.accountId, c.params.id, format, c.query.download === '1');
        await sendFileWithRanges(c.req, c.res, file);
      },
    });
  }

  api.add({
    method: 'delete', path: '/api/recordings/:id', tag: TAG, access: 'account', summary: 'Deletes the recording (its row is marked deleted and its files removed)',
    params: idParams,
    handler: async (c) => {
      await s.scope.recording(c, c.params.id);
      const rec = await s.recordings.delete(c.accountId, c.params.id);
      await c.audit('recording.delete', { target: { type: 'recording', id: rec.id }, data: { conferenceId: rec.conferenceId, sizeBytes: rec.sizeBytes } });
    },
  });
}
