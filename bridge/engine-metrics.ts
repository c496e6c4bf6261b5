// What an engine (embedded or FreeSWITCH) has up, as the process's gauges: calls by
// direction (answered legs), conferences, and their members. Read from the
// engines' own sets at each scrape (no bookkeeping on the call path); a
// process runs one engine, a test may run several, and the gauges sum them.
import { gauge } from '../common/metrics.ts';

export interface EngineFigures { callsIn: number; callsOut: number; conferences: number; members: number }

const engines = new Set<{ figures(): EngineFigures }>();

/** Counts `engine` in the gauges until the returned function is called. */
export function watchEngine(engine: { figures(): EngineFigures }): () => void {
  engines.add(engine);
  return () => { engines.delete(engine); };
}

function sum(): EngineFigures {
  const s: EngineFigures = { callsIn: 0, callsOut: 0, conferences: 0, members: 0 };
  for (const e of engines) {
    const f = e.figures();
    s.callsIn += f.callsIn; s.callsOut += f.callsOut; s.conferences += f.conferences; s.members += f.members;
  }
  return s;
}

gauge({
  name: 'bridge_calls_up', help: 'Answered call legs now, incoming (callers) and outgoing (calls the bridge placed)', labelNames: ['direction'],
  collect() { const f = sum(); this.set({ direction: 'in' }, f.callsIn); this.set({ direction: 'out' }, f.callsOut); },
});
gauge({ name: 'bridge_conferences_up', help: 'Conferences (mixers) open now', collect() { this.set(sum().conferences); } });
gauge({ name: 'bridge_conference_members', help: 'Call legs in a conference now', collect() { this.set(sum().members); } });
