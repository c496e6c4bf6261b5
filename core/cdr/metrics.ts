// The CDR journal's depth for /metrics: legs whose latest state is in the
// journal but not yet in the database (CdrRecorder.pending()). It grows while
// the database is away and falls back to 0 when the writer catches up.
// The name is shared with the dead-letter work (faults), which declares the
// same gauge: declaration is idempotent (common/metrics.ts).
import { gauge } from '../../common/metrics.ts';
import type { CdrRecorder } from './recorder.ts';

const recorders = new Set<Pick<CdrRecorder, 'pending'>>();

/** Counts `recorder`'s pending legs in bridge_cdr_journal_pending until the returned function is called. */
export function watchCdrJournal(recorder: Pick<CdrRecorder, 'pending'>): () => void {
  recorders.add(recorder);
  return () => { recorders.delete(recorder); };
}

gauge({
  name: 'bridge_cdr_journal_pending', help: 'Call legs whose latest state waits in the CDR journal for the database',
  collect() { let n = 0; for (const r of recorders) n += r.pending(); this.set(n); },
});
