// The members store on PGlite and PostgreSQL (issue 19, migration 017): the
// role constraints, invited members without a
// password, the one-time link (hash, expiry, once), removal passing rooms to
// the owner, duplicate keys, and the room admission of a frozen organizer.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { checkRoomAdmission } from '../../core/rooms/admission.ts';
import { ConflictError, NotFoundError } from '../../core/errors.ts';
import { parseDirectoryCsv, splitExisting } from '../../core/members/csv.ts';

const NOW = new Date('2026-06-01T02:00:00Z');
const secret = (h: string) => ({ tokenHash: h.padEnd(64, '0'), expiresAt: new Date(NOW.getTime() + 7 * 86_400_000) });

for (const engine of dbEngines()) {
  describe(`members on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    let acc: string;
    let ownerId: string;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
      acc = (await r.accounts.create({ name: 'Members Co', tier: 'formal' })).id;
      await r.accounts.recharge(acc, 10_000);
      ownerId = (await r.users.create({ accountId: acc, role: 'owner', username: `owner-${engine.name}`, password: 'Owner#2026' })).id;
    });

    it('members need an account, operators none; no other role', async () => {
      await assert.rejects(r.users.create({ accountId: null, role: 'organizer', username: `x-${engine.name}`, password: 'Owner#2026' }));
      await assert.rejects(db('users').insert({ account_id: acc, role: 'chief', username: `chief-${engine.name}`, display_name: '', password_hash: 'x' }));
    });

    it('invites without a password; the link sets it once, before it expires', async () => {
      const [m] = await r.members.invite(acc, [{ username: `inv-${engine.name}@x.example`, displayName: '王五', email: `inv-${engine.name}@x.example`, phone: '+8613900139555', department: 'R&D', role: 'organizer', ...secret('a') }], NOW);
      assert.equal(m!.hasPassword, false);
      assert.equal(m!.department, 'R&D');
      assert.deepEqual(await r.users.authenticate(m!.username, '', NOW), { ok: false, reason: 'invalid' });
      assert.equal(await r.members.findByInvite(secret('a').tokenHash, new Date(NOW.getTime() + 8 * 86_400_000)), undefined, 'expired');
      assert.equal((await r.members.findByInvite(secret('a').tokenHash, NOW))?.id, m!.id);
      assert.equal((await r.members.acceptInvite(secret('a').tokenHash, 'hash-of-a-password', NOW))?.hasPassword, true);
      assert.equal(await r.members.acceptInvite(secret('a').tokenHash, 'again', NOW), undefined, 'once');
      // A username taken anywhere: the whole batch is refused.
      await assert.rejects(r.members.invite(acc, [
        { username: `new-${engine.name}@x.example`, displayName: 'n', email: null, phone: null, department: '', role: 'organizer', ...secret('b') },
        { username: m!.username, displayName: 'dup', email: null, phone: null, department: '', role: 'organizer', ...secret('c') },
      ], NOW), ConflictError);
      assert.equal((await r.members.list(acc)).some((u) => u.username === `new-${engine.name}@x.example`), false);
      // Duplicate keys for an import.
      const keys = await r.members.existingKeys(acc, [m!.username]);
      const parsed = parseDirectoryCsv(`name,email,phone\nA,${m!.username},\nB,b-${engine.name}@x.example,13900139555\nC,c-${engine.name}@x.example,\n`, { defaultRegion: 'CN' });
      const split = splitExisting(parsed.rows, keys);
      assert.deepEqual(split.duplicates.map((d) => [d.line, d.field]), [[2, 'username'], [3, 'phone']]);
      assert.deepEqual(split.fresh.map((x) => x.line), [4]);
    });

    it('a frozen organizer\'s rooms refuse callers; the owner\'s rooms do not', async () => {
      const org = await r.users.create({ accountId: acc, role: 'organizer', username: `org-${engine.name}`, password: 'Org#20266' });
      const room = await r.rooms.create(acc, { name: 'org room', organizerUserId: org.id }, { now: NOW });
      const owners = await r.rooms.create(acc, { name: 'owner room', organizerUserId: ownerId }, { now: NOW });
      assert.equal((await checkRoomAdmission(r, room.number, NOW)).ok, true);
      await r.members.setFrozen(acc, org.id, NOW);
      const refused = await checkRoomAdmission(r, room.number, NOW);
      assert.equal(refused.ok === false && refused.reason, 'service_unavailable');
      assert.equal((await checkRoomAdmission(r, owners.number, NOW)).ok, true);
      assert.deepEqual(await r.users.authenticate(org.username, 'Org#20266', NOW), { ok: false, reason: 'frozen' });
      await r.members.setFrozen(acc, org.id, null);
      assert.equal((await checkRoomAdmission(r, room.number, NOW)).ok, true);
      // The owner cannot be frozen through the members store.
      await assert.rejects(r.members.setFrozen(acc, ownerId, NOW), NotFoundError);
    });

    it('removing a member passes their rooms to the heir', async () => {
      const org = await r.users.create({ accountId: acc, role: 'organizer', username: `leaver-${engine.name}`, password: 'Org#20266' });
      const rooms = await Promise.all([1, 2].map((i) => r.rooms.create(acc, { name: `leaver ${i}`, organizerUserId: org.id }, { now: NOW })));
      assert.deepEqual(await r.members.remove(acc, org.id, ownerId), { roomsMoved: 2 });
      for (const room of rooms) assert.equal((await r.rooms.get(acc, room.id)).organizerUserId, ownerId);
      assert.equal(await r.users.findById(org.id), undefined);
      await assert.rejects(r.members.remove(acc, ownerId, ownerId), NotFoundError);
    });
  });
}
