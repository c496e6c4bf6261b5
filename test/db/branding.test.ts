// The branding store (issue 19) on PGlite and on PostgreSQL: set, read back
// (the logo's facts, never its bytes, in the row), a new token on every
// change, the same file kept once, a file nothing needs deleted but one a
// waiting mail names kept; the database's own checks refuse a bad
// colour or a long slogan written past the web; a branded mail's HTML and
// inline images survive the outbox.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { solidPng } from '../support/png.ts';

const NOW = new Date('2026-06-01T02:00:00Z');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

for (const engine of dbEngines()) {
  describe(`branding store on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
    });

    it('sets and reads back; a new token on every change; files by their hash, pruned when no account or waiting mail needs them', async () => {
      const acc = (await r.accounts.create({ name: 'brand', tier: 'formal' })).id;
      const other = (await r.accounts.create({ name: 'other', tier: 'formal' })).id;
      assert.equal(await r.branding.get(acc), null);
      const one = solidPng(20, 10, [1, 2, 3]);
      const two = solidPng(30, 10, [4, 5, 6]);
      const first = await r.branding.set(acc, { primaryColor: '#12324f', slogan: '会议 Meet', logo: { sha256: sha(one), contentType: 'image/png', width: 20, height: 10, content: one } }, NOW);
      assert.deepEqual(first.logo, { sha256: sha(one), contentType: 'image/png', width: 20, height: 10, bytes: one.length });
      assert.match(first.token, /^[0-9a-f]{32}$/);
      assert.equal(first.accentColor, null);
      const second = await r.branding.set(acc, { accentColor: '#ffd500', logo: { sha256: sha(two), contentType: 'image/png', width: 30, height: 10, content: two } }, NOW);
      assert.notEqual(second.token, first.token);
      assert.equal(second.primaryColor, '#12324f', 'an absent field stays');
      assert.equal(second.slogan, '会议 Meet');
      assert.equal((await r.branding.byToken(second.token))?.accountId, acc);
      assert.equal(await r.branding.byToken(first.token), null);
      assert.equal(await r.branding.byToken("' or 1=1 --"), null);
      // The same file for another account is kept once.
      await r.branding.set(other, { logo: { sha256: sha(two), contentType: 'image/png', width: 30, height: 10, content: two } }, NOW);
      assert.equal(Number((await db('branding_logos').where({ sha256: sha(two) }).count({ n: '*' }))[0]!.n), 1);
      assert.deepEqual((await r.branding.list()).map((b) => b.accountId).sort(), [acc, other].sort());
      // The replaced file went (nothing needs it); the shared one stays while an account or a waiting mail names it.
      assert.equal(await r.branding.logoFile(sha(one)), undefined);
      const waiting = await r.outbox.add({
        accountId: other, to: 'a@example.com', subject: 's', text: 't', ics: null, status: 'queued', error: null, sentAt: null,
        html: '<img src="cid:logo@x">', inline: [{ cid: 'logo@x', filename: 'logo.png', contentType: 'image/png', sha256: sha(two) }],
      });
      // Reset: the default look.
      assert.equal(await r.branding.reset(acc), true);
      assert.equal(await r.branding.reset(acc), false);
      assert.equal(await r.branding.get(acc), null);
      assert.equal((await r.branding.get(other))?.logo?.sha256, sha(two), 'the other account keeps its own');
      assert.equal((await r.branding.set(other, { logo: null }, NOW)).logo, null);
      assert.deepEqual((await r.branding.logoFile(sha(two)))?.content, two, 'kept for the mail waiting for its retry');
      await r.outbox.markSent(waiting.id, NOW);
      await r.branding.set(other, { logo: null }, NOW);
      assert.equal(await r.branding.logoFile(sha(two)), undefined, 'gone once nothing needs it');
    });

    it('the database refuses a colour that is not #rrggbb and a slogan over 80 characters (a write that skipped the web\'s checks)', async () => {
      const acc = (await r.accounts.create({ name: 'checks', tier: 'formal' })).id;
      await assert.rejects(r.branding.set(acc, { primaryColor: 'red' }, NOW), (e: { code?: string }) => e.code === '23514');
      await assert.rejects(r.branding.set(acc, { accentColor: '#ABCDEF' }, NOW), (e: { code?: string }) => e.code === '23514');
      await assert.rejects(r.branding.set(acc, { slogan: '会'.repeat(81) }, NOW), (e: { code?: string }) => e.code === '23514');
      assert.equal(await r.branding.get(acc), null, 'nothing written');
      assert.equal((await r.branding.set(acc, { slogan: '会'.repeat(80) }, NOW)).slogan?.length, 80);
    });

    it('the outbox keeps a mail\'s HTML part and its inline images by hash', async () => {
      const m = await r.outbox.add({
        accountId: null, to: 'a@example.com', subject: 's', text: 't', ics: null, status: 'outbox', error: null, sentAt: null,
        html: '<p>t</p>', inline: [{ cid: 'logo@x', filename: 'logo.png', contentType: 'image/png', sha256: 'ab'.repeat(32) }],
      });
      const back = await r.outbox.get(m.id);
      assert.equal(back?.html, '<p>t</p>');
      assert.deepEqual(back?.inline, [{ cid: 'logo@x', filename: 'logo.png', contentType: 'image/png', sha256: 'ab'.repeat(32) }]);
      const plain = await r.outbox.add({ accountId: null, to: 'b@example.com', subject: 's', text: 't', ics: null, status: 'outbox', error: null, sentAt: null });
      assert.deepEqual([(await r.outbox.get(plain.id))?.html, (await r.outbox.get(plain.id))?.inline], [null, null]);
    });
  });
}
