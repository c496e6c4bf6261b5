// API tokens against EVERY declared API route (issue 19): a token of each
// scope gets 2xx (or 404 where the table below says why) on the routes its
// scope opens and 403 insufficient_scope on every other; expired and revoked
// tokens get 401 invalid_token everywhere; account B's token gets 404 for
// every one of A's ids and none of A's data. The expectation of each route
// comes from one table: web/http/token-scopes.ts's requiredScopes, and the
// concrete status per route below. No request carries a cookie or a CSRF
// token, and no answer sets a cookie.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { apiRoutesOf, createWebApp } from '../../web/app.ts';
import type { RegisteredRoute } from '../../web/http/api-router.ts';
import { requiredScopes } from '../../web/http/token-scopes.ts';
import { TOKEN_SCOPES, type TokenScope } from '../../core/tokens/store.ts';
import { bodyFor, makeToken, pathOf, startTokenFixture, TokenClient, type TokenFixture } from '../support/token-fixture.ts';

/**
 * In-scope routes whose answer to A's own token is 404, and why. Every other
 * in-scope route must answer 2xx: a route newly open to tokens that answers
 * otherwise fails this test until it is understood and listed.
 */
const IN_SCOPE_404: Record<string, string> = {
  'get /api/recordings/:id/audio.wav': 'the fixture\'s recording has no file on disk',
  'get /api/recordings/:id/audio.mp3': 'the fixture\'s recording has no file on disk',
};

const key = (r: RegisteredRoute) => `${r.method} ${r.path}`;
/** What removes a row or a participant or ends the meeting goes last (in this order), so the other routes still find theirs. */
const LAST = [(r: RegisteredRoute) => r.method === 'delete', (r: RegisteredRoute) => r.path.endsWith('/remove'), (r: RegisteredRoute) => r.path.endsWith('/end')];
const walkOrder = (routes: RegisteredRoute[]) => [
  ...routes.filter((r) => !LAST.some((p) => p(r))),
  ...LAST.flatMap((p, i) => routes.filter((r) => p(r) && !LAST.slice(0, i).some((q) => q(r)))),
];

describe('API tokens on every route', () => {
  let f: TokenFixture;
  let routes: RegisteredRoute[];
  before(async () => {
    f = await startTokenFixture();
    routes = apiRoutesOf(createWebApp({ repos: f.w.repos, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 10 } }));
  });
  after(async () => { await f?.w.close(); });

  it('the table covers the routes: every scope opens some, and none opens a token, operator, public or password route', () => {
    assert.ok(routes.length >= 100, `only ${routes.length} routes`);
    for (const scope of TOKEN_SCOPES) assert.ok(routes.some((r) => requiredScopes(r)?.includes(scope)), `no route for ${scope}`);
    for (const r of routes) {
      const closed = r.access === 'public' || r.access === 'operator' || r.path.startsWith('/api/tokens') || r.path.startsWith('/api/auth') || r.path === '/api/me/password' || r.path === '/api/me/locale' || (r.path === '/api/me' && r.method !== 'get');
      if (closed) assert.equal(requiredScopes(r), null, `${key(r)} must never take a token`);
    }
    for (const k of Object.keys(IN_SCOPE_404)) assert.ok(routes.some((r) => key(r) === k), `IN_SCOPE_404 names no route ${k}`);
  });

  it('expired and revoked tokens: 401 invalid_token on every route, public ones too', async () => {
    const { w, ids, a } = f;
    const saved = w.clock.now;
    let expired: string;
    try {
      w.clock.now = new Date(saved.getTime() - 2 * 86_400_000);
      expired = (await makeToken(a, [...TOKEN_SCOPES], 'expired', 1)).token;
    } finally { w.clock.now = saved; }
    const revoked = await makeToken(a, [...TOKEN_SCOPES], 'revoked');
    assert.equal((await a.post(`/api/tokens/${revoked.id}/revoke`)).status, 200);
    for (const [what, token] of [['expired', expired], ['revoked', revoked.token], ['made up', `cbt_0123456789_${'A'.repeat(43)}`], ['not ours', 'abc']] as const) {
      const client = new TokenClient(w.url, token);
      for (const r of routes) {
        const res = await client.call(r, pathOf(ids, r), bodyFor(ids, r));
        const where = `${what} token, ${key(r)}: ${res.status}`;
        assert.equal(res.status, 401, where);
        assert.equal(res.json<{ error: string }>().error, 'invalid_token', where);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer .*error="invalid_token"/, where);
      }
    }
  });

  it('a token of account B: 404 for every one of A\'s ids, none of A\'s data, nothing changed', async () => {
    const { w, ids, b, host, aSecrets } = f;
    const client = new TokenClient(w.url, (await makeToken(b, [...TOKEN_SCOPES], 'B all')).token);
    const commandsBefore = host.commands.length;
    const snapshot = async () => JSON.stringify(await Promise.all([
      w.repos.rooms.get(ids.account!, ids.room!), w.repos.templates.get(ids.account!, ids.template!), w.repos.contacts.get(ids.account!, ids.contact!),
      w.repos.contacts.listGroups(ids.account!), w.repos.conferences.get(ids.account!, ids.conference!), w.repos.alerts.listOpen(ids.account!),
    ]));
    const before = await snapshot();
    let n = 0;
    for (const r of routes.filter((x) => /:\w+/.test(x.path))) {
      const res = await client.call(r, pathOf(ids, r), bodyFor(ids, r));
      const where = `B token, ${key(r)}: ${res.status} ${res.text.slice(0, 200)}`;
      assert.equal(res.status, requiredScopes(r) ? 404 : 403, where);
      for (const s of aSecrets) assert.ok(!res.text.includes(s), `${where} leaked ${s}`);
      if (requiredScopes(r)) n++;
    }
    assert.ok(n >= 30, `only ${n} id routes open to tokens`);
    for (const p of ['/api/rooms', '/api/contacts', '/api/templates', '/api/contact-groups', '/api/history', '/api/billing/report', '/api/live', '/api/alerts', '/api/recordings']) {
      const res = await client.request('GET', p);
      assert.equal(res.status, 200, p);
      for (const s of aSecrets) assert.ok(!res.text.includes(s), `${p} leaked ${s}`);
    }
    assert.equal(await snapshot(), before);
    assert.equal(host.commands.length, commandsBefore, 'no live command reached A\'s conference');
  });
  for (const scope of TOKEN_SCOPES) {
    it(`a ${scope} token: 2xx on its routes, 403 insufficient_scope on every other, no CSRF token, no cookie`, async () => {
      const { w, ids } = f;
      const client = new TokenClient(w.url, (await makeToken(f.a, [scope])).token);
      const tally = { open: 0, closed: 0 };
      for (const r of walkOrder(routes)) {
        const res = await client.call(r, pathOf(ids, r), bodyFor(ids, r));
        const needed = requiredScopes(r);
        const where = `${scope} token, ${key(r)}: ${res.status} ${res.text.slice(0, 200)}`;
        if (needed?.includes(scope as TokenScope)) {
          tally.open++;
          if (IN_SCOPE_404[key(r)]) assert.equal(res.status, 404, where);
          else assert.ok(res.status >= 200 && res.status < 300, where);
        } else {
          tally.closed++;
          assert.equal(res.status, 403, where);
          assert.equal(res.json<{ error: string }>().error, 'insufficient_scope', where);
          assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer .*error="insufficient_scope"/, where);
          if (needed) assert.ok(res.headers.get('www-authenticate')!.includes(`scope="${needed.join(' ')}"`), where);
        }
      }
      assert.ok(tally.open >= 4 && tally.closed >= 40, JSON.stringify(tally));
    });
  }

});
