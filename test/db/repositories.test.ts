import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../core/errors.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { parseContactsCsv } from '../../core/contacts/csv.ts';
import { checkRoomAdmission } from '../../core/rooms/admission.ts';
import type { LegRecord } from '../../core/cdr/leg.ts';
import { randomUUID } from 'node:crypto';

const NOW = new Date('2026-06-01T02:00:00Z');

function leg(over: Partial<LegRecord>): LegRecord {
  return {
    id: randomUUID(), nodeId: 'local', accountId: null, conferenceId: null, roomId: null, roomNumber: null, direction: 'in',
    caller: '+8613900139000', callee: '4006701018', accessNumberId: null, accessNumber: '4006701018', role: 'guest', displayName: '',
    startedAt: NOW, answeredAt: NOW, endedAt: null, lastCheckpointAt: NOW, q850Cause: null, state: 'open', closedByRecovery: false, ...over,
  };
}

for (const engine of dbEngines()) {
  describe(`repositories on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    let accountId: string;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
      accountId = (await r.accounts.create({ name: 'Acme 公司', tier: 'trial' })).id;
    });

    it('accounts: recharge adds balance atomically and is recorded', async () => {
      const rc = await r.accounts.recharge(accountId, 5000, { note: 'first' });
      assert.equal(rc.balanceAfterMinor, 5000);
      await r.accounts.recharge(accountId, 2500);
      assert.equal((await r.accounts.get(accountId)).balanceMinor, 7500);
      assert.equal((await r.accounts.listRecharges(accountId)).length, 2);
      await assert.rejects(r.accounts.recharge(accountId, 1.5), ValidationError);
      await assert.rejects(r.accounts.update(accountId, { timeZone: 'Nowhere/Land' }), ValidationError);
      assert.equal((await r.accounts.setFrozen(accountId, true)).frozen, true);
      await r.accounts.setFrozen(accountId, false);
    });

    it('transaction: commits everything together, or leaves nothing behind when a step fails (a taken login)', async () => {
      await r.users.create({ accountId, role: 'owner', username: 'tx-taken', password: 'Taken#2026' });
      const before = (await r.accounts.list()).length;
      await assert.rejects(r.transaction(async (tx) => {
        const acc = await tx.accounts.create({ name: 'Half-made Ltd' });
        await tx.accounts.recharge(acc.id, 1000, { note: 'opening balance' });
        await tx.users.create({ accountId: acc.id, role: 'owner', username: 'tx-taken', password: 'Other#2026' });
      }), ConflictError);
      const after = await r.accounts.list();
      assert.equal(after.length, before);
      assert.ok(!after.some((a) => a.name === 'Half-made Ltd'), 'no orphan account');
      const n = await db('recharges').where({ note: 'opening balance' }).count('* as n') as Array<{ n: unknown }>;
      assert.equal(Number(n[0]!.n), 0, 'no orphan recharge');

      const made = await r.transaction(async (tx) => {
        const acc = await tx.accounts.create({ name: 'Whole Ltd' });
        await tx.accounts.recharge(acc.id, 1000, { note: 'opening balance' });
        const owner = await tx.users.create({ accountId: acc.id, role: 'owner', username: 'tx-whole', password: 'Whole#2026' });
        return { acc, owner };
      });
      assert.equal((await r.accounts.get(made.acc.id)).balanceMinor, 1000);
      assert.equal((await r.users.findById(made.owner.id))?.accountId, made.acc.id);
    });

    it('users: argon2id hashes, three wrong passwords lock the login for three minutes', async () => {
      const u = await r.users.create({ accountId, role: 'owner', username: 'alice', password: 'Secret#123' });
      const row = await db('users').where({ id: u.id }).first() as { password_hash: string };
      assert.match(row.password_hash, /^\$argon2id\$/);
      await assert.rejects(r.users.create({ accountId, role: 'owner', username: 'ALICE', password: 'Secret#123' }), ConflictError);
      await assert.rejects(r.users.create({ accountId, role: 'owner', username: 'weak', password: 'password' }), ValidationError);
      assert.equal((await r.users.authenticate('alice', 'Secret#123', NOW)).ok, true);
      const t = (s: number) => new Date(NOW.getTime() + s * 1000);
      assert.deepEqual(await r.users.authenticate('alice', 'wrong', t(1)), { ok: false, reason: 'invalid' });
      assert.deepEqual(await r.users.authenticate('alice', 'wrong', t(2)), { ok: false, reason: 'invalid' });
      const locked = await r.users.authenticate('alice', 'wrong', t(3));
      assert.equal(locked.ok === false && locked.reason, 'locked');
      // Even the right password is refused while locked…
      assert.equal((await r.users.authenticate('alice', 'Secret#123', t(100))).ok, false);
      // …and accepted after three minutes.
      assert.equal((await r.users.authenticate('alice', 'Secret#123', t(3 + 180))).ok, true);
      assert.deepEqual(await r.users.authenticate('nobody', 'x', NOW), { ok: false, reason: 'invalid' });
    });

    it('rooms: generated number and PINs, tier cap, unique number, schedule in the account zone', async () => {
      const room = await r.rooms.create(accountId, { name: '周会 weekly' }, { now: NOW });
      assert.match(room.number, /^[1-9][0-9]{7}$/);
      assert.match(room.chairPin, /^[0-9]{6}$/);
      assert.notEqual(room.chairPin, room.guestPin);
      assert.equal(room.maxParticipants, 10); // trial default
      assert.equal(room.schedule.startsAt.getTime(), NOW.getTime());
      await assert.rejects(r.rooms.create(accountId, { name: 'big', maxParticipants: 11 }, { now: NOW }), ValidationError);
      await assert.rejects(r.rooms.create(accountId, { name: 'dup', number: room.number }, { now: NOW }), ConflictError);
      await assert.rejects(r.rooms.create(accountId, { name: 'pins', chairPin: '1111', guestPin: '1111' }, { now: NOW }), ValidationError);
      const other = await r.rooms.create(accountId, { name: 'other', number: '7654321', guestPin: '' }, { now: NOW });
      assert.equal(other.guestPin, '');
      await assert.rejects(r.rooms.update(accountId, other.id, { number: room.number }), ConflictError);
      const upd = await r.rooms.update(accountId, other.id, {
        chairPin: '2468', options: { guestWaitForChair: true }, schedule: { rrule: 'FREQ=WEEKLY;BYDAY=MO', durationMinutes: 90 },
      });
      assert.equal(upd.chairPin, '2468');
      assert.equal(upd.options.guestWaitForChair, true);
      assert.equal(upd.schedule.rrule, 'FREQ=WEEKLY;BYDAY=MO');
      await assert.rejects(r.rooms.update(accountId, other.id, { schedule: { autoExtendMinutes: 20 } }), ValidationError);
      assert.equal((await r.rooms.findByNumber('7654321'))?.id, other.id);
      assert.equal(await r.rooms.findByNumber('0000000'), undefined);
      assert.equal(await r.rooms.findByNumber("1' OR '1'='1"), undefined);
      const ai = await r.rooms.setAutoInvites(accountId, other.id, [{ target: '+8613900139000', name: 'A' }, { target: '+8613900139000' }]);
      assert.equal(ai.length, 1);
    });

    it('templates: the default template shapes new rooms', async () => {
      await r.templates.create(accountId, { name: 'quiet', isDefault: true, settings: { options: { muteOnEntry: true }, durationMinutes: 30, earlyEntryMinutes: 5 } });
      const room = await r.rooms.create(accountId, { name: 'from template' }, { now: NOW });
      assert.equal(room.options.muteOnEntry, true);
      assert.equal(room.schedule.durationMinutes, 30);
      const t2 = await r.templates.createFromRoom(accountId, room.id, 'copy', true);
      assert.equal(t2.isDefault, true);
      assert.equal((await r.templates.getDefault(accountId))?.id, t2.id);
      assert.equal((await r.templates.list(accountId)).filter((t) => t.isDefault).length, 1);
    });

    it('contacts: duplicate warning, groups, CSV import and export', async () => {
      const a = await r.contacts.create(accountId, { name: '张三', phone: '138 0013 8000' });
      assert.equal(a.contact.phone, '+8613800138000');
      assert.equal(a.duplicates.length, 0);
      const b = await r.contacts.create(accountId, { name: '张三 (2)', phone: '+8613800138000' });
      assert.deepEqual(b.duplicates.map((c) => c.id), [a.contact.id]);
      await assert.rejects(r.contacts.create(accountId, { name: 'bad', phone: 'abc' }), ValidationError);
      const g = await r.contacts.createGroup(accountId, '销售');
      await assert.rejects(r.contacts.createGroup(accountId, '销售'), ConflictError);
      assert.equal(await r.contacts.addToGroup(accountId, g.id, [a.contact.id, b.contact.id]), 2);
      assert.equal(await r.contacts.addToGroup(accountId, g.id, [a.contact.id]), 0);
      assert.equal((await r.contacts.list(accountId, { groupId: g.id })).length, 2);
      assert.equal((await r.contacts.list(accountId, { search: '张三 (' })).length, 1);
      assert.equal((await r.contacts.list(accountId, { search: '%' })).length, 0);

      const parsed = parseContactsCsv('name,phone,groups\n李四,13900139000,销售;新组\n重复,13800138000,\n');
      const rep = await r.contacts.importCsv(accountId, parsed, { onDuplicate: 'skip' });
      assert.equal(rep.created, 1);
      assert.deepEqual(rep.skippedExisting, [{ line: 3, phone: '+8613800138000' }]);
      assert.deepEqual(rep.groupsCreated, ['新组']);
      const csv = await r.contacts.exportCsv(accountId);
      assert.ok(csv.includes('李四,+8613900139000,,,新组;销售,') || csv.includes('李四,+8613900139000,,,销售;新组,'), csv);
      const groups = await r.contacts.listGroups(accountId);
      assert.equal(groups.find((x) => x.name === '销售')?.memberCount, 3);
    });

    it('conveners: a bound number gets a personal room; a number binds once on the platform', async () => {
      const bnd = await r.conveners.bind(accountId, { number: '13700137000', name: 'Boss' }, { now: NOW });
      assert.equal(bnd.number, '+8613700137000');
      const room = await r.rooms.get(accountId, bnd.roomId);
      assert.equal(room.kind, 'personal');
      assert.equal((await r.conveners.findByNumber('+8613700137000'))?.accountId, accountId);
      const other = await r.accounts.create({ name: 'other' });
      await assert.rejects(r.conveners.bind(other.id, { number: '+86 137 0013 7000' }, { now: NOW }), ConflictError);
      await r.conveners.unbind(accountId, bnd.id);
      await assert.rejects(r.rooms.get(accountId, bnd.roomId), NotFoundError);
    });

    it('conferences: one live run per room, extensions, events; admission uses them', async () => {
      const acc = await r.accounts.create({ name: 'conf', tier: 'formal' });
      await r.accounts.recharge(acc.id, 1000);
      const room = await r.rooms.create(acc.id, { name: 'r', schedule: { startsAt: NOW, durationMinutes: 60 } }, { now: NOW });
      // Two callers at once: one run is created, the other gets it (whichever wins the race; both ask for the same window).
      const run = { roomId: room.id, at: NOW, occurrenceStart: NOW, scheduledEnd: new Date(NOW.getTime() + 3600_000) };
      const [c1, c2] = await Promise.all([r.conferences.startOrGet(acc.id, run), r.conferences.startOrGet(acc.id, run)]);
      assert.equal(c1.conference.id, c2.conference.id);
      assert.equal([c1.created, c2.created].filter(Boolean).length, 1);
      const late = new Date(NOW.getTime() + 65 * 60_000);
      assert.equal((await checkRoomAdmission(r, room.number, late)).ok, false);
      const ext = await r.conferences.extend(acc.id, c1.conference.id, 15);
      assert.equal(ext.extendedMinutes, 15);
      assert.equal(ext.scheduledEnd?.toISOString(), new Date(NOW.getTime() + 75 * 60_000).toISOString());
      const adm = await checkRoomAdmission(r, room.number, late);
      assert.equal(adm.ok, true);
      await r.conferences.addEvent(acc.id, c1.conference.id, { at: NOW, kind: 'join', actor: 'leg:1', data: { name: '张三' } });
      await r.conferences.end(acc.id, c1.conference.id, { at: late, reason: 'last left' });
      await r.conferences.end(acc.id, c1.conference.id, { at: late, reason: 'again' }); // idempotent
      const evs = await r.conferences.listEvents(acc.id, c1.conference.id);
      assert.deepEqual(evs.map((e) => e.kind), ['start', 'join', 'end']);
      assert.deepEqual(evs[1]!.data, { name: '张三' });
      assert.equal((await r.conferences.listByRoom(acc.id, room.id)).length, 1);
      assert.equal((await checkRoomAdmission(r, '99999999', NOW)).ok, false);
      await r.accounts.setFrozen(acc.id, true);
      const frozen = await checkRoomAdmission(r, room.number, NOW);
      assert.equal(frozen.ok === false && frozen.reason, 'service_unavailable');
    });

    it('invites: state machine enforced, redial after failure', async () => {
      const room = await r.rooms.create(accountId, { name: 'inv' }, { now: NOW });
      const inv = await r.invites.create(accountId, { roomId: room.id, target: '+8613900139000', source: 'web', name: '李四' });
      assert.equal(inv.state, 'queued');
      await r.invites.transition(accountId, inv.id, 'calling');
      await r.invites.transition(accountId, inv.id, 'busy', { q850Cause: 17, sipStatus: 486 });
      await assert.rejects(r.invites.transition(accountId, inv.id, 'answered'), InvalidStateError);
      const again = await r.invites.transition(accountId, inv.id, 'queued');
      assert.equal(again.q850Cause, null);
    });

    it('invites: the state history (one row per change, with SIP status and Q.850), joined with its participant, refused', async () => {
      const room = await r.rooms.create(accountId, { name: 'inv-history' }, { now: NOW });
      assert.equal(room.options.inviteConfirm, true, 'press 1 to join is on by default');
      const inv = await r.invites.create(accountId, { roomId: room.id, target: '+8613900139002', source: 'phone' });
      await r.invites.transition(accountId, inv.id, 'calling');
      await r.invites.transition(accountId, inv.id, 'busy', { q850Cause: 17, sipStatus: 486 });
      await r.invites.transition(accountId, inv.id, 'queued');
      await r.invites.transition(accountId, inv.id, 'calling');
      await r.invites.transition(accountId, inv.id, 'ringing');
      await r.invites.transition(accountId, inv.id, 'answered', { legId: '6f1c1d52-2a5e-4d4e-9d0b-3f3c8f0a1b2c' });
      const joined = await r.invites.transition(accountId, inv.id, 'joined', { participantId: 'leg-42' });
      assert.deepEqual({ state: joined.state, participantId: joined.participantId, source: joined.source }, { state: 'joined', participantId: 'leg-42', source: 'phone' });
      const h = await r.invites.history(accountId, inv.id);
      assert.deepEqual(h.map((e) => [e.state, e.sipStatus, e.q850Cause]), [
        ['queued', null, null], ['calling', null, null], ['busy', 486, 17], ['queued', null, null], ['calling', null, null], ['ringing', null, null], ['answered', null, null], ['joined', null, null],
      ]);
      assert.ok(h.every((e, i) => i === 0 || e.at >= h[i - 1]!.at));
      await assert.rejects(r.invites.transition(accountId, inv.id, 'busy'), InvalidStateError);
      const other = await r.accounts.create({ name: 'history-other' });
      await assert.rejects(r.invites.history(other.id, inv.id), NotFoundError);
      const ref = await r.invites.create(accountId, { roomId: room.id, target: '+8613900139003', source: 'web' });
      assert.equal((await r.invites.transition(accountId, ref.id, 'refused')).state, 'refused');
      assert.equal((await r.invites.transition(accountId, ref.id, 'queued')).state, 'queued');
      // Many at once: in order, each with its first history row; a contact of another account creates none.
      const many = await r.invites.createMany(accountId, Array.from({ length: 300 }, (_, i) => ({ roomId: room.id, target: `+86139${String(10_000_000 + i)}`, source: 'bulk' as const })));
      assert.deepEqual(many.map((i) => i.target), Array.from({ length: 300 }, (_, i) => `+86139${String(10_000_000 + i)}`));
      assert.deepEqual((await r.invites.history(accountId, many[299]!.id)).map((h) => h.state), ['queued']);
      const otherContact = (await r.contacts.create(other.id, { name: 'x', phone: '13900139004' })).contact.id;
      const before = (await r.invites.listByRoom(accountId, room.id, 1000)).length;
      await assert.rejects(r.invites.createMany(accountId, [{ roomId: room.id, target: '+8613900139005', source: 'bulk' }, { roomId: room.id, target: '+8613900139006', source: 'bulk', contactId: otherContact }]), NotFoundError);
      assert.equal((await r.invites.listByRoom(accountId, room.id, 1000)).length, before);
    });

    it('rates: one per destination, upsert replaces', async () => {
      const an = await r.accessNumbers.create({ number: '4001234567', kind: 'meeting', language: 'en' });
      await r.rates.create({ direction: 'in', destinationClass: 'access_number', accessNumberId: an.id, perMinuteMinor: 15 });
      await assert.rejects(r.rates.create({ direction: 'in', destinationClass: 'access_number', accessNumberId: an.id, perMinuteMinor: 9 }), ConflictError);
      await r.rates.upsert({ direction: 'in', destinationClass: 'access_number', accessNumberId: an.id, perMinuteMinor: 9, incrementS: 6 });
      await r.rates.upsert({ direction: 'out', destinationClass: 'international', prefix: '44', perMinuteMinor: 80 });
      await r.rates.upsert({ direction: 'out', destinationClass: 'international', prefix: '44', perMinuteMinor: 70 });
      const list = await r.rates.list();
      assert.equal(list.find((x) => x.accessNumberId === an.id)?.perMinuteMinor, 9);
      assert.equal(list.filter((x) => x.prefix === '44').length, 1);
      await assert.rejects(r.rates.create({ direction: 'out', destinationClass: 'access_number', perMinuteMinor: 1 }), ValidationError);
      await assert.rejects(r.rates.create({ direction: 'out', destinationClass: 'international', prefix: '+1', perMinuteMinor: 1 }), ValidationError);
    });

    it('CDRs: a closed leg is rated and charged exactly once, however often it is written', async () => {
      const acc = await r.accounts.create({ name: 'cdr', tier: 'formal' });
      await r.accounts.recharge(acc.id, 100);
      const an = await r.accessNumbers.create({ number: '4007654321', kind: 'meeting' });
      await r.rates.create({ direction: 'in', destinationClass: 'access_number', accessNumberId: an.id, perMinuteMinor: 30, incrementS: 60 });
      await r.rates.upsert({ direction: 'out', destinationClass: 'domestic_mobile', perMinuteMinor: 12, incrementS: 6 });
      const inLeg = leg({ accountId: acc.id, accessNumberId: an.id, answeredAt: new Date(NOW.getTime() + 2000) });
      await r.cdrs.write(inLeg);
      const closed = { ...inLeg, state: 'closed' as const, endedAt: new Date(inLeg.answeredAt!.getTime() + 61_000), q850Cause: 16 };
      await r.cdrs.write(closed);
      await r.cdrs.write(closed);
      await r.cdrs.write({ ...inLeg, lastCheckpointAt: new Date(NOW.getTime() + 9000) }); // stale open state after close: ignored
      const cdr = await r.cdrs.get(acc.id, inLeg.id);
      assert.deepEqual([cdr.state, cdr.billableSeconds, cdr.billedSeconds, cdr.costMinor, cdr.ratePerMinuteMinor], ['closed', 61, 120, 60, 30]);
      assert.equal((await r.accounts.get(acc.id)).balanceMinor, 40);

      // A dial-out leg that exhausts the balance: charged, account flagged, the owner warned in the audit log.
      const out = leg({ accountId: acc.id, direction: 'out', caller: '888888', callee: '+8613900139000', accessNumber: null, state: 'closed',
        answeredAt: NOW, endedAt: new Date(NOW.getTime() + 301_000), q850Cause: 16 });
      await r.cdrs.write(out);
      const after = await r.accounts.get(acc.id);
      assert.equal(after.balanceMinor, 40 - 62); // 306 s × 12 / 60 = 61.2 → 62
      assert.ok(after.balanceExhaustedAt);
      assert.equal((await r.audit.list(acc.id, { action: 'balance.exhausted' })).length, 1);
      const rows = await r.cdrs.list(acc.id, { from: new Date(NOW.getTime() - 1000), to: new Date(NOW.getTime() + 3600_000) });
      assert.equal(rows.length, 2);
      assert.deepEqual(await r.cdrs.totals(acc.id, { from: new Date(0), to: new Date(NOW.getTime() + 3600_000) }), { calls: 2, billableSeconds: 61 + 301, costMinor: 122 });
      const csv = await r.cdrs.exportCsv(acc.id, { from: new Date(0), to: new Date(NOW.getTime() + 3600_000) });
      assert.equal(csv.trim().split('\n').length, 3);
      await r.accounts.recharge(acc.id, 1000);
      assert.equal((await r.accounts.get(acc.id)).balanceExhaustedAt, null);
    });

    it('recordings: listed until deleted', async () => {
      const acc = await r.accounts.create({ name: 'rec', tier: 'formal' });
      const room = await r.rooms.create(acc.id, { name: 'r' }, { now: NOW });
      const { conference } = await r.conferences.startOrGet(acc.id, { roomId: room.id, at: NOW });
      const rec = await r.recordings.create(acc.id, { conferenceId: conference.id, path: '/tmp/x.wav', startedAt: NOW });
      await r.recordings.finish(acc.id, rec.id, { endedAt: NOW, durationMs: 1000, sizeBytes: 16000 });
      assert.equal((await r.recordings.list(acc.id)).length, 1);
      await r.recordings.delete(acc.id, rec.id);
      assert.equal((await r.recordings.list(acc.id)).length, 0);
      await assert.rejects(r.recordings.get(acc.id, rec.id), NotFoundError);
    });
  });
}
