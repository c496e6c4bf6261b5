import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { seedDemo, DEMO } from '../../core/seed.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { checkRoomAdmission } from '../../core/rooms/admission.ts';
import { roleForPin } from '../../core/rooms/pins.ts';
import { findRate } from '../../core/billing/rating.ts';

const NOW = new Date('2026-06-01T02:00:00Z');

for (const engine of dbEngines()) {
  describe(`demo seed on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
    });

    it('is idempotent', async () => {
      const first = await seedDemo(db, { now: NOW });
      const counts = async () => Promise.all(['accounts', 'users', 'rooms', 'access_numbers', 'rates', 'contacts', 'contact_groups', 'convener_bindings', 'recharges']
        .map(async (t) => [t, (await db(t).count('* as n'))[0]!.n]));
      const c1 = await counts();
      const second = await seedDemo(db, { now: new Date(NOW.getTime() + 3600_000) });
      assert.deepEqual(second, first);
      assert.deepEqual(await counts(), c1);
    });

    it('has the documented logins', async () => {
      const op = await r.users.authenticate(DEMO.operator.username, DEMO.operator.password, NOW);
      assert.equal(op.ok && op.user.role, 'operator');
      const owner = await r.users.authenticate(DEMO.owner.username, DEMO.owner.password, NOW);
      assert.equal(owner.ok && owner.user.role, 'owner');
    });

    it('has room 888888 open now for 2000 hours, max 600, PINs 1234/5678', async () => {
      const adm = await checkRoomAdmission(r, '888888', NOW);
      assert.ok(adm.ok);
      assert.equal(adm.room.maxParticipants, 600);
      assert.equal(roleForPin('1234', adm.room), 'chair');
      assert.equal(roleForPin('5678', adm.room), 'guest');
      assert.ok((await checkRoomAdmission(r, '888888', new Date(NOW.getTime() + 1999 * 3600_000))).ok);
      assert.equal(adm.account.tier, 'formal');
      assert.ok(adm.account.balanceMinor > 0);
    });

    it('reopens the demo room when its window has run out', async () => {
      const later = new Date(NOW.getTime() + 2001 * 3600_000);
      assert.equal((await checkRoomAdmission(r, '888888', later)).ok, false);
      await seedDemo(db, { now: later });
      assert.ok((await checkRoomAdmission(r, '888888', later)).ok);
    });

    it('has the access numbers, the bound convener, contacts in two groups and rates for every direction', async () => {
      const ans = await r.accessNumbers.list();
      assert.deepEqual(ans.map((a) => [a.number, a.kind, a.language]), [
        ['4006701018', 'meeting', 'zh-CN'], ['4006766678', 'multi_party', 'zh-CN'], ['4008001000', 'meeting', 'en']]);
      const conv = await r.conveners.findByNumber('+8613800138000');
      assert.ok(conv);
      const owner = await r.users.authenticate('demo', DEMO.owner.password, NOW);
      assert.equal(conv.userId, owner.ok ? owner.user.id : 'x');
      const groups = await r.contacts.listGroups(conv.accountId);
      assert.equal(groups.length, 2);
      assert.ok(groups.every((g) => g.memberCount >= 2));
      const rates = await r.rates.list();
      for (const an of ans) assert.ok(findRate(rates, 'in', { kind: 'access_number', accessNumberId: an.id }), an.number);
      for (const n of ['+8613900139000', '+861065529988', '+16502530000', '+81312345678']) {
        assert.ok(findRate(rates, 'out', { kind: 'number', e164: n }), n);
      }
    });
  });
}
