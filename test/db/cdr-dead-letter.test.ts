// A CDR the database refuses for good does not block the others (issue 15):
// it is set aside (cdr_dead_letters, or a file beside the journal), counted
// (bridge_cdr_dead_letter_total) and logged once; every other CDR is written
// and the journal compacts past it. On PGlite and on PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { dbEngines } from '../support/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { CdrRecorder } from '../../core/cdr/recorder.ts';
import { legToJson, type CdrSink, type LegRecord } from '../../core/cdr/leg.ts';
import { classifyCdrWriteError } from '../../core/cdr/refusal.ts';
import { registry } from '../../common/metrics.ts';

const T0 = new Date('2026-06-01T02:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cdr-dead-'));
  dirs.push(d);
  return d;
}

async function deadLetterMetric(store: 'table' | 'file'): Promise<number> {
  const m = await registry.getSingleMetric('bridge_cdr_dead_letter_total')?.get();
  return m?.values.find((v) => v.labels.store === store)?.value ?? 0;
}

async function pendingMetric(): Promise<number> {
  const m = await registry.getSingleMetric('bridge_cdr_journal_pending')?.get();
  return m?.values[0]?.value ?? -1;
}

function leg(accountId: string | null, over: Partial<LegRecord> = {}): LegRecord {
  return {
    id: randomUUID(), nodeId: 'test', accountId, conferenceId: null, roomId: null, roomNumber: '888888', direction: 'in',
    caller: '+8613900139000', callee: '4006701018', accessNumberId: null, accessNumber: '4006701018', role: 'guest', displayName: '',
    startedAt: at(0), answeredAt: at(1), endedAt: null, lastCheckpointAt: at(15), q850Cause: null, state: 'open', closedByRecovery: false,
    ...over,
  };
}

/** A journal as a crash (or a restore of the database to an older backup) leaves it. */
function journalWith(path: string, legs: LegRecord[]): void {
  writeFileSync(path, legs.map((l) => JSON.stringify({ t: 'snapshot', leg: legToJson(l) }) + '\n').join(''));
}

/** The sink, with its dead-letter table refusing too: the file beside the journal takes the leg. */
class NoTableSink implements CdrSink {
  constructor(private readonly inner: CdrSink) {}
  write(l: LegRecord): Promise<void> { return this.inner.write(l); }
  writeMany(ls: readonly LegRecord[]): Promise<void> { return this.inner.writeMany!(ls); }
  listOpen(n: string): Promise<LegRecord[]> { return this.inner.listOpen(n); }
  async deadLetter(): Promise<void> { throw Object.assign(new Error('relation "cdr_dead_letters" does not exist'), { code: '42P01' }); }
}

describe('CDR write errors are classified in one place', () => {
  it('constraint and data errors are permanent; connection, shutdown, timeouts and unknowns are transient', () => {
    for (const code of ['23503', '23502', '23514', '23505', '23P01', '22001', '22P02', '22003']) {
      assert.equal(classifyCdrWriteError(Object.assign(new Error('x'), { code })).kind, 'permanent', code);
    }
    for (const code of ['08006', '08001', '57P01', '57P03', '53300', '40001', '40P01', '57014', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) {
      assert.equal(classifyCdrWriteError(Object.assign(new Error('x'), { code })).kind, 'transient', code);
    }
    const timeout = new Error('Knex: Timeout acquiring a connection. The pool is probably full.');
    timeout.name = 'KnexTimeoutError';
    assert.deepEqual(classifyCdrWriteError(timeout), { kind: 'transient', code: 'KnexTimeoutError', message: timeout.message });
    assert.equal(classifyCdrWriteError('weird').kind, 'transient');
    assert.equal(classifyCdrWriteError(null).code, 'unknown');
  });
});

for (const engine of dbEngines()) {
  describe(`CDR dead letters on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    let accountId: string;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
      accountId = (await r.accounts.create({ name: 'dead letters', tier: 'formal' })).id;
    });

    it('a journal holding a leg of an account the database does not know: start-up recovers, later CDRs are written, the leg is set aside once', async () => {
      const journalPath = join(tempDir(), 'cdr-journal.jsonl');
      const ghost = randomUUID(); // an account the database (restored from an older backup) never had
      const bad = leg(ghost); // left open by a crash
      const good = [leg(accountId), leg(accountId, { state: 'closed', endedAt: at(30), q850Cause: 16 })];
      journalWith(journalPath, [good[0]!, bad, good[1]!]);
      const before = await deadLetterMetric('table');

      const rec = CdrRecorder.start({ journalPath, sink: r.cdrs, nodeId: 'test', retryMinMs: 20, retryMaxMs: 200 });
      assert.equal(rec.lastRecovery.closed.length, 2, 'the two open legs are closed by recovery');
      const later = Array.from({ length: 40 }, (_, i) => rec.open({ direction: 'in', caller: `+86139002${String(i).padStart(5, '0')}`, callee: '4006701018', startedAt: at(60), accountId }));
      for (const l of later) rec.close(l.id, { at: at(90), q850: 16 });
      await rec.flush(20_000);
      assert.equal(await pendingMetric(), 0, 'nothing left pending');

      const rows = await db('call_legs').whereIn('id', [...good, ...later].map((l) => l.id)).select('id', 'state');
      assert.equal(rows.length, 42, 'every other CDR is written');
      assert.ok(rows.every((x) => x.state === 'closed'));
      assert.equal((await db('call_legs').where({ id: bad.id })).length, 0);

      const dead = await db('cdr_dead_letters').where({ leg_id: bad.id });
      assert.equal(dead.length, 1);
      const d = dead[0] as Record<string, unknown>;
      assert.equal(d.error_code, '23503');
      assert.match(String(d.error_message), /foreign key/);
      assert.equal(d.account_id, ghost);
      const kept = (typeof d.leg === 'string' ? JSON.parse(d.leg) : d.leg) as Record<string, unknown>;
      assert.deepEqual([kept.id, kept.state, kept.q850Cause, kept.closedByRecovery, kept.endedAt], [bad.id, 'closed', 41, true, at(15).toISOString()]);
      assert.equal(await deadLetterMetric('table') - before, 1, 'counted once');
      assert.equal(rec.stats.deadLettered, 1);
      await rec.stop();

      // The journal compacted past it: a restart does not refuse it again.
      assert.ok(!readFileSync(journalPath, 'utf8').includes(bad.id), 'the refused leg left the journal');
      const again = CdrRecorder.start({ journalPath, sink: r.cdrs, nodeId: 'test' });
      await again.flush(10_000);
      await again.stop();
      assert.equal(again.stats.deadLettered, 0);
      assert.equal((await db('cdr_dead_letters').where({ leg_id: bad.id }).first() as Record<string, unknown>).refusals, 1);
    });

    it('a leg refused mid-call in a multi-row write: found row by row, its neighbours written, reported once though refused twice', async () => {
      const journalPath = join(tempDir(), 'cdr-journal.jsonl');
      const rec = CdrRecorder.start({ journalPath, sink: r.cdrs, nodeId: 'test', coalesceMs: 30 });
      const before = await deadLetterMetric('table');
      const legs = Array.from({ length: 30 }, (_, i) => rec.open({ direction: 'in', caller: `+86139003${String(i).padStart(5, '0')}`, callee: '4006701018', startedAt: at(0), accountId }));
      const orphan = rec.open({ direction: 'in', caller: '+8613900399999', callee: '4006701018', startedAt: at(0), accountId: randomUUID() });
      await rec.flush(20_000);
      assert.equal(rec.stats.rowByRowFallbacks >= (r.cdrs.writeMany ? 1 : 0), true);
      assert.equal((await db('call_legs').whereIn('id', legs.map((l) => l.id))).length, 30);
      // The call goes on: its next events are journalled and tried again on their own.
      rec.answer(orphan.id, at(2));
      rec.checkpointAll(at(15));
      for (const l of legs) rec.close(l.id, { at: at(40), q850: 16 });
      rec.close(orphan.id, { at: at(40), q850: 16 });
      await rec.flush(20_000);
      assert.equal((await db('call_legs').whereIn('id', legs.map((l) => l.id)).where({ state: 'closed' })).length, 30);
      const d = await db('cdr_dead_letters').where({ leg_id: orphan.id }).first() as Record<string, unknown>;
      const kept = (typeof d.leg === 'string' ? JSON.parse(d.leg) : d.leg) as Record<string, unknown>;
      assert.equal(kept.state, 'closed', 'the row holds the leg as it ended');
      assert.ok(Number(d.refusals) >= 2);
      assert.equal(await deadLetterMetric('table') - before, 1, 'one leg, one count');
      await rec.stop();
      assert.ok(!readFileSync(journalPath, 'utf8').includes(orphan.id));
    });

    it('when the database refuses the dead-letter row too, the leg goes to a file beside the journal (fsynced) and still leaves the journal', async () => {
      const journalPath = join(tempDir(), 'cdr-journal.jsonl');
      const bad = leg(randomUUID(), { state: 'closed', endedAt: at(20), q850Cause: 16 });
      const good = leg(accountId, { state: 'closed', endedAt: at(20), q850Cause: 16 });
      journalWith(journalPath, [bad, good]);
      const before = await deadLetterMetric('file');
      const rec = CdrRecorder.start({ journalPath, sink: new NoTableSink(r.cdrs), nodeId: 'test' });
      await rec.flush(20_000);
      await rec.stop();
      assert.equal((await db('call_legs').where({ id: good.id })).length, 1);
      assert.ok(existsSync(rec.deadLetterPath));
      const lines = readFileSync(rec.deadLetterPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.equal(lines.length, 1);
      assert.equal(lines[0]!.code, '23503');
      assert.equal((lines[0]!.leg as Record<string, unknown>).id, bad.id);
      assert.equal(await deadLetterMetric('file') - before, 1);
      assert.ok(!readFileSync(journalPath, 'utf8').includes(bad.id));
    });

    it('a transient failure is not a refusal: nothing is dead-lettered while the database is away', async () => {
      const journalPath = join(tempDir(), 'cdr-journal.jsonl');
      let down = true;
      const flaky: CdrSink = {
        write: async (l) => { if (down) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }); return r.cdrs.write(l); },
        writeMany: async (ls) => { if (down) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '08006' }); return r.cdrs.writeMany!(ls); },
        listOpen: (n) => r.cdrs.listOpen(n),
        deadLetter: (l, e) => r.cdrs.deadLetter!(l, e),
      };
      const rec = CdrRecorder.start({ journalPath, sink: flaky, nodeId: 'test', retryMinMs: 10, retryMaxMs: 50 });
      const legs = Array.from({ length: 5 }, () => rec.open({ direction: 'in', caller: '+8613900139001', callee: '4006701018', startedAt: at(0), accountId }));
      for (const l of legs) rec.close(l.id, { at: at(5), q850: 16 });
      await new Promise((res) => setTimeout(res, 300));
      assert.equal(rec.stats.deadLettered, 0);
      assert.equal(rec.pending(), 5);
      assert.ok(rec.stats.writeFailures >= 2);
      down = false;
      await rec.flush(10_000);
      await rec.stop();
      assert.equal((await db('call_legs').whereIn('id', legs.map((l) => l.id)).where({ state: 'closed' })).length, 5);
    });
  });
}
