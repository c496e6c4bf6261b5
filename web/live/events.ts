// The live console's event streams (Server-Sent Events through the session
// cookie; declared on the ApiRouter like every route, so they have the
// session, role and account checks, OpenAPI and the security walk):
//
//   GET /api/live/:conferenceId/events — `snapshot` first ({ snapshot,
//     alerts }), then each LiveEvent of the conference (and lockouts of its
//     room) as `event: <type>`, coalesced per connection (web/live/feed.ts);
//     ends after `ended`.
//   GET /api/live/events — the account's conferences starting and ending,
//     help requests, lockouts and dial-out refusals, for the dashboard; `snapshot` first (the
//     answer of GET /api/live).
//
// Either may send `resync` and end: the page was too slow to keep up, and
// reconnects for a fresh snapshot.
import type { ApiRouter } from '../http/api-router.ts';
import type { WebServices } from '../services.ts';
import { DEFAULT_FEED_TUNING, LiveFeed, type FeedTuning } from './feed.ts';
import { alertJson, listingJson } from './views.ts';
import { conferenceParams } from './schemas.ts';

const TAG = 'live';

export function registerLiveStreams(api: ApiRouter, s: WebServices, tuning: FeedTuning = DEFAULT_FEED_TUNING): void {
  api.add({
    method: 'get', path: '/api/live/events', tag: TAG, access: 'account', produces: 'text/event-stream',
    summary: 'Event stream of the account\'s live meetings (started, ended, help, lockout, dial-out-refused), after a `snapshot` like GET /api/live',
    handler: async (c) => {
      const feed = new LiveFeed(tuning);
      const visible = s.scope.eventFilter(c); // an organizer's stream carries their rooms' events only
      const unsubscribe = s.live.watchAccount(c.accountId, (e) => {
        if (!visible) feed.push(e);
        else void visible(e).then((ok) => { if (ok) feed.push(e); }, () => undefined);
      });
      try {
        const [all, allAlerts] = await Promise.all([s.live.list(c.accountId), s.live.alerts(c.accountId)]);
        const [list, alerts] = await Promise.all([s.scope.filter(c, all, (x) => x.conference.roomId), s.scope.filter(c, allAlerts, (a) => a.roomId)]);
        return feed.opening([{ event: 'snapshot', data: { conferences: list.map(listingJson), alerts: alerts.map(alertJson) } }], unsubscribe);
      } catch (err) {
        unsubscribe();
        throw err;
      }
    },
  });

  api.add({
    method: 'get', path: '/api/live/:conferenceId/events', tag: TAG, access: 'account', produces: 'text/event-stream',
    summary: 'Event stream of a running conference: a `snapshot` ({snapshot, alerts}), then its events as they happen; ends with `ended`',
    params: conferenceParams,
    handler: async (c) => {
      const id = c.params.conferenceId;
      await s.scope.conference(c, id);
      const feed = new LiveFeed(tuning, (e) => e.type === 'ended' && e.conferenceId === id);
      const w = await s.live.watch(c.accountId, id, (e) => { feed.push(e); });
      return feed.opening([{ event: 'snapshot', data: { snapshot: w.snapshot, alerts: w.alerts.map(alertJson) } }], w.unsubscribe);
    },
  });
}
