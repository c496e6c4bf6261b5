// Listen-in links' JSON API (issue 17): the owner's (a room's links: list,
// create, revoke — an organizer only on their own rooms; audited) with the
// listeners count the live console shows; and the public listener's
// (password + receive-only offer → answer; stop), CSRF by the pre-session
// cookie the listen page sets.
import { z } from 'zod';
import type { ApiRouter } from '../http/api-router.ts';
import { idParams } from '../http/schemas.ts';
import { conferenceParams } from '../live/schemas.ts';
import type { WebServices } from '../services.ts';
import { LISTEN_MAX_LISTENERS, LISTEN_PASSWORD_MAX, LISTEN_PASSWORD_MIN } from '../../core/listen-links/store.ts';
import { offerSdp } from './join-routes.ts';
import type { ListenService } from './listen-service.ts';

const TAG = 'listen';

export function registerListenRoutes(api: ApiRouter, s: WebServices, listen: ListenService): void {
  api.add({
    method: 'get', path: '/api/rooms/:id/listen-links', tag: TAG, access: 'account', summary: 'The room\'s listen-in links, newest first, with how many listen through each now',
    params: idParams,
    handler: async (c) => { await s.scope.room(c, c.params.id); return { links: await listen.list(c.accountId, c.params.id) }; },
  });
  api.add({
    method: 'post', path: '/api/rooms/:id/listen-links', tag: TAG, access: 'account', status: 201,
    summary: 'Create a listen-in link: a password (6–128 characters), valid for up to 7 days, at most maxListeners at once',
    params: idParams,
    body: z.object({
      password: z.string().min(LISTEN_PASSWORD_MIN).max(LISTEN_PASSWORD_MAX),
      validMinutes: z.number().int().min(1).max(7 * 24 * 60), maxListeners: z.number().int().min(1).max(LISTEN_MAX_LISTENERS),
    }).strict(),
    handler: async (c) => {
      await s.scope.room(c, c.params.id);
      const link = await listen.create(c.accountId, c.params.id, c.body, c.userId);
      await c.audit('listen_link.create', { target: { type: 'room', id: c.params.id }, data: { linkId: link.id, expiresAt: link.expiresAt, maxListeners: link.maxListeners } });
      return link;
    },
  });
  api.add({
    method: 'post', path: '/api/rooms/:id/listen-links/:linkId/revoke', tag: TAG, access: 'account', summary: 'Revoke a listen-in link: nobody new listens through it',
    params: idParams.extend({ linkId: z.uuid() }),
    handler: async (c) => {
      await s.scope.room(c, c.params.id);
      const link = await listen.revoke(c.accountId, c.params.id, c.params.linkId);
      await c.audit('listen_link.revoke', { target: { type: 'room', id: c.params.id }, data: { linkId: link.id } });
      return link;
    },
  });
  api.add({
    method: 'get', path: '/api/live/:conferenceId/listeners', tag: TAG, access: 'account', summary: 'How many listen to the running conference through its room\'s listen-in links',
    params: conferenceParams,
    handler: async (c) => {
      await s.scope.conference(c, c.params.conferenceId);
      const conf = await s.live.conference(c.accountId, c.params.conferenceId);
      return { listeners: conf.roomId ? await listen.listenersOf(c.accountId, conf.roomId) : 0 };
    },
  });
  api.add({
    method: 'post', path: '/api/listen/:id', tag: TAG, access: 'public',
    summary: 'Listen in: the link\'s password and a receive-only WebRTC offer → the answer. 403 wrong password, 410 expired or revoked, 429 too many attempts (5 per link and per address in 10 min), 409 full or not running',
    params: idParams,
    body: z.object({ password: z.string().min(1).max(LISTEN_PASSWORD_MAX), offerSdp }).strict(),
    handler: (c) => listen.listen(c.params.id, c.body.password, c.body.offerSdp, c.req.ip ?? ''),
  });
  api.add({
    method: 'post', path: '/api/listen-sessions/:id/stop', tag: TAG, access: 'public', summary: 'Stop listening (the session id is the listener\'s own)',
    params: idParams,
    handler: async (c) => { await listen.stop(c.params.id); },
  });
}
