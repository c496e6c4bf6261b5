// The API token store on PGlite and on PostgreSQL: made with its string
// returned once and only the secret's SHA-256 kept; found again by the string
// only (a wrong secret with the right prefix is nothing); scopes and expiry
// checked in the code and by the table's constraints; revoke keeps its first
// time; last use written at most once a minute; other accounts see nothing;
// a removed user takes their tokens along.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { MAX_ACTIVE_TOKENS } from '../../core/tokens/store.ts';
import { parseToken, secretHash } from '../../core/tokens/token-string.ts';

const NOW = new Date('2026-06-01T02:00:00Z');
const DAY = 86_400_000;

for (const engine of dbEngines()) {
  describe(`API tokens on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    let acc: string;
    let user: string;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
      acc = (await r.accounts.create({ name: 'tok' })).id;
      user = (await r.users.create({ accountId: acc, role: 'owner', username: 'tok-owner', password: 'Tok#Owner1' })).id;
    });
    const make = (over: Partial<{ scopes: Array<'read' | 'meetings' | 'live' | 'billing'>; expiresAt: Date; name: string; createdBy: string }> = {}, account = acc) =>
      r.apiTokens.create(account, { createdBy: user, name: 'sync', scopes: ['read'], expiresAt: new Date(NOW.getTime() + 30 * DAY), now: NOW, ...over });

    it('keeps only the hash; verify finds the token by its whole string, in any state', async () => {
      const { token, plaintext } = await make({ scopes: ['billing', 'read'] });
      const parts = parseToken(plaintext)!;
      assert.equal(parts.prefix, token.prefix);
      assert.deepEqual(token.scopes, ['read', 'billing'], 'stored in the table\'s order');
      const row = await db('api_tokens').where({ id: token.id }).first();
      assert.equal(row.secret_hash, secretHash(parts.secret));
      assert.ok(!JSON.stringify(row).includes(parts.secret));
      assert.equal((await r.apiTokens.verify(plaintext))?.id, token.id);
      assert.equal(await r.apiTokens.verify(`cbt_${parts.prefix}_${'x'.repeat(43)}`), undefined);
      assert.equal(await r.apiTokens.verify(plaintext.toUpperCase()), undefined);
      assert.equal(await r.apiTokens.verify(`${plaintext} `), undefined);
      assert.equal(await r.apiTokens.verify(''), undefined);
      await r.apiTokens.revoke(acc, token.id, NOW);
      assert.ok((await r.apiTokens.verify(plaintext))?.revokedAt, 'the state is the caller\'s to judge');
    });

    it('refuses no or unknown scopes, an expiry past a year or not ahead, an empty name; the table refuses them too', async () => {
      await assert.rejects(make({ scopes: [] }), ValidationError);
      await assert.rejects(make({ scopes: ['admin' as 'read'] }), ValidationError);
      await assert.rejects(make({ expiresAt: new Date(NOW.getTime() + 366 * DAY) }), ValidationError);
      await assert.rejects(make({ expiresAt: NOW }), ValidationError);
      await assert.rejects(make({ name: '  ' }), ValidationError);
      assert.ok(await make({ expiresAt: new Date(NOW.getTime() + 365 * DAY) }));
      const raw = (over: Record<string, unknown>) => db('api_tokens').insert({
        account_id: acc, created_by: user, name: 'raw', scopes: ['read'], prefix: Math.random().toString(16).slice(2, 12), secret_hash: 'x',
        created_at: NOW, expires_at: new Date(NOW.getTime() + DAY), ...over,
      });
      await assert.rejects(raw({ scopes: ['root'] }), (e: { code?: string }) => e.code === '23514');
      await assert.rejects(raw({ scopes: [] }), (e: { code?: string }) => e.code === '23514');
      await assert.rejects(raw({ expires_at: new Date(NOW.getTime() + 400 * DAY) }), (e: { code?: string }) => e.code === '23514');
    });

    it('revoke: the first time stays; another account\'s token is not found; lists are per account', async () => {
      const other = (await r.accounts.create({ name: 'other' })).id;
      const { token } = await make({ name: 'to revoke' });
      const first = await r.apiTokens.revoke(acc, token.id, NOW);
      const second = await r.apiTokens.revoke(acc, token.id, new Date(NOW.getTime() + DAY));
      assert.deepEqual(second.revokedAt, first.revokedAt);
      await assert.rejects(r.apiTokens.revoke(other, token.id, NOW), NotFoundError);
      await assert.rejects(r.apiTokens.get(other, token.id), NotFoundError);
      await assert.rejects(r.apiTokens.get(acc, 'not-a-uuid'), NotFoundError);
      assert.deepEqual(await r.apiTokens.list(other), []);
      assert.ok((await r.apiTokens.list(acc)).some((t) => t.id === token.id));
    });

    it('notes the last use at most once a minute', async () => {
      const { token } = await make();
      await r.apiTokens.noteUse(token.id, '127.0.0.1', NOW);
      await r.apiTokens.noteUse(token.id, '127.0.0.2', new Date(NOW.getTime() + 59_000));
      let t = await r.apiTokens.get(acc, token.id);
      assert.deepEqual([t.lastUsedAt, t.lastUsedIp], [NOW, '127.0.0.1']);
      const later = new Date(NOW.getTime() + 60_000);
      await r.apiTokens.noteUse(token.id, '127.0.0.2', later);
      t = await r.apiTokens.get(acc, token.id);
      assert.deepEqual([t.lastUsedAt, t.lastUsedIp], [later, '127.0.0.2']);
    });

    it(`holds at most ${MAX_ACTIVE_TOKENS} active tokens per account; a removed user takes theirs along`, async () => {
      const acc2 = (await r.accounts.create({ name: 'many' })).id;
      const u2 = (await r.users.create({ accountId: acc2, role: 'owner', username: 'many-owner', password: 'Many#Owner1' })).id;
      for (let i = 0; i < MAX_ACTIVE_TOKENS; i++) await make({ createdBy: u2 }, acc2);
      await assert.rejects(make({ createdBy: u2 }, acc2), ConflictError);
      await r.apiTokens.revoke(acc2, (await r.apiTokens.list(acc2))[0]!.id, NOW);
      assert.ok(await make({ createdBy: u2 }, acc2), 'a revoked one frees a place');
      await db('users').where({ id: u2 }).delete();
      assert.deepEqual(await r.apiTokens.list(acc2), []);
    });
  });
}
