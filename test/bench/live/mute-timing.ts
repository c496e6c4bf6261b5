// Web command → its effect on the audio: the listener (a fleet caller) hears
// the talker's tone; the bench POSTs a mute of the talker at t0 and times the
// first frame at the listener whose tone level fell by ≥ 20 dB; then unmutes
// at t1 and times the first frame where the tone is back (within 6 dB of its
// level before the mute). Repeated with pauses; every wait bounded.
import type { FleetCaller } from '../conference/fleet.ts';
import type { ConsoleClient } from './console-client.ts';

export interface MuteCycle {
  /** When the mute was sent (performance.now()). */
  at: number;
  /** POST mute round trip, ms. */
  muteHttpMs: number;
  /** t0 → first frame without the tone, ms; undefined when it did not come within the bound. */
  muteEffectMs: number | undefined;
  unmuteHttpMs: number;
  unmuteEffectMs: number | undefined;
  /** The tone's level before the mute, dB (full-scale sine = 0). */
  baselineDb: number;
}

const DROP_DB = 20;
const BACK_WITHIN_DB = 6;
const EFFECT_BOUND_MS = 3000;
const PAUSE_MS = 700;

/** The levels the listener reported, newest last (a bounded window). */
class LevelLog {
  readonly frames: Array<{ at: number; db: number }> = [];
  private waiter: { since: number; test: (db: number) => boolean; resolve: (at: number | undefined) => void; timer: NodeJS.Timeout } | undefined;

  add(at: number, db: number): void {
    this.frames.push({ at, db });
    if (this.frames.length > 500) this.frames.splice(0, this.frames.length - 250);
    const w = this.waiter;
    if (w && at >= w.since && w.test(db)) { this.waiter = undefined; clearTimeout(w.timer); w.resolve(at); }
  }

  /** Median level of the frames of the last `ms`. */
  median(ms: number): number {
    const now = performance.now();
    const dbs = this.frames.filter((f) => f.at >= now - ms).map((f) => f.db).sort((a, b) => a - b);
    return dbs.length ? dbs[Math.floor(dbs.length / 2)]! : -Infinity;
  }

  /** The arrival of the first frame from `since` on that passes `test`, or undefined after `boundMs`. */
  first(since: number, test: (db: number) => boolean, boundMs: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => { this.waiter = undefined; resolve(undefined); }, boundMs);
      this.waiter = { since, test, resolve, timer };
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until the listener hears the tone steadily; its level, dB. */
async function toneHeard(levels: LevelLog, boundMs: number): Promise<number> {
  const deadline = performance.now() + boundMs;
  for (let i = 0; i < 10_000 && performance.now() < deadline; i++) {
    await sleep(200);
    const level = levels.median(400);
    if (level > -45) return level;
  }
  throw new Error(`the listener did not hear the talker's tone within ${boundMs} ms (level ${levels.median(400).toFixed(1)} dB)`);
}

export async function timeMutes(opts: {
  web: ConsoleClient; conferenceId: string; talkerId: string; listener: FleetCaller; toneHz: number; cycles: number;
}): Promise<MuteCycle[]> {
  const levels = new LevelLog();
  const unwatch = opts.listener.watchTone(opts.toneHz, (at, db) => levels.add(at, db));
  const cycles: MuteCycle[] = [];
  try {
    await toneHeard(levels, 20_000);
    for (let i = 0; i < opts.cycles; i++) {
      await sleep(PAUSE_MS);
      const baselineDb = levels.median(500);
      const t0 = performance.now();
      const gone = levels.first(t0, (db) => db <= baselineDb - DROP_DB, EFFECT_BOUND_MS);
      const muteHttpMs = await opts.web.mute(opts.conferenceId, opts.talkerId, true);
      const goneAt = await gone;
      await sleep(PAUSE_MS);
      const t1 = performance.now();
      const back = levels.first(t1, (db) => db >= baselineDb - BACK_WITHIN_DB, EFFECT_BOUND_MS);
      const unmuteHttpMs = await opts.web.mute(opts.conferenceId, opts.talkerId, false);
      const backAt = await back;
      cycles.push({
        at: t0, muteHttpMs, unmuteHttpMs, baselineDb,
        muteEffectMs: goneAt === undefined ? undefined : goneAt - t0,
        unmuteEffectMs: backAt === undefined ? undefined : backAt - t1,
      });
      // A tone that did not come back would spoil every later cycle: wait for it (bounded).
      if (backAt === undefined) await toneHeard(levels, 10_000);
    }
  } finally {
    unwatch();
  }
  return cycles;
}
