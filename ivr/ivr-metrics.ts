// The IVR's figures for /metrics: finished incoming calls by outcome (from
// each call's summary, counted when its handling ends), calls in the IVR
// now, and the dialer's queue (calls the bridge places, waiting for a trunk
// slot or holding one: call/trunk-queue.ts).
import { counter, gauge } from '../common/metrics.ts';
import type { TrunkPacing } from './call/trunk-queue.ts';
import type { CallSummary } from './flows/incoming-call.ts';

const calls = counter({ name: 'bridge_calls_total', help: 'Incoming calls handled to their end, by outcome (joined, rejected, cancelled, hung_up, too_many_attempts, …)', labelNames: ['outcome'] });

interface Watched { activeCalls(): number; pacing: TrunkPacing }
const ivrs = new Set<Watched>();

gauge({ name: 'bridge_ivr_calls_active', help: 'Incoming calls the IVR is handling now (from the INVITE to the hang-up)', collect() { let n = 0; for (const i of ivrs) n += i.activeCalls(); this.set(n); } });
gauge({
  name: 'bridge_dialer_calls', help: 'Calls the bridge places: waiting for a trunk slot (queued) or holding one (in_progress)', labelNames: ['state'],
  collect() {
    let queued = 0, inProgress = 0;
    for (const i of ivrs) { const t = i.pacing.totals(); queued += t.queued; inProgress += t.inProgress; }
    this.set({ state: 'queued' }, queued);
    this.set({ state: 'in_progress' }, inProgress);
  },
});

/**
 * The outcome's kind, without what follows a colon ('too_many_attempts:pin'
 * → 'too_many_attempts', 'room_refused:<reason>' → 'room_refused'): the
 * kinds are the IVR's own words, a small set, whatever the callers do.
 */
export function outcomeLabel(outcome: string): string {
  const kind = outcome.split(':', 1)[0] ?? '';
  return /^[a-z_]{1,40}$/.test(kind) ? kind : 'other';
}

export function countCall(s: Pick<CallSummary, 'outcome'>): void {
  calls.inc({ outcome: outcomeLabel(s.outcome) });
}

/** Counts the IVR's calls and dialer queue in the gauges until the returned function is called. */
export function watchIvr(ivr: Watched): () => void {
  ivrs.add(ivr);
  return () => { ivrs.delete(ivr); };
}
