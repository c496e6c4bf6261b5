// An API token's life (issue 19): made on the page's API and shown once (the
// list, the page and the table never hold it; the table keeps only the
// SHA-256 of its secret); bad input refused; acting as its creator without
// CSRF token or cookies (a session cookie sent beside it is not read); last
// use noted at most once a minute; stopped at once by a revoke, a frozen
// account, a removed or frozen creator — its open event stream too; refusals
// counted in bridge_web_token_failures_total; the OpenAPI document's schemes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { makeToken, startTokenFixture, TokenClient, type TokenFixture } from '../support/token-fixture.ts';
import { sample } from '../support/prom-text.ts';
import { openSse } from './sse-client.ts';
import { TokenService } from '../../web/tokens/service.ts';
import { requiredScopes } from '../../web/http/token-scopes.ts';
import { TOKEN_SCOPES } from '../../core/tokens/store.ts';
import type { UserStore } from '../../core/users/store.ts';
import { apiRoutesOf, createWebApp } from '../../web/app.ts';

type Listed = { id: string; prefix: string; scopes: string[]; lastUsedAt: string | null; lastUsedIp: string | null; revokedAt: string | null; state: string; token?: string };

describe('API token life', () => {
  let f: TokenFixture;
  before(async () => { f = await startTokenFixture(); });
  after(async () => { await f?.w.close(); });

  const failures = async (reason: string) => sample((await fetch(`${f.w.url}/metrics`).then((r) => r.text())), 'bridge_web_token_failures_total', { reason }) ?? 0;

  it('shows the token once: not in the list, not on the page, not in the table (only the SHA-256 of its secret)', async () => {
    const { w, a } = f;
    const made = await a.post('/api/tokens', { name: 'CRM sync', scopes: ['read', 'meetings'], expiresInDays: 90 });
    assert.equal(made.status, 201);
    const body = made.json<Listed & { token: string; expiresAt: string }>();
    const m = /^cbt_([0-9a-f]{10})_([A-Za-z0-9_-]{43})$/.exec(body.token);
    assert.ok(m, body.token);
    assert.equal(m[1], body.prefix);
    assert.equal(new Date(body.expiresAt).getTime() - w.clock.now.getTime(), 90 * 86_400_000);
    const list = await a.get('/api/tokens');
    assert.equal(list.status, 200);
    assert.ok(!list.text.includes(m[2]!), 'the list holds the secret');
    const listed = list.json<Listed[]>().find((t) => t.id === body.id)!;
    assert.equal(listed.token, undefined);
    assert.deepEqual(listed.scopes, ['read', 'meetings']);
    const page = await a.get('/account/tokens');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes(`cbt_${body.prefix}_…`), 'the page lists the prefix');
    assert.ok(page.text.includes('CRM sync'));
    assert.ok(!page.text.includes(m[2]!), 'the page holds the secret');
    const row = await w.db('api_tokens').where({ id: body.id }).first();
    assert.notEqual(row.secret_hash, body.token);
    assert.equal(row.secret_hash, createHash('sha256').update(m[2]!).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(m[2]!), 'no column holds the secret');
    // The same token string works, a one-letter change does not.
    assert.equal((await new TokenClient(w.url, body.token).request('GET', '/api/rooms')).status, 200);
    const flipped = body.token.slice(0, -1) + (body.token.endsWith('A') ? 'B' : 'A');
    assert.equal((await new TokenClient(w.url, flipped).request('GET', '/api/rooms')).status, 401);
  });

  it('refuses bad input: expiry missing, past, or over a year; no or unknown scopes; an empty name; operators', async () => {
    const { w, a, op } = f;
    const later = (days: number) => new Date(w.clock.now.getTime() + days * 86_400_000).toISOString();
    for (const body of [
      { name: 'x', scopes: ['read'] }, { name: 'x', scopes: ['read'], expiresInDays: 366 }, { name: 'x', scopes: ['read'], expiresInDays: 0 },
      { name: 'x', scopes: ['read'], expiresAt: later(-1) }, { name: 'x', scopes: ['read'], expiresAt: later(366) },
      { name: 'x', scopes: ['read'], expiresAt: later(10), expiresInDays: 10 }, { name: 'x', scopes: [], expiresInDays: 10 },
      { name: 'x', scopes: ['admin'], expiresInDays: 10 }, { name: ' ', scopes: ['read'], expiresInDays: 10 },
    ]) {
      const res = await a.post('/api/tokens', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.status} ${res.text}`);
    }
    assert.equal((await a.post('/api/tokens', { name: 'a year', scopes: ['read'], expiresAt: later(365) })).status, 201);
    assert.equal((await op.post('/api/tokens', { name: 'x', scopes: ['read'], expiresInDays: 10 })).status, 403);
    assert.equal((await op.get('/account/tokens')).status, 303);
    assert.equal((await w.client().get('/account/tokens')).status, 303);
  });

  it('acts as its creator with no CSRF token and no cookie; a session cookie beside it is not read; audited as the token', async () => {
    const { w, a, b, ids } = f;
    const t = await makeToken(a, ['read', 'meetings']);
    const me = await new TokenClient(w.url, t.token).request('GET', '/api/me');
    assert.equal(me.status, 200);
    assert.equal(me.json().user.id, ids.user);
    assert.equal(me.json().csrfToken, '');
    // B's session cookie beside A's token: the token decides, the cookie is not read, none is set.
    const mixed = new TokenClient(w.url, t.token, { cookie: b.cookieHeader, 'x-csrf-token': 'wrong' });
    const room = await mixed.request('POST', '/api/rooms', { name: 'Room by the CRM' });
    assert.equal(room.status, 201, room.text);
    assert.ok(await w.repos.rooms.get(ids.account!, room.json().id), 'the room is A\'s');
    const entry = (await w.repos.audit.listAll({ action: 'room.create' })).find((e) => e.targetId === room.json().id);
    assert.equal(entry?.actor, `token:${t.id}`);
    assert.equal(entry?.userId, ids.user);
    // Pages take no token: the login page.
    const page = await fetch(`${w.url}/rooms`, { headers: { authorization: `Bearer ${t.token}` }, redirect: 'manual' });
    assert.equal(page.status, 303);
    // Never the token routes, the password, the language, logout or login.
    const client = new TokenClient(w.url, (await makeToken(a, [...TOKEN_SCOPES])).token);
    for (const [m, p, body] of [['GET', '/api/tokens'], ['POST', '/api/tokens', { name: 'x', scopes: ['read'], expiresInDays: 1 }], ['POST', `/api/tokens/${t.id}/revoke`],
      ['POST', '/api/me/password', { currentPassword: 'Demo#2026', newPassword: 'Other#Pass9' }], ['PUT', '/api/me/locale', { locale: 'en' }],
      ['POST', '/api/auth/logout'], ['POST', '/api/auth/login', { username: 'demo', password: 'Demo#2026' }], ['GET', '/api/auth/csrf']] as const) {
      const res = await client.request(m, p, body);
      assert.equal(res.status, 403, `${m} ${p}`);
      assert.equal(res.json().error, 'insufficient_scope');
    }
  });

  it('notes the last use (time and address) at most once a minute', async () => {
    const { w, a } = f;
    const t = await makeToken(a, ['read']);
    const client = new TokenClient(w.url, t.token);
    const lastUse = async () => (await a.get('/api/tokens')).json<Listed[]>().find((x) => x.id === t.id)!;
    assert.equal((await lastUse()).lastUsedAt, null);
    const saved = w.clock.now;
    try {
      assert.equal((await client.request('GET', '/api/rooms')).status, 200);
      const first = await lastUse();
      assert.equal(first.lastUsedAt, saved.toISOString());
      assert.match(first.lastUsedIp ?? '', /127\.0\.0\.1/);
      w.clock.now = new Date(saved.getTime() + 30_000);
      assert.equal((await client.request('GET', '/api/rooms')).status, 200);
      assert.equal((await lastUse()).lastUsedAt, saved.toISOString(), 'no write within the minute');
      w.clock.now = new Date(saved.getTime() + 61_000);
      assert.equal((await client.request('GET', '/api/rooms')).status, 200);
      assert.equal((await lastUse()).lastUsedAt, w.clock.now.toISOString());
    } finally { w.clock.now = saved; }
  });

  it('stops at once when revoked (its open event stream too), counted in the failures metric; a second revoke keeps the first time', async () => {
    const { w, a } = f;
    const t = await makeToken(a, ['live']);
    const client = new TokenClient(w.url, t.token);
    const stream = await openSse(`${w.url}/api/live/events`, '', { authorization: `Bearer ${t.token}` });
    assert.equal(stream.status, 200);
    await stream.next((fr) => fr.event === 'snapshot');
    const before = await failures('revoked');
    const revoked = await a.post(`/api/tokens/${t.id}/revoke`);
    assert.equal(revoked.status, 200);
    assert.equal(revoked.json<Listed>().state, 'revoked');
    await Promise.race([stream.ended, new Promise((_r, reject) => setTimeout(() => reject(new Error('the stream of a revoked token stayed open')), 5000))]);
    for (let i = 0; i < 3; i++) assert.equal((await client.request('GET', '/api/live')).status, 401);
    assert.equal(await failures('revoked'), before + 3);
    const again = await a.post(`/api/tokens/${t.id}/revoke`);
    assert.equal(again.json<Listed>().revokedAt, revoked.json<Listed>().revokedAt);
    const audit = await w.repos.audit.listAll({ action: 'token.revoke' });
    assert.ok(audit.some((e) => e.targetId === t.id && e.actor === `user:${f.ids.user}`));
    assert.ok((await w.repos.audit.listAll({ action: 'token.create' })).some((e) => e.targetId === t.id));
    const scopeBefore = await failures('insufficient_scope');
    assert.equal((await new TokenClient(w.url, (await makeToken(a, ['read'])).token).request('DELETE', `/api/rooms/${f.ids.room}`)).status, 403);
    assert.equal(await failures('insufficient_scope'), scopeBefore + 1);
  });

  it('stops while the account is frozen, and for good when its creator is removed', async () => {
    const { w, a } = f;
    const t = await makeToken(a, ['read']);
    const client = new TokenClient(w.url, t.token);
    await w.repos.accounts.setFrozen(f.ids.account!, true);
    try {
      const res = await client.request('GET', '/api/rooms');
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    } finally { await w.repos.accounts.setFrozen(f.ids.account!, false); }
    assert.equal((await client.request('GET', '/api/rooms')).status, 200);
    const acc = await w.repos.accounts.create({ name: 'C Ltd' });
    const owner = await w.repos.users.create({ accountId: acc.id, role: 'owner', username: 'token-owner-c', password: 'OwnerC#2026' });
    const c = await w.login('token-owner-c', 'OwnerC#2026');
    const tc = new TokenClient(w.url, (await makeToken(c, ['read'])).token);
    assert.equal((await tc.request('GET', '/api/rooms')).status, 200);
    await w.db('users').where({ id: owner.id }).delete();
    assert.equal((await tc.request('GET', '/api/rooms')).status, 401);
  });

  it('stops when its creator is frozen (users.frozen_at of the members feature)', async () => {
    const { w, a } = f;
    const t = await makeToken(a, ['read']);
    const users: UserStore = Object.assign(Object.create(w.repos.users) as UserStore, {
      findById: async (id: string) => { const u = await w.repos.users.findById(id); return u && { ...u, frozenAt: new Date() }; },
    });
    const frozen = new TokenService({ ...w.repos, users }, () => w.clock.now);
    await assert.rejects(frozen.authenticate(t.token, null), (err: Error & { reason?: string; status?: number }) => err.reason === 'user_frozen' && err.status === 401);
    assert.equal((await new TokenService(w.repos, () => w.clock.now).authenticate(t.token, null)).token?.id, t.id);
  });

  it('the OpenAPI document lists the session, CSRF and bearer schemes, and per operation the scopes that open it', async () => {
    const doc = (await f.w.client().get('/api/openapi.json')).json();
    const schemes = doc.components.securitySchemes;
    assert.deepEqual(Object.keys(schemes).sort(), ['bearerAuth', 'csrf', 'session']);
    assert.equal(schemes.bearerAuth.type, 'http');
    assert.equal(schemes.bearerAuth.scheme, 'bearer');
    const routes = apiRoutesOf(createWebApp({ repos: f.w.repos, config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 10 } }));
    for (const r of routes) {
      const op = doc.paths[r.path.replace(/:(\w+)/g, '{$1}')][r.method];
      for (const req of op.security as Array<Record<string, string[]>>) {
        for (const [name, scopes] of Object.entries(req)) {
          assert.ok(schemes[name], `${r.method} ${r.path}: undeclared scheme ${name}`);
          for (const s of scopes) assert.ok((TOKEN_SCOPES as readonly string[]).includes(s), `${r.path}: scope ${s}`);
        }
      }
      const bearer = (op.security as Array<Record<string, string[]>>).filter((x) => x.bearerAuth).map((x) => x.bearerAuth![0]);
      assert.deepEqual(bearer, [...(requiredScopes(r) ?? [])], `${r.method} ${r.path}`);
    }
    assert.deepEqual(doc.paths['/api/rooms'].post.security, [{ session: [], csrf: [] }, { bearerAuth: ['meetings'] }]);
    assert.deepEqual(doc.paths['/api/tokens'].post.security, [{ session: [], csrf: [] }]);
  });
});
