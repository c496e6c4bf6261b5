// The CDR journal: CDRs survive a database outage and a crash, exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { dbEngines, testPostgres } from '../support/db.ts';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { CdrRecorder } from '../../core/cdr/recorder.ts';
import type { CdrSink, LegRecord } from '../../core/cdr/leg.ts';

const T0 = new Date('2026-06-01T02:00:00Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);
const BALANCE = 1_000_000;

async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Account with balance, an access number rated 10 fen/min in 60 s increments. */
async function setUp(r: Repositories): Promise<{ accountId: string; accessNumberId: string }> {
  const acc = await r.accounts.create({ name: 'journal', tier: 'formal' });
  await r.accounts.recharge(acc.id, BALANCE);
  const an = await r.accessNumbers.findByNumber('4006701018') ?? await r.accessNumbers.create({ number: '4006701018', kind: 'meeting' });
  await r.rates.upsert({ direction: 'in', destinationClass: 'access_number', accessNumberId: an.id, perMinuteMinor: 10, incrementS: 60 });
  return { accountId: acc.id, accessNumberId: an.id };
}

/** Rows of these legs, and how many times each id appears. */
async function legRows(db: Knex, ids: string[]): Promise<Array<Record<string, unknown>>> {
  return db('call_legs').whereIn('id', ids).select('*');
}

/** A sink that can be switched off: the outage on PGlite, which has no server to stop. */
class SwitchableSink implements CdrSink {
  down = false;
  constructor(private readonly inner: CdrSink) {}
  async write(leg: LegRecord): Promise<void> {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' });
    return this.inner.write(leg);
  }
  async listOpen(nodeId: string): Promise<LegRecord[]> {
    if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1');
    return this.inner.listOpen(nodeId);
  }
}

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'cdr-journal-'));
  dirs.push(d);
  return d;
}

for (const engine of dbEngines()) {
  describe(`CDR journal on ${engine.name}`, () => {
    let db: Knex;
    let r: Repositories;
    before(async () => {
      db = await engine.open();
      r = createRepositories(db);
    });

    it('database down mid-test: 100 calls end, all 100 CDRs arrive exactly once when it returns', async (ctx) => {
      const { accountId, accessNumberId } = await setUp(r);
      const journalPath = join(tempDir(), 'cdr.jsonl');
      const switchable = new SwitchableSink(r.cdrs);
      const rec = CdrRecorder.start({ journalPath, sink: engine.name === 'pglite' ? switchable : r.cdrs, retryMinMs: 20, retryMaxMs: 250 });
      const ids: string[] = [];
      for (let i = 0; i < 100; i++) {
        const leg = rec.open({ direction: 'in', caller: `+8613900${String(i).padStart(6, '0')}`, callee: '4006701018', startedAt: at(0), accountId, accessNumberId });
        rec.answer(leg.id, at(1));
        ids.push(leg.id);
      }
      await rec.flush(20_000);
      assert.equal((await legRows(db, ids)).filter((x) => x.state === 'open').length, 100);

      // The database goes away.
      const pg = engine.name === 'postgres' ? await testPostgres() : undefined;
      if (pg) await pg.stop(); else switchable.down = true;
      const failuresBefore = rec.stats.writeFailures;
      const t = Date.now();
      for (let i = 0; i < 100; i++) rec.close(ids[i]!, { at: at(2 + i * 2), q850: 16 }); // 1 … 199 s after answer
      const closeMs = Date.now() - t;
      await waitFor(() => rec.stats.writeFailures > failuresBefore + 2, 20_000, 'the writer to fail and retry');
      assert.equal(rec.pending(), 100, 'all 100 wait in the journal');
      const journal = readFileSync(journalPath, 'utf8');
      assert.equal(journal.split('\n').filter((l) => l.includes('"t":"close"')).length, 100);

      // It comes back.
      const outageStart = Date.now();
      if (pg) await pg.start(); else switchable.down = false;
      await rec.flush(30_000);
      const catchUpMs = Date.now() - outageStart;

      const rows = await legRows(db, ids);
      assert.equal(rows.length, 100);
      assert.equal(new Set(rows.map((x) => x.id)).size, 100);
      assert.ok(rows.every((x) => x.state === 'closed' && Number(x.q850_cause) === 16 && x.charged_at !== null && !x.closed_by_recovery));
      // Each leg charged exactly once: sum of per-leg costs equals what left the balance.
      const expected = Array.from({ length: 100 }, (_, i) => Math.ceil((1 + i * 2) / 60) * 10).reduce((a, b) => a + b, 0);
      assert.equal(rows.reduce((a, x) => a + Number(x.cost_minor), 0), expected);
      assert.equal((await r.accounts.get(accountId)).balanceMinor, BALANCE - expected);

      // Replaying the same journal again (a restart before compaction) changes nothing.
      await rec.stop();
      const again = CdrRecorder.start({ journalPath, sink: r.cdrs });
      await again.flush(10_000);
      await again.stop();
      assert.equal((await r.accounts.get(accountId)).balanceMinor, BALANCE - expected);
      assert.equal((await legRows(db, ids)).length, 100);
      ctx.diagnostic(`${engine.name}: 100 closes journalled in ${closeMs} ms during the outage; caught up ${catchUpMs} ms after the database returned; ${rec.stats.writeFailures} failed attempts`);
    });

    it('checkpointAll journals every open leg in one append (not one fdatasync each) and the database gets each checkpoint', async (ctx) => {
      const { accountId, accessNumberId } = await setUp(r);
      const path = join(tempDir(), 'cdr.jsonl');
      const rec = CdrRecorder.start({ journalPath: path, sink: r.cdrs });
      const legs = Array.from({ length: 300 }, (_, i) => rec.open({ direction: 'in', caller: `+86139001${String(i).padStart(5, '0')}`, callee: '4006701018', startedAt: at(0), accountId, accessNumberId }));
      for (const l of legs) rec.answer(l.id, at(1));
      rec.close(legs[0]!.id, { at: at(2), q850: 16 });
      await rec.flush();
      const before = readFileSync(path, 'utf8').split('\n').filter(Boolean).length;
      const t0 = performance.now();
      assert.equal(rec.checkpointAll(at(15)), 299, 'the closed leg is not checkpointed');
      const ms = performance.now() - t0;
      const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.length - before, 299);
      assert.ok(lines.slice(before).every((l) => JSON.parse(l).t === 'checkpoint'));
      await rec.flush();
      const rows = await legRows(db, legs.slice(1).map((l) => l.id));
      assert.ok(rows.every((row) => new Date(row.last_checkpoint_at as string).getTime() === at(15).getTime()));
      ctx.diagnostic(`${engine.name}: 299 legs checkpointed in ${ms.toFixed(1)} ms`);
      await rec.stop();
      assert.throws(() => rec.checkpointAll(at(30)));
    });

    it('a second close, calls on closed legs and unknown legs are handled, not crashed on', async () => {
      const { accountId, accessNumberId } = await setUp(r);
      const rec = CdrRecorder.start({ journalPath: join(tempDir(), 'cdr.jsonl'), sink: r.cdrs });
      const leg = rec.open({ direction: 'in', caller: '+8613900139000', callee: '4006701018', startedAt: at(0), accountId, accessNumberId });
      rec.close(leg.id, { at: at(5), q850: 16 });
      rec.close(leg.id, { at: at(9), q850: 31 });
      await rec.flush();
      rec.close(leg.id, { at: at(9), q850: 31 }); // after the write is confirmed too
      assert.throws(() => rec.answer(leg.id, at(6)));
      assert.throws(() => rec.checkpoint('no-such-leg', at(6)));
      await rec.flush();
      const cdr = await r.cdrs.get(accountId, leg.id);
      assert.deepEqual([cdr.endedAt?.toISOString(), cdr.q850Cause, cdr.billableSeconds], [at(5).toISOString(), 16, 0]);
      await rec.stop();
      assert.throws(() => rec.open({ direction: 'in', caller: 'x', callee: 'y', startedAt: at(0) }));
    });

    it('SIGKILL with calls open: on restart their CDRs are closed at the last checkpoint, none lost', async () => {
      const dir = tempDir();
      const journalPath = join(dir, 'cdr.jsonl');
      let childDb: { databaseUrl?: string; dataDir?: string };
      let setup: { accountId: string; accessNumberId: string };
      if (engine.name === 'postgres') {
        const pg = await testPostgres();
        childDb = { databaseUrl: await pg.createDatabase(`crash${process.pid}`) };
      } else {
        childDb = { dataDir: join(dir, 'pglite') };
      }
      // PGlite is single-process: set up, close, let the child open the directory.
      let parentDb = await openDatabase(childDb);
      setup = await setUp(createRepositories(parentDb));
      if (engine.name === 'pglite') await parentDb.destroy();

      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'cdr-crash-child.ts'),
        JSON.stringify({ journalPath, ...childDb, ...setup, t0: T0.toISOString() })], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'silent' } });
      let out = '';
      let err = '';
      child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
      child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
      const exited = new Promise<NodeJS.Signals | null>((res) => child.once('exit', (_code, sig) => res(sig)));
      await waitFor(() => out.includes('\n') || child.exitCode !== null, 60_000, `the child to get ready (stderr: ${err})`);
      assert.equal(child.exitCode, null, `child died early: ${err}`);
      const report = JSON.parse(out.split('\n')[0]!) as { closed: string[]; open: string[]; late: string[] };
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');

      if (engine.name === 'pglite') parentDb = await openDatabase(childDb);
      const repos = createRepositories(parentDb);
      const rec = CdrRecorder.start({ journalPath, sink: repos.cdrs, retryMinMs: 20, retryMaxMs: 200 });
      await rec.flush(30_000);
      await rec.stop();
      assert.equal(rec.lastRecovery.closed.length, 30);

      const all = [...report.closed, ...report.open, ...report.late];
      const rows = new Map((await legRows(parentDb, all)).map((x) => [String(x.id), x]));
      assert.equal(rows.size, 40, 'every leg has its CDR');
      assert.equal(await parentDb('call_legs').where({ state: 'open' }).whereIn('id', all).count('* as n').then((x) => Number(x[0]!.n)), 0);
      for (const id of report.closed) {
        const x = rows.get(id)!;
        assert.deepEqual([new Date(x.ended_at as string).toISOString(), Number(x.q850_cause), x.closed_by_recovery], [at(20).toISOString(), 16, false]);
      }
      for (const [ids, end] of [[report.open, at(30)], [report.late, at(45)]] as const) {
        for (const id of ids) {
          const x = rows.get(id)!;
          assert.deepEqual([new Date(x.ended_at as string).toISOString(), Number(x.q850_cause), x.closed_by_recovery], [end.toISOString(), 41, true]);
        }
      }
      // Each charged once: 40 legs × 10 fen (19 s, 29 s and 4 s after answer all bill one minute).
      assert.equal((await repos.accounts.get(setup.accountId)).balanceMinor, BALANCE - 400);
      await parentDb.destroy();
    });
  });
}
