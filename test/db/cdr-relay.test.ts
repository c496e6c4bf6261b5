// The 'relay' CDR direction (issue 18): the host node's leg of a caller that
// another node relays to it. The caller is billed on its entry node, so the
// relay leg closes unrated (cost 0, no "no rate" warning) even where a rate
// would match its access number; and the account sees the caller once, by
// the entry node's leg: the relay leg is absent from the call records, the
// totals, the per-meeting bills, the calls CSV, the history's participants,
// the meeting record's participants and its summary mail, and the
// operator's count of open calls — while the row stays in the database and
// a query for direction 'relay' returns it. The month report's queries, with
// that filter, still read call_legs by index-only scans (migration 023).
import { describe, it, before } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { pino } from 'pino';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { KnexCdrStore } from '../../core/cdr/knex-store.ts';
import type { LegRecord } from '../../core/cdr/leg.ts';
import { HistoryService } from '../../web/history/service.ts';
import { BillingService } from '../../web/billing/service.ts';
import type { Period } from '../../web/billing/period.ts';
import { summaryMail } from '../../web/meeting-records/summary-mail.ts';

const NOW = new Date('2026-06-01T02:00:00Z');
const at = (s: number): Date => new Date(NOW.getTime() + s * 1000);

function leg(over: Partial<LegRecord>): LegRecord {
  return {
    id: randomUUID(), nodeId: 'local', accountId: null, conferenceId: null, roomId: null, roomNumber: null, direction: 'in',
    caller: '+8613900139000', callee: '4006701018', accessNumberId: null, accessNumber: null, role: 'guest', displayName: '',
    startedAt: NOW, answeredAt: at(2), endedAt: null, lastCheckpointAt: null, q850Cause: null, state: 'open', closedByRecovery: false, ...over,
  };
}

const closed = (l: LegRecord, endS: number): LegRecord => ({ ...l, state: 'closed', endedAt: at(endS), q850Cause: 16 });

/** A CDR store whose warnings are kept (the product logs them; tests run with logging silent). */
function storeWithWarnings(db: Knex): { store: KnexCdrStore; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const sink = { write: (line: string) => { warnings.push(JSON.parse(line) as Record<string, unknown>); } };
  return { store: new KnexCdrStore(db, { log: pino({ level: 'warn' }, sink) }), warnings };
}

for (const engine of dbEngines()) {
  describe(`relay call legs on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
    });

    it('a relay leg closes unrated: billed 0, cost 0, no rate, no "no rate" warning, the balance untouched', async () => {
      const acc = await r.accounts.create({ name: 'relay-rating', tier: 'formal' });
      await r.accounts.recharge(acc.id, 1000);
      const an = await r.accessNumbers.create({ number: '4007000231', kind: 'meeting' });
      // Rates that would match were the leg rated as a dial-in or a browser leg.
      await r.rates.create({ direction: 'in', destinationClass: 'access_number', accessNumberId: an.id, perMinuteMinor: 30, incrementS: 60 });
      await r.rates.upsert({ direction: 'webrtc', destinationClass: 'webrtc', perMinuteMinor: 5, incrementS: 60 });
      const { store, warnings } = storeWithWarnings(db);

      const relay = leg({ accountId: acc.id, direction: 'relay', accessNumberId: an.id, accessNumber: an.number });
      await store.write(relay);
      await store.write(closed(relay, 2 + 61));
      const row = await store.get(acc.id, relay.id);
      assert.deepEqual(
        [row.direction, row.state, row.billableSeconds, row.billedSeconds, row.costMinor, row.rateId, row.ratePerMinuteMinor, row.destinationClass],
        ['relay', 'closed', 61, 0, 0, null, null, null]);
      assert.ok(row.chargedAt, 'charged (at 0) once, like every closed leg');
      assert.equal((await r.accounts.get(acc.id)).balanceMinor, 1000);
      assert.equal(warnings.length, 0, `no warning for a relay leg: ${JSON.stringify(warnings)}`);

      // The control: an answered 'in' leg with no matching rate is billed at 0 WITH the warning (the capture works).
      const other = await r.accessNumbers.create({ number: '4007000232', kind: 'meeting' });
      const unrated = leg({ accountId: acc.id, direction: 'in', accessNumberId: other.id, accessNumber: other.number });
      await store.write(closed(unrated, 2 + 61));
      assert.equal(warnings.length, 1, JSON.stringify(warnings));
      assert.equal(warnings[0]!.msg, 'no rate for an answered leg; billed at 0');
      assert.equal(warnings[0]!.legId, unrated.id);
      // And the same access number's 'in' leg is rated: the relay leg's zero is its direction, not a missing rate.
      const billed = leg({ accountId: acc.id, direction: 'in', accessNumberId: an.id, accessNumber: an.number });
      await store.write(closed(billed, 2 + 61));
      assert.deepEqual([(await store.get(acc.id, billed.id)).costMinor, (await r.accounts.get(acc.id)).balanceMinor], [60, 940]);
      assert.equal(warnings.length, 1);
    });

    it('the account sees a relayed caller once: relay legs are left out of records, totals, bills, CSV, history, meeting records and the open-call count', async () => {
      const acc = await r.accounts.create({ name: 'relay-views', tier: 'formal' });
      const room = await r.rooms.create(acc.id, { name: 'relay room' }, { now: NOW });
      const { conference } = await r.conferences.startOrGet(acc.id, { roomId: room.id, at: NOW });
      const base = { accountId: acc.id, conferenceId: conference.id, roomId: room.id, roomNumber: room.number, displayName: 'Li Lei', role: 'guest' };
      // The caller's leg on the node it called (the billed record) and the relay leg on the room's host: same caller, same conference.
      const entry = leg({ ...base, direction: 'in', callee: '4006701018', accessNumber: '4006701018' });
      const relay = leg({ ...base, direction: 'relay', callee: room.number, startedAt: at(1), answeredAt: at(2) });
      // Another participant who called the host node directly.
      const direct = leg({ ...base, direction: 'in', caller: '+8613800138000', displayName: 'Han Meimei', callee: '4006701018', accessNumber: '4006701018' });
      for (const l of [entry, relay, direct]) await r.cdrs.write(l);

      // While the calls are up, the operator's open calls count the relayed caller once (this database's only open legs).
      assert.equal((await r.capacity.liveLoad()).openCalls, 2);
      await r.cdrs.write(closed(entry, 600));
      await r.cdrs.write(closed(direct, 600));
      assert.equal((await r.capacity.liveLoad()).openCalls, 0, 'the open relay leg is not a call of its own');
      await r.cdrs.write(closed(relay, 600));
      await r.conferences.end(acc.id, conference.id, { at: at(600), reason: 'last_left' });

      const range = { from: at(-3600), to: at(3600) };
      const ids = (rows: ReadonlyArray<{ id?: string; legId?: string }>) => rows.map((x) => x.id ?? x.legId).sort();
      const want = [entry.id, direct.id].sort();

      // The store: records, totals, per-meeting bills, CSV; the relay row is still there when asked for.
      assert.deepEqual(ids(await r.cdrs.list(acc.id, range)), want);
      assert.deepEqual(ids(await r.cdrs.list(acc.id, { ...range, conferenceId: conference.id })), want);
      assert.deepEqual(ids(await r.cdrs.list(acc.id, { ...range, direction: 'relay' })), [relay.id]);
      assert.equal((await r.cdrs.get(acc.id, relay.id)).direction, 'relay', 'kept for tracing');
      assert.equal((await r.cdrs.totals(acc.id, range)).calls, 2);
      const bills = await r.cdrs.conferenceBills(acc.id, range);
      assert.deepEqual(bills.map((b) => [b.conferenceId, b.participants, b.billableSeconds]), [[conference.id, 2, 598 * 2]]);
      const csv = await r.cdrs.exportCsv(acc.id, range);
      assert.equal(csv.trim().split('\n').length, 3, csv);
      assert.ok(!csv.includes('relay'), csv);
      assert.equal(csv.split('+8613900139000').length - 1, 1, `the relayed caller once: ${csv}`);

      // The web's services over the same store.
      const history = await new HistoryService(r).detail(acc.id, conference.id, at(3600));
      assert.deepEqual(ids(history.participants), want);
      const billing = new BillingService(r);
      const period: Period = { kind: 'range', from: range.from, to: range.to, month: '2026-06', fromDay: '2026-06-01', toDay: '2026-06-01' };
      const report = await billing.report(acc.id, period);
      assert.deepEqual([ids(report.calls), report.totals.calls, report.conferences[0]?.participants], [want, 2, 2]);
      const callsCsv = await billing.callsCsv(acc.id, period);
      assert.equal(callsCsv.trim().split('\n').length, 3);
      assert.ok(!callsCsv.includes('relay'));
      const meetingsCsv = (await billing.meetingsCsv(acc.id, period)).trim().split('\n');
      assert.equal(meetingsCsv.length, 2);
      assert.match(meetingsCsv[1]!, new RegExp(`^${room.number},.*,2,${598 * 2},`), meetingsCsv[1]);

      // The meeting record and its summary mail list each caller once.
      const participants = await r.meetingRecords.participants(acc.id, conference.id);
      assert.deepEqual(ids(participants), want);
      const mail = summaryMail({
        account: await r.accounts.get(acc.id), conference: await r.conferences.get(acc.id, conference.id), roomName: room.name, participants,
        recordings: [], locale: 'en', publicUrl: 'https://meet.example.com', defaultRegion: 'CN',
      }, 'owner@example.com');
      assert.match(mail.text, /Participants \(2\):/);
      assert.equal(mail.text.split('Li Lei').length - 1, 1, mail.text);
    });

    it('the month report still reads call_legs by index-only scans with relay legs left out (the covering indexes hold the direction)', async () => {
      const acc = await r.accounts.create({ name: 'relay-plans', tier: 'formal' });
      const room = await r.rooms.create(acc.id, { name: 'plans' }, { now: NOW });
      const { conference } = await r.conferences.startOrGet(acc.id, { roomId: room.id, at: NOW });
      for (const direction of ['in', 'relay'] as const) await r.cdrs.write(closed(leg({ accountId: acc.id, conferenceId: conference.id, direction }), 60));
      // The statements the store runs for the totals and the per-meeting bills, as knex sends them.
      const sent: Array<{ sql: string; bindings: readonly unknown[] }> = [];
      const keep = (q: { sql: string; bindings?: readonly unknown[] }) => { sent.push({ sql: q.sql, bindings: q.bindings ?? [] }); };
      db.on('query', keep);
      try {
        const range = { from: at(-3600), to: at(3600) };
        assert.equal((await r.cdrs.totals(acc.id, range)).calls, 1);
        assert.equal((await r.cdrs.conferenceBills(acc.id, range))[0]?.participants, 1);
      } finally {
        db.off('query', keep);
      }
      const reads = sent.filter((q) => q.sql.includes('call_legs'));
      assert.equal(reads.length, 2, JSON.stringify(sent));
      for (const q of reads) {
        // A tiny table would be read sequentially: plans are compared with that (and bitmap scans) off.
        const plan = await db.transaction(async (trx) => {
          await trx.raw('SET LOCAL enable_seqscan = off');
          await trx.raw('SET LOCAL enable_bitmapscan = off');
          // knex reports the driver's $n placeholders; raw() takes ?.
          const order = [...q.sql.matchAll(/\$(\d+)/g)].map((m) => q.bindings[Number(m[1]) - 1]);
          const res = await trx.raw(`EXPLAIN ${q.sql.replace(/\$\d+/g, '?')}`, order as Knex.RawBinding[]) as { rows: Array<Record<string, string>> };
          return res.rows.map((row) => Object.values(row)[0] ?? '');
        });
        const legScans = plan.filter((line) => / on call_legs\b/.test(line));
        assert.ok(legScans.length > 0, plan.join('\n'));
        for (const line of legScans) assert.match(line, /Index Only Scan using call_legs_(account|conference)_report on call_legs/, plan.join('\n'));
      }
    });
  });
}
