// Account isolation: every repository method that takes an id also takes the
// account, and another account's rows are "not found" — never read, never changed.
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { NotFoundError } from '../../core/errors.ts';

const NOW = new Date('2026-06-01T02:00:00Z');

async function snapshot(db: Knex): Promise<string> {
  const tables = ['accounts', 'users', 'rooms', 'schedules', 'room_auto_invites', 'templates', 'contacts', 'contact_groups', 'group_memberships',
    'convener_bindings', 'conferences', 'conference_events', 'invites', 'recordings', 'call_legs'];
  const out: Record<string, unknown> = {};
  for (const t of tables) out[t] = await db(t).select('*').orderBy(t === 'group_memberships' ? 'contact_id' : 'id');
  return JSON.stringify(out);
}

for (const engine of dbEngines()) {
  describe(`account isolation on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    const a: Record<string, string> = {};
    let b: string;

    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
      a.account = (await r.accounts.create({ name: 'A', tier: 'formal' })).id;
      b = (await r.accounts.create({ name: 'B', tier: 'formal' })).id;
      a.user = (await r.users.create({ accountId: a.account, role: 'owner', username: 'owner-a', password: 'Owner#A2026' })).id;
      a.room = (await r.rooms.create(a.account, { name: 'A room' }, { now: NOW })).id;
      await r.rooms.setAutoInvites(a.account, a.room, [{ target: '+8613900139000' }]);
      a.template = (await r.templates.create(a.account, { name: 'tpl', settings: {} })).id;
      a.contact = (await r.contacts.create(a.account, { name: 'c', phone: '13900139000' })).contact.id;
      a.group = (await r.contacts.createGroup(a.account, 'g')).id;
      await r.contacts.addToGroup(a.account, a.group, [a.contact]);
      a.binding = (await r.conveners.bind(a.account, { number: '13600136000' }, { now: NOW })).id;
      a.conference = (await r.conferences.startOrGet(a.account, { roomId: a.room, at: NOW })).conference.id;
      a.invite = (await r.invites.create(a.account, { roomId: a.room, target: '+8613900139000', source: 'web' })).id;
      a.recording = (await r.recordings.create(a.account, { conferenceId: a.conference, path: '/tmp/a.wav', startedAt: NOW })).id;
      a.leg = randomUUID();
      await r.cdrs.write({
        id: a.leg, nodeId: 'local', accountId: a.account, conferenceId: a.conference, roomId: a.room, roomNumber: null, direction: 'in',
        caller: '+8613900139000', callee: '4006701018', accessNumberId: null, accessNumber: null, role: 'chair', displayName: '',
        startedAt: NOW, answeredAt: NOW, endedAt: null, lastCheckpointAt: NOW, q850Cause: null, state: 'open', closedByRecovery: false,
      });
    });

    it('B cannot read A\'s rows by id', async () => {
      const reads: Array<[string, () => Promise<unknown>]> = [
        ['user', () => r.users.get({ accountId: b }, a.user!)],
        ['room', () => r.rooms.get(b, a.room!)],
        ['template', () => r.templates.get(b, a.template!)],
        ['contact', () => r.contacts.get(b, a.contact!)],
        ['conference', () => r.conferences.get(b, a.conference!)],
        ['invite', () => r.invites.get(b, a.invite!)],
        ['recording', () => r.recordings.get(b, a.recording!)],
        ['cdr', () => r.cdrs.get(b, a.leg!)],
      ];
      for (const [what, read] of reads) await assert.rejects(read(), NotFoundError, what);
      // Operators' scope does not see owners either.
      await assert.rejects(r.users.get({ operator: true }, a.user!), NotFoundError);
    });

    it('B\'s lists never include A\'s rows', async () => {
      assert.deepEqual(await r.rooms.list(b), []);
      assert.deepEqual(await r.rooms.listAutoInvites(b, a.room!), []);
      assert.deepEqual(await r.templates.list(b), []);
      assert.deepEqual(await r.contacts.list(b), []);
      assert.deepEqual(await r.contacts.list(b, { groupId: a.group! }), []);
      assert.deepEqual(await r.contacts.listGroups(b), []);
      assert.deepEqual(await r.contacts.findByPhone(b, '+8613900139000'), []);
      assert.equal((await r.contacts.groupsOf(b, [a.contact!])).size, 0);
      assert.deepEqual(await r.conveners.list(b), []);
      assert.deepEqual(await r.conferences.listByRoom(b, a.room!), []);
      assert.deepEqual(await r.conferences.listByAccount(b, { from: new Date(0), to: new Date(NOW.getTime() + 1e9) }), []);
      assert.deepEqual(await r.conferences.listLive(b), []);
      assert.equal(await r.conferences.findLive(b, a.room!), undefined);
      assert.deepEqual(await r.conferences.listEvents(b, a.conference!), []);
      assert.deepEqual(await r.invites.listByConference(b, a.conference!), []);
      assert.deepEqual(await r.invites.listByRoom(b, a.room!), []);
      assert.deepEqual(await r.recordings.list(b), []);
      assert.deepEqual(await r.cdrs.list(b, { from: new Date(0), to: new Date(NOW.getTime() + 1e9) }), []);
      assert.deepEqual(await r.cdrs.conferenceBills(b, { from: new Date(0), to: new Date(NOW.getTime() + 1e9) }), []);
      assert.equal((await r.cdrs.totals(b, { from: new Date(0), to: new Date(NOW.getTime() + 1e9) })).calls, 0);
      assert.deepEqual(await r.users.listByAccount(b), []);
      assert.deepEqual(await r.accounts.listRecharges(b), []);
    });

    it('B cannot change or delete A\'s rows, nor reference them from its own', async () => {
      const before = await snapshot(db);
      const bRoom = (await r.rooms.create(b, { name: 'B room' }, { now: NOW })).id;
      const bGroup = (await r.contacts.createGroup(b, 'bg')).id;
      const writes: Array<[string, () => Promise<unknown>]> = [
        ['update user', () => r.users.update({ accountId: b }, a.user!, { displayName: 'pwned' })],
        ['change password', () => r.users.changePassword({ accountId: b }, a.user!, 'Owner#A2026', 'Pwned#2026x')],
        ['update room', () => r.rooms.update(b, a.room!, { chairPin: '9999' })],
        ['delete room', () => r.rooms.delete(b, a.room!)],
        ['auto-invites', () => r.rooms.setAutoInvites(b, a.room!, [])],
        ['update template', () => r.templates.update(b, a.template!, { name: 'x' })],
        ['delete template', () => r.templates.delete(b, a.template!)],
        ['template from room', () => r.templates.createFromRoom(b, a.room!, 'stolen')],
        ['room from template', () => r.rooms.create(b, { name: 'x', templateId: a.template! }, { now: NOW })],
        ['update contact', () => r.contacts.update(b, a.contact!, { name: 'x' })],
        ['delete contact', () => r.contacts.delete(b, a.contact!)],
        ['rename group', () => r.contacts.renameGroup(b, a.group!, 'x')],
        ['delete group', () => r.contacts.deleteGroup(b, a.group!)],
        ['add to A group', () => r.contacts.addToGroup(b, a.group!, [a.contact!])],
        ['unbind', () => r.conveners.unbind(b, a.binding!)],
        ['bind to A room', () => r.conveners.bind(b, { number: '13500135000', roomId: a.room! }, { now: NOW })],
        ['start conference', () => r.conferences.startOrGet(b, { roomId: a.room!, at: NOW })],
        ['end conference', () => r.conferences.end(b, a.conference!, { at: NOW, reason: 'x' })],
        ['extend conference', () => r.conferences.extend(b, a.conference!, 15)],
        ['lock conference', () => r.conferences.setLocked(b, a.conference!, true)],
        ['add event', () => r.conferences.addEvent(b, a.conference!, { at: NOW, kind: 'kick' })],
        ['invite to A room', () => r.invites.create(b, { roomId: a.room!, target: '+8613900139000', source: 'web' })],
        ['invite A contact', () => r.invites.create(b, { roomId: bRoom, contactId: a.contact!, target: '+8613900139000', source: 'web' })],
        ['invite into A conference', () => r.invites.create(b, { roomId: bRoom, conferenceId: a.conference!, target: '+8613900139000', source: 'web' })],
        ['transition invite', () => r.invites.transition(b, a.invite!, 'calling')],
        ['record A conference', () => r.recordings.create(b, { conferenceId: a.conference!, path: '/tmp/b', startedAt: NOW })],
        ['finish recording', () => r.recordings.finish(b, a.recording!, { endedAt: NOW, durationMs: 1, sizeBytes: 1 })],
        ['delete recording', () => r.recordings.delete(b, a.recording!)],
        ['invitees of A room', () => r.calendar.addInvitees(b, a.room!, ['spy@example.com'])],
        ['list A invitees', () => r.calendar.invitees(b, a.room!)],
        ['A .ics sequence', () => r.calendar.sequence(b, a.room!)],
        ['bump A .ics sequence', () => r.calendar.bumpSequence(b, a.room!)],
      ];
      for (const [what, write] of writes) await assert.rejects(write(), NotFoundError, what);
      // Bulk operations with foreign ids silently skip them.
      assert.equal(await r.contacts.addToGroup(b, bGroup, [a.contact!]), 0);
      assert.equal(await r.contacts.removeFromGroup(b, a.group!, [a.contact!]), 0);
      await r.rooms.delete(b, bRoom);
      await r.contacts.deleteGroup(b, bGroup);
      assert.equal(await snapshot(db), before, 'A\'s rows changed');
    });
  });
}
