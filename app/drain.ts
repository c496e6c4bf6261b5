// SIGTERM (and SIGINT) without cutting meetings: the first signal starts a
// drain — the engine refuses new calls (503 with Retry-After; invites and
// call-outs too), running meetings go on up to `drain.seconds`
// (BRIDGE_DRAIN_S), callers in the IVR may still enter their room — and the
// process stops as soon as the last call ends. At the drain time every room
// hears the goodbye and ends, callers still in the IVR hear "service
// unavailable, goodbye", every leg gets its BYE; then the role stops in
// order (app/roles.ts: the recorder flushes every CDR) and the process exits 0.
// A second signal stops at once: BYE to every leg (engine.close), CDRs still
// closed and flushed, exit 0. A stop step that fails exits 1; a stop that
// hangs is cut after STOP_BOUND_MS with exit 1 (the CDR journal keeps
// whatever was not written; the next start closes it).
// Progress (calls and rooms left, seconds left) is logged every few seconds;
// the gauge bridge_draining is 1 from the first signal.
import type { Logger } from '../common/log.ts';
import { gauge } from '../common/metrics.ts';

const draining = gauge({ name: 'bridge_draining', help: '1 while the process drains after SIGTERM (new calls refused, meetings going on), else 0' });
draining.set(0);

/** What a role offers to the drain; a role without calls (web) has none and stops at once. */
export interface DrainHooks {
  /** Refuse new calls from now on. */
  refuseNew(): void;
  /** What is still up. */
  left(): { calls: number; rooms: number };
  /** The drain time is up: goodbye to everyone, every leg hung up. */
  endAll(reason: string): Promise<void>;
}

export interface DrainOptions {
  /** How long meetings may go on after the first signal. */
  seconds: number;
  /** Stops the role (every step tried; rejects if one failed). */
  stop: () => Promise<void>;
  hooks?: DrainHooks;
  log: Logger;
  /** How often progress is logged (default 5 s; a quarter of drains under 20 s, at least 1 s). */
  progressEveryMs?: number;
  /** How often "is everything over?" is asked (default 200 ms). */
  pollMs?: number;
}

/** Longest the final stop may take before the process gives up on it. */
const STOP_BOUND_MS = 30_000;
/** Longest the goodbyes at the drain time may take before the stop goes on without them. */
const END_ALL_BOUND_MS = 20_000;

export type DrainEnd = 'idle' | 'deadline' | 'forced';

export class Drain {
  private started = false;
  private endedBy: DrainEnd | undefined;
  private stopping: Promise<number> | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private resolveExit!: (code: number) => void;
  /** Resolves with the exit code once the role has stopped (0 clean, 1 a step failed or the stop hung). */
  readonly exitCode = new Promise<number>((resolve) => { this.resolveExit = resolve; });

  constructor(private readonly o: DrainOptions) {}

  /** True from the first signal. */
  get isDraining(): boolean { return this.started; }

  /** A signal: the first starts the drain, the second stops at once, later ones are logged and ignored. */
  signal(name: string): void {
    if (!this.started) { this.begin(name); return; }
    if (this.endedBy === undefined || this.endedBy === 'deadline') { this.finish('forced', name); return; }
    this.o.log.warn({ signal: name }, 'already stopping');
  }

  private begin(signal: string): void {
    this.started = true;
    draining.set(1);
    const hooks = this.o.hooks;
    if (!hooks) { this.finish('idle', signal); return; }
    hooks.refuseNew();
    const deadline = Date.now() + this.o.seconds * 1000;
    this.o.log.info({ signal, drainSeconds: this.o.seconds, ...hooks.left() }, 'draining: new calls refused, meetings go on until the drain time');
    const progress = setInterval(() => {
      this.o.log.info({ ...hooks.left(), secondsLeft: Math.max(0, Math.round((deadline - Date.now()) / 1000)) }, 'draining');
    }, this.o.progressEveryMs ?? Math.min(5000, Math.max(1000, this.o.seconds * 250)));
    const poll = setInterval(() => {
      const { calls, rooms } = hooks.left();
      if (calls === 0 && rooms === 0) this.finish('idle', signal);
    }, this.o.pollMs ?? 200);
    const atDeadline = setTimeout(() => this.finish('deadline', signal), this.o.seconds * 1000);
    this.timers.push(progress, poll, atDeadline);
  }

  private finish(end: DrainEnd, signal: string): void {
    if (this.endedBy !== undefined && end !== 'forced') return;
    this.endedBy = end;
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    const hooks = this.o.hooks;
    if (end === 'deadline' && hooks) {
      this.o.log.info({ ...hooks.left() }, 'drain time up: goodbye to every meeting');
      void bounded(hooks.endAll('drain'), END_ALL_BOUND_MS)
        .then((done) => { if (!done) this.o.log.warn('goodbyes still under way at their bound; stopping'); },
          (err: unknown) => this.o.log.error({ err }, 'ending the meetings failed; stopping'))
        .then(() => this.stop(end));
      return;
    }
    this.o.log.info({ signal, end, ...(hooks ? hooks.left() : {}) }, end === 'forced' ? 'second signal: ending every call now' : 'no calls left: stopping');
    void this.stop(end);
  }

  private stop(end: DrainEnd): Promise<number> {
    this.stopping ??= (async () => {
      const hang = setTimeout(() => {
        this.o.log.error({ boundMs: STOP_BOUND_MS }, 'stop did not finish in time; exiting');
        this.resolveExit(1);
      }, STOP_BOUND_MS);
      let code = 0;
      try {
        await this.o.stop();
      } catch (err) {
        this.o.log.error({ err }, 'unclean stop');
        code = 1;
      } finally {
        clearTimeout(hang);
      }
      this.o.log.info({ end, code }, 'stopped');
      this.resolveExit(code);
      return code;
    })();
    return this.stopping;
  }
}

/** True when p settled within ms, false when the bound came first. */
function bounded(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  return Promise.race([p.then(() => true), bound]).finally(() => clearTimeout(timer));
}
