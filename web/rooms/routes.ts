// Rooms, meetings and templates: the JSON API.
import { z } from 'zod';
import { Download, type ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import type { WebServices } from '../services.ts';
import type { ScopeCaller } from '../members/scope.ts';
import { NotFoundError } from '../../core/errors.ts';
import { createRoomSchema, invitationRequestSchema, templateCreateSchema, templatePatchSchema, updateRoomSchema } from './schemas.ts';
import { detailJson, roomJson, summaryJson, templateJson } from './views.ts';

const TAG = 'rooms';

export function registerRoomRoutes(api: ApiRouter, s: WebServices): void {
  registerRoomCrud(api, s);
  registerInvitationRoutes(api, s);
  registerTemplateRoutes(api, s);
}

function registerRoomCrud(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/rooms', tag: TAG, access: 'account', summary: 'Rooms and meetings of the account, with their status',
    query: z.object({ status: z.enum(['live', 'open', 'planned', 'past']).optional() }),
    handler: async (c) => {
      const me = s.scope.organizerOf(c);
      const list = (await s.rooms.list(c.account, c.now)).filter((r) => me === null || r.room.organizerUserId === me);
      return list.filter((r) => !c.query.status || r.status === c.query.status).map((r) => summaryJson(r, c.account.timeZone));
    },
  });

  api.add({
    method: 'post', path: '/api/rooms', tag: TAG, access: 'account', status: 201,
    summary: 'Create a room or meeting (number and PINs generated unless given); optionally e-mail invitations',
    body: createRoomSchema,
    handler: async (c) => {
      const room = await s.rooms.create(c.account, c.userId, ownRoomInput(s, c, c.body), c.now);
      const invitations = c.body.invite ? await s.rooms.sendInvitations(c.account, room, c.body.invite, c.locale, c.now) : null;
      await c.audit('room.create', { target: { type: 'room', id: room.id } });
      return { ...roomJson(room, c.account.timeZone), invitations };
    },
  });

  api.add({
    method: 'get', path: '/api/rooms/:id', tag: TAG, access: 'account', summary: 'A room with its next occurrences and auto-invite list',
    params: idParams,
    handler: async (c) => {
      await s.scope.room(c, c.params.id);
      const sum = await s.rooms.get(c.account, c.params.id, c.now);
      return detailJson(sum, c.account.timeZone, s.rooms.nextOccurrences(sum.room, c.account.timeZone, c.now), await s.rooms.autoInvites(c.accountId, sum.room.id));
    },
  });

  api.add({
    method: 'patch', path: '/api/rooms/:id', tag: TAG, access: 'account', summary: 'Change a room (any field); optionally e-mail invitations',
    params: idParams, body: updateRoomSchema,
    handler: async (c) => {
      await s.scope.room(c, c.params.id);
      const room = await s.rooms.update(c.account, c.params.id, ownRoomInput(s, c, c.body), { locale: c.locale, now: c.now });
      const invitations = c.body.invite ? await s.rooms.sendInvitations(c.account, room, c.body.invite, c.locale, c.now) : null;
      await c.audit('room.update', { target: { type: 'room', id: room.id } });
      return { ...roomJson(room, c.account.timeZone), invitations };
    },
  });

  api.add({
    method: 'delete', path: '/api/rooms/:id', tag: TAG, access: 'account', summary: 'Delete a room (its past conferences stay in the history)',
    params: idParams,
    handler: async (c) => {
      await s.scope.room(c, c.params.id);
      await s.rooms.delete(c.accountId, c.params.id, { locale: c.locale, now: c.now });
      await c.audit('room.delete', { target: { type: 'room', id: c.params.id } });
    },
  });
}

/**
 * An organizer's rooms are theirs: a new room is organised by them, and
 * naming another organizer is naming an id they cannot see (404).
 */
function ownRoomInput<T extends { organizerUserId?: string | null | undefined }>(s: WebServices, c: ScopeCaller & { userId: string }, body: T): T {
  if (s.scope.organizerOf(c) === null) return body;
  if (body.organizerUserId !== undefined && body.organizerUserId !== c.userId) throw new NotFoundError('user', String(body.organizerUserId));
  return { ...body, organizerUserId: c.userId };
}

function registerInvitationRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'post', path: '/api/rooms/:id/invitations', tag: TAG, access: 'account',
    summary: 'E-mail the invitation (access numbers, room number, PIN, .ics) to addresses and contact groups',
    params: idParams, body: invitationRequestSchema,
    handler: async (c) => {
      await s.scope.room(c, c.params.id);
      const room = await s.rooms.room(c.accountId, c.params.id);
      return s.rooms.sendInvitations(c.account, room, c.body, c.locale, c.now);
    },
  });

  api.add({
    method: 'get', path: '/api/rooms/:id/invitation.ics', tag: TAG, access: 'account', produces: 'text/calendar',
    summary: 'The meeting as an iCalendar file', params: idParams,
    handler: async (c) => {
      await s.scope.room(c, c.params.id);
      const { room, ics } = await s.rooms.invitationIcs(c.account, c.params.id, c.locale, c.now);
      return new Download(`meeting-${room.number}.ics`, 'text/calendar; charset=utf-8', ics);
    },
  });
}

function registerTemplateRoutes(api: ApiRouter, s: WebServices): void {
  api.add({
    method: 'get', path: '/api/templates', tag: TAG, access: 'account', summary: 'Room templates of the account',
    handler: async (c) => (await s.templates.list(c.accountId)).map(templateJson),
  });

  api.add({
    method: 'post', path: '/api/templates', tag: TAG, access: 'account', status: 201, summary: 'Save a room\'s settings as a template',
    body: templateCreateSchema,
    handler: async (c) => templateJson(await s.scope.room(c, c.body.roomId).then(() => s.templates.saveFromRoom(c.accountId, c.body.roomId, c.body.name, c.body.isDefault))),
  });

  api.add({
    method: 'patch', path: '/api/templates/:id', tag: TAG, access: 'account', summary: 'Rename a template or make it the default',
    params: idParams, body: templatePatchSchema,
    handler: async (c) => templateJson(await s.templates.update(c.accountId, c.params.id, {
      ...(c.body.name !== undefined ? { name: c.body.name } : {}), ...(c.body.isDefault !== undefined ? { isDefault: c.body.isDefault } : {}),
    })),
  });

  api.add({
    method: 'delete', path: '/api/templates/:id', tag: TAG, access: 'account', summary: 'Delete a template', params: idParams,
    handler: async (c) => { await s.templates.delete(c.accountId, c.params.id); },
  });
}
