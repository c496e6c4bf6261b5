// CdrRecorder.closeAllOpen (the last step of a stop, app/roles.ts, after the
// engine hung up every call): every leg still open — a call that was still
// ringing never got its own close — is closed with the given cause, journalled
// and written; legs already closed keep their own end and cause.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { CdrRecorder } from '../../core/cdr/recorder.ts';
import type { CdrSink, LegRecord } from '../../core/cdr/leg.ts';

const dir = mkdtempSync(join(tmpdir(), 'cdr-close-open-'));
after(() => rmSync(dir, { recursive: true, force: true }));

class MemorySink implements CdrSink {
  readonly rows = new Map<string, LegRecord>();
  async write(leg: LegRecord): Promise<void> { this.rows.set(leg.id, { ...leg }); }
  async listOpen(): Promise<LegRecord[]> { return []; }
}

it('closes every leg still open, leaves the closed ones as they were, and writes them all', async () => {
  const sink = new MemorySink();
  const cdrs = CdrRecorder.start({ journalPath: join(dir, 'journal.jsonl'), sink, coalesceMs: 0 });
  const t0 = new Date('2026-12-06T10:00:00Z');
  const at = (s: number) => new Date(t0.getTime() + s * 1000);
  const answered = cdrs.open({ direction: 'in', caller: '13800000001', callee: '4008001000', startedAt: t0 });
  cdrs.answer(answered.id, at(1));
  const ringing = cdrs.open({ direction: 'out', caller: '4008001000', callee: '13900000002', startedAt: at(2) });
  const done = cdrs.open({ direction: 'in', caller: '13800000003', callee: '4008001000', startedAt: t0 });
  cdrs.close(done.id, { at: at(5), q850: 17 });

  assert.equal(cdrs.closeAllOpen({ at: at(10), q850: 41 }), 2);
  assert.equal(cdrs.openLegs(), 0);
  assert.equal(cdrs.closeAllOpen({ at: at(11), q850: 41 }), 0, 'nothing left to close');
  await cdrs.stop({ flushTimeoutMs: 5000 });

  const row = (id: string) => sink.rows.get(id)!;
  assert.deepEqual([row(answered.id).state, row(answered.id).q850Cause, row(answered.id).endedAt?.getTime()], ['closed', 41, at(10).getTime()]);
  assert.deepEqual([row(ringing.id).state, row(ringing.id).q850Cause, row(ringing.id).closedByRecovery], ['closed', 41, false]);
  assert.deepEqual([row(done.id).q850Cause, row(done.id).endedAt?.getTime()], [17, at(5).getTime()], 'a closed leg keeps its own end');
});
