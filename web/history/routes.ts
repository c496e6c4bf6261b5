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
    method: 'get', path: '/api/history', tag: TAG, access: 'owner', summary: 'Conferences (runs of rooms) started in the period, newest first',
    query: periodQuery,
    handler: async (c) => {
      const p = resolvePeriod(c.query, c.account.timeZone, c.now);
      const [list, rooms] = await Promise.all([s.repos.conferences.listByAccount(c.accountId, { from: p.from, to: p.to, limit: 1000 }), s.repos.rooms.list(c.accountId)]);
      const names = new Map(rooms.map((r) => [r.id, r.name]));
      return list.map((x) => conferenceJson(x, x.roomId ? names.get(x.roomId) ?? null : null));
    },
  });

  api.add({
    method: 'get', path: '/api/history/:id', tag: TAG, access: 'owner', summary: 'One conference with its event log and participants (call legs)',
    params: idParams,
    handler: async (c) => {
      const conf = await s.repos.conferences.get(c.accountId, c.params.id);
      const [events, legs] = await Promise.all([
        s.repos.conferences.listEvents(c.accountId, conf.id),
        s.repos.cdrs.list(c.accountId, { from: new Date(conf.startedAt.getTime() - 86_400_000), to: new Date((conf.endedAt ?? c.now).getTime() + 86_400_000), conferenceId: conf.id, limit: 5000 }),
      ]);
      const room = conf.roomId ? await s.repos.rooms.get(c.accountId, conf.roomId).catch(() => null) : null;
      return { ...conferenceJson(conf, room?.name ?? null), events: events.map(eventJson), participants: legs.map(cdrJson) };
    },
  });

  api.add({
    method: 'get', path: '/api/history/:id/events.csv', tag: TAG, access: 'owner', produces: 'text/csv', summary: 'The conference\'s event log as CSV',
    params: idParams,
    handler: async (c) => {
      const conf = await s.repos.conferences.get(c.accountId, c.params.id);
      return new Download(`meeting-${conf.roomNumber}-${conf.startedAt.toISOString().slice(0, 10)}-events.csv`, 'text/csv; charset=utf-8',
        eventsCsv(await s.repos.conferences.listEvents(c.accountId, conf.id)));
    },
  });

  api.add({
    method: 'post', path: '/api/history/:id/restart', tag: TAG, access: 'owner', status: 201,
    summary: 'Start again: a new meeting (new number and PINs) with the settings of this conference\'s room, starting now',
    params: idParams, body: z.object({}).strict().optional(),
    handler: async (c) => {
      const room = await s.rooms.restart(c.account, c.userId, c.params.id, c.now);
      await s.repos.audit.append({ accountId: c.accountId, userId: c.userId, actor: `user:${c.userId}`, action: 'room.restart', targetType: 'room', targetId: room.id, data: { conferenceId: c.params.id } });
      return roomJson(room, c.account.timeZone);
    },
  });
}
