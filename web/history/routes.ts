// History: past conferences, their event log (JSON and CSV) and participants;
// "start again" makes a new meeting with the same settings.
import { z } from 'zod';
import { stringify } from 'csv-stringify/sync';
import { Download, type ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import { csvSafe } from '../../core/contacts/csv.ts';
import type { Conference, ConferenceEvent } from '../../core/conferences/store.ts';
import { periodQuery, resolvePeriod } from '../billing/period.ts';
import { cdrJson } from '../billing/service.ts';
import { roomJson } from '../rooms/views.ts';

const TAG = 'history';

export function conferenceJson(c: Conference, roomName: string | null) {
  return {
    id: c.id, roomId: c.roomId, roomNumber: c.roomNumber, roomName, startedAt: c.startedAt.toISOString(), endedAt: c.endedAt?.toISOString() ?? null,
    durationSeconds: c.endedAt ? Math.round((c.endedAt.getTime() - c.startedAt.getTime()) / 1000) : null, endReason: c.endReason, locked: c.locked,
    extendedMinutes: c.extendedMinutes,
  };
}

export function eventJson(e: ConferenceEvent) {
  return { id: e.id, at: e.at.toISOString(), kind: e.kind, legId: e.legId, actor: e.actor, data: e.data };
}

export function eventsCsv(events: ConferenceEvent[]): string {
  return '\uFEFF' + stringify(events.map((e) => [e.at.toISOString(), e.kind, e.actor, e.legId ?? '', JSON.stringify(e.data)].map(csvSafe)), {
    header: true, columns: ['at', 'event', 'actor', 'leg', 'data'],
  });
}

export function registerHistoryRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/history', tag: TAG, access: 'account', summary: 'Conferences (runs of rooms) started in the period, newest first',
    query: periodQuery,
    handler: async (c) => {
      const p = resolvePeriod(c.query, c.account.timeZone, c.now);
      return (await s.scope.filter(c, await s.history.list(c.accountId, p), (x) => x.conference.roomId)).map((x) => conferenceJson(x.conference, x.roomName));
    },
  });

  api.add({
    method: 'get', path: '/api/history/:id', tag: TAG, access: 'account', summary: 'One conference with its event log and participants (call legs)',
    params: idParams,
    handler: async (c) => {
      await s.scope.conference(c, c.params.id);
      const d = await s.history.detail(c.accountId, c.params.id, c.now);
      return { ...conferenceJson(d.conference, d.room?.name ?? null), events: d.events.map(eventJson), participants: d.participants.map(cdrJson) };
    },
  });

  api.add({
    method: 'get', path: '/api/history/:id/events.csv', tag: TAG, access: 'account', produces: 'text/csv', summary: 'The conference\'s event log as CSV',
    params: idParams,
    handler: async (c) => {
      await s.scope.conference(c, c.params.id);
      const { conference: conf, events } = await s.history.eventLog(c.accountId, c.params.id);
      return new Download(`meeting-${conf.roomNumber}-${conf.startedAt.toISOString().slice(0, 10)}-events.csv`, 'text/csv; charset=utf-8', eventsCsv(events));
    },
  });

  api.add({
    method: 'post', path: '/api/history/:id/restart', tag: TAG, access: 'account', status: 201,
    summary: 'Start again: a new meeting (new number and PINs) with the settings of this conference\'s room, starting now',
    params: idParams, body: z.object({}).strict().optional(),
    handler: async (c) => {
      await s.scope.conference(c, c.params.id);
      const room = await s.rooms.restart(c.account, c.userId, c.params.id, c.now);
      await c.audit('room.restart', { target: { type: 'room', id: room.id }, data: { conferenceId: c.params.id } });
      return roomJson(room, c.account.timeZone);
    },
  });
}
