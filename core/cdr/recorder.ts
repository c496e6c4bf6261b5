// The CDR recorder: what the engine and IVR call for every leg.
//
//   open → (update) → answer → checkpoint … → close
//
// Every event is appended to the journal before the call returns (on disk
// with the journal's next group fdatasync, already under way), then written
// to the database by a background writer that upserts by leg id: it waits
// `coalesceMs` after the first change so a leg's open, answer and updates
// make one row write, and writes the legs of a pass together (one
// transaction, one statement) when the sink can. While the database is down, legs wait in memory and in the journal and
// the writer retries with bounded back-off; nothing is dropped. On start-up
// the journal is replayed and legs left open by a crash are closed at their
// last checkpoint (Q.850 41, flagged closed_by_recovery).
//
// A leg the database refuses for good (core/cdr/refusal.ts: a constraint, a
// data exception) must not block the others: a refused multi-row write falls
// back to row by row to find the bad legs, which are set aside
// (core/cdr/dead-letter.ts: the cdr_dead_letters table, or a file beside the
// journal) and leave the journal; every other leg is written. An open leg set
// aside is tried again, on its own, at its next change.
import { randomUUID } from 'node:crypto';
import { InvalidStateError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { NotFoundError } from '../errors.ts';
import { gauge } from '../../common/metrics.ts';
import { CdrJournal, readJournal, type JournalEvent } from './journal.ts';
import { DeadLetters } from './dead-letter.ts';
import { classifyCdrWriteError } from './refusal.ts';
import { closedLeg, recoveryEnd, Q850_TEMPORARY_FAILURE, type CdrSink, type LegPatch, type LegRecord, type NewLeg } from './leg.ts';

const log = moduleLogger('core', { part: 'cdr' });

/** The recorders of this process that are running (one in the product; tests start several). */
const running = new Set<CdrRecorder>();
gauge({
  name: 'bridge_cdr_journal_pending',
  help: 'Call legs held in the CDR journal whose latest state the database does not have yet',
  collect(this) { let n = 0; for (const r of running) n += r.pending(); this.set(n); },
});

export interface CdrRecorderOptions {
  journalPath: string;
  sink: CdrSink;
  nodeId?: string;
  /** First retry delay after a failed write (default 100 ms), doubling up to retryMaxMs (default 5 s). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Legs per writer pass (default 200). */
  batchSize?: number;
  /** The writer starts this long after the first change (default 50 ms); flush() does not wait. */
  coalesceMs?: number;
}

interface Entry {
  leg: LegRecord;
  /** Bumped on every change; a write only clears `dirty` if no change came in meanwhile. */
  version: number;
}

const RECENT_CAP = 10_000;
/** Legs written to the database between two turns of the event loop (one by one; in one statement with writeMany). */
const YIELD_EVERY = 8;
const CHUNK = 64;
const PATCH_KEYS: ReadonlyArray<keyof LegPatch> = ['accountId', 'conferenceId', 'roomId', 'roomNumber', 'role', 'displayName', 'accessNumberId', 'accessNumber'];

export interface RecoveryReport {
  /** Legs the journal still held that the database may not have. */
  replayed: number;
  /** Legs found open and closed at their last checkpoint. */
  closed: string[];
  badJournalLines: number;
}

export class CdrRecorder {
  private readonly legs = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  /** Legs confirmed closed in the database, so a late second close() is a no-op. */
  private readonly recent = new Set<string>();
  private readonly journal: CdrJournal;
  private readonly nodeId: string;
  private readonly sink: CdrSink;
  private readonly retryMin: number;
  private readonly retryMax: number;
  private readonly batchSize: number;
  private readonly coalesceMs: number;
  private coalesceTimer: NodeJS.Timeout | undefined;
  private backoff: number;
  private draining = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private dbRecoveryDone = false;
  private failing = false;
  private waiters: Array<() => void> = [];
  private readonly deadLetters: DeadLetters;
  /** Open legs whose state was set aside: written on their own (never in a multi-row write) at their next change. */
  private readonly refused = new Set<string>();
  /** A closed leg left for the dead letters since the last compaction. */
  private compactDue = false;
  /** Counters for tests and metrics. */
  readonly stats = { writes: 0, writeFailures: 0, compactions: 0, deadLettered: 0, rowByRowFallbacks: 0 };
  lastRecovery: RecoveryReport = { replayed: 0, closed: [], badJournalLines: 0 };

  private constructor(opts: CdrRecorderOptions) {
    this.nodeId = opts.nodeId ?? 'local';
    this.sink = opts.sink;
    this.retryMin = opts.retryMinMs ?? 100;
    this.retryMax = opts.retryMaxMs ?? 5_000;
    this.batchSize = opts.batchSize ?? 200;
    this.coalesceMs = opts.coalesceMs ?? 50;
    this.backoff = this.retryMin;
    this.journal = new CdrJournal(opts.journalPath);
    this.deadLetters = new DeadLetters(opts.journalPath, opts.sink);
  }

  /** The file refused legs go to when the database will not take them in its dead-letter table. */
  get deadLetterPath(): string { return this.deadLetters.path; }

  /** Replays the journal, closes legs a crash left open, and starts writing. */
  static start(opts: CdrRecorderOptions): CdrRecorder {
    const { events, badLines } = readJournal(opts.journalPath);
    const r = new CdrRecorder(opts);
    r.replay(events);
    const closed: string[] = [];
    for (const e of r.legs.values()) {
      if (e.leg.state === 'open') {
        r.closeLeg(e, recoveryEnd(e.leg), Q850_TEMPORARY_FAILURE, true, false);
        closed.push(e.leg.id);
      }
      r.dirty.add(e.leg.id);
    }
    // The rewrite also drops a torn last line so later appends start clean.
    r.compact();
    r.lastRecovery = { replayed: r.legs.size, closed, badJournalLines: badLines };
    running.add(r);
    if (closed.length > 0 || badLines > 0) log.warn({ replayed: r.legs.size, closed: closed.length, badLines }, 'CDR journal recovered');
    r.kick();
    return r;
  }

  private replay(events: JournalEvent[]): void {
    for (const ev of events) {
      if (ev.t === 'snapshot') { this.legs.set(ev.leg.id, { leg: ev.leg, version: 0 }); continue; }
      const e = this.legs.get(ev.id);
      if (!e) continue; // events of a leg already confirmed and compacted away
      switch (ev.t) {
        case 'update': Object.assign(e.leg, pickPatch(ev.patch)); break;
        case 'answer': e.leg.answeredAt = ev.at; break;
        case 'checkpoint': e.leg.lastCheckpointAt = ev.at; break;
        case 'close':
          Object.assign(e.leg, { state: 'closed', endedAt: ev.at, q850Cause: ev.q850, closedByRecovery: ev.recovered });
          break;
      }
    }
  }

  // ---- the API the engine and IVR call ----

  open(input: NewLeg): LegRecord {
    this.assertRunning();
    const leg: LegRecord = {
      id: input.id ?? randomUUID(), nodeId: this.nodeId, accountId: input.accountId ?? null, conferenceId: input.conferenceId ?? null,
      roomId: input.roomId ?? null, roomNumber: input.roomNumber ?? null, direction: input.direction, caller: input.caller,
      callee: input.callee, accessNumberId: input.accessNumberId ?? null, accessNumber: input.accessNumber ?? null,
      role: input.role ?? null, displayName: input.displayName ?? '', startedAt: input.startedAt, answeredAt: null,
      endedAt: null, lastCheckpointAt: input.startedAt, q850Cause: null, state: 'open', closedByRecovery: false,
    };
    if (this.legs.has(leg.id) || this.recent.has(leg.id)) throw new InvalidStateError(`leg ${leg.id} already exists`);
    this.journal.append({ t: 'snapshot', leg });
    this.legs.set(leg.id, { leg, version: 0 });
    this.touch(leg.id);
    return { ...leg };
  }

  update(legId: string, patch: LegPatch): void {
    const e = this.openEntry(legId);
    const p = pickPatch(patch);
    this.journal.append({ t: 'update', id: legId, patch: p });
    Object.assign(e.leg, p);
    this.touch(legId);
  }

  answer(legId: string, at: Date): void {
    const e = this.openEntry(legId);
    this.journal.append({ t: 'answer', id: legId, at });
    e.leg.answeredAt = at;
    e.leg.lastCheckpointAt = at;
    this.touch(legId);
  }

  /** Call periodically (e.g. every 15 s) per open leg: a crash closes the leg here. */
  checkpoint(legId: string, at: Date): void {
    const e = this.openEntry(legId);
    this.journal.append({ t: 'checkpoint', id: legId, at });
    e.leg.lastCheckpointAt = at;
    this.touch(legId);
  }

  /**
   * Checkpoints every open leg of this recorder: one journal write and one
   * fdatasync for all of them (one per leg stalled the main thread for
   * 0.4–1.4 s every 15 s with 500 callers; BENCHMARKS.md, live console).
   */
  checkpointAll(at: Date): number {
    this.assertRunning();
    const open = [...this.legs.values()].filter((e) => e.leg.state === 'open');
    this.journal.appendMany(open.map((e) => ({ t: 'checkpoint' as const, id: e.leg.id, at })));
    for (const e of open) {
      e.leg.lastCheckpointAt = at;
      this.touch(e.leg.id);
    }
    return open.length;
  }

  /** Ends the leg. A second close of the same leg is a no-op. */
  close(legId: string, end: { at: Date; q850: number }): void {
    this.assertRunning();
    if (this.recent.has(legId)) return;
    const e = this.legs.get(legId);
    if (!e) throw new NotFoundError('call leg', legId);
    if (e.leg.state === 'closed') return;
    this.closeLeg(e, end.at, end.q850, false, true);
  }

  /**
   * Closes every leg still open (shutdown, after the engine has hung up every
   * call: what is left never got its own close, e.g. a call still ringing).
   * Returns how many it closed.
   */
  closeAllOpen(end: { at: Date; q850: number }): number {
    let n = 0;
    for (const e of this.legs.values()) {
      if (e.leg.state !== 'open') continue;
      this.closeLeg(e, end.at, end.q850, false, true);
      n++;
    }
    return n;
  }

  get(legId: string): LegRecord | undefined {
    const e = this.legs.get(legId);
    return e ? { ...e.leg } : undefined;
  }

  /** Legs whose latest state the database does not have yet. */
  pending(): number { return this.dirty.size; }
  openLegs(): number { let n = 0; for (const e of this.legs.values()) if (e.leg.state === 'open') n++; return n; }

  /** Resolves when everything so far is in the database; rejects after timeoutMs. */
  flush(timeoutMs = 10_000): Promise<void> {
    if (this.dirty.size === 0 && this.dbRecoveryDone) return Promise.resolve();
    this.kick(true);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new Error(`CDR flush timed out after ${timeoutMs} ms with ${this.dirty.size} legs pending`));
      }, timeoutMs);
      const done = (): void => { clearTimeout(timer); resolve(); };
      this.waiters.push(done);
    });
  }

  /** Stops the writer. The journal keeps whatever is not written; the next start() picks it up. */
  async stop(opts: { flushTimeoutMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    if (opts.flushTimeoutMs) {
      try { await this.flush(opts.flushTimeoutMs); } catch (err) { log.warn({ err, pending: this.dirty.size }, 'CDRs left in the journal at stop'); }
    }
    this.stopped = true;
    running.delete(this);
    if (this.coalesceTimer) { clearTimeout(this.coalesceTimer); this.coalesceTimer = undefined; }
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // Let a write in flight finish before the journal closes (bounded: one write).
    for (let i = 0; i < 1000 && this.draining; i++) await new Promise((r) => setTimeout(r, 5));
    this.journal.close();
  }

  // ---- internals ----

  private closeLeg(e: Entry, at: Date, q850: number, recovered: boolean, journalIt: boolean): void {
    const closed = closedLeg(e.leg, at, q850, recovered);
    if (journalIt || recovered) this.journal.append({ t: 'close', id: e.leg.id, at: closed.endedAt, q850, recovered });
    Object.assign(e.leg, closed);
    this.touch(e.leg.id);
  }

  private assertRunning(): void {
    if (this.stopped) throw new InvalidStateError('CDR recorder is stopped');
  }

  private openEntry(legId: string): Entry {
    this.assertRunning();
    const e = this.legs.get(legId);
    if (!e) {
      if (this.recent.has(legId)) throw new InvalidStateError(`leg ${legId} is closed`);
      throw new NotFoundError('call leg', legId);
    }
    if (e.leg.state !== 'open') throw new InvalidStateError(`leg ${legId} is closed`);
    return e;
  }

  private touch(legId: string): void {
    const e = this.legs.get(legId);
    if (e) e.version++;
    this.dirty.add(legId);
    this.kick();
  }

  /** Starts the writer: after coalesceMs, or at once when `now` (a flush). */
  private kick(now = false): void {
    if (this.stopped || this.draining || this.retryTimer) return;
    if (this.coalesceTimer) {
      if (!now) return;
      clearTimeout(this.coalesceTimer);
      this.coalesceTimer = undefined;
    }
    const start = () => { this.coalesceTimer = undefined; this.draining = true; void this.drain(); };
    if (now || this.coalesceMs <= 0) { this.draining = true; setImmediate(() => { void this.drain(); }); return; }
    this.coalesceTimer = setTimeout(start, this.coalesceMs);
  }

  /**
   * Writes `ids` (one statement when the sink can); returns the legs it dealt
   * with — written, or refused for good and set aside — with their versions at
   * the time. A transient failure throws (the drain retries with back-off).
   */
  private async writeLegs(ids: readonly string[]): Promise<Array<[string, Entry, number]>> {
    const items: Array<[string, Entry, number]> = [];
    for (const id of ids) {
      const e = this.legs.get(id);
      if (!e) { this.dirty.delete(id); continue; }
      items.push([id, e, e.version]);
    }
    const together = this.sink.writeMany ? items.filter(([id]) => !this.refused.has(id)) : [];
    if (together.length > 1) {
      try {
        await this.sink.writeMany!(together.map(([, e]) => ({ ...e.leg })));
        this.stats.writes += together.length;
        const alone = items.filter(([id]) => this.refused.has(id));
        return [...together, ...await this.writeOneByOne(alone)];
      } catch (err) {
        if (classifyCdrWriteError(err).kind === 'transient') throw err;
        // One leg (or more) the database refuses for good: find it row by row.
        this.stats.rowByRowFallbacks++;
      }
    }
    return this.writeOneByOne(items);
  }

  private async writeOneByOne(items: Array<[string, Entry, number]>): Promise<Array<[string, Entry, number]>> {
    for (const [i, [id, e]] of items.entries()) {
      if (this.stopped) return items.slice(0, i);
      // Let I/O in between writes: an in-process database (PGlite) runs each on this thread.
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise((r) => setImmediate(r));
      try {
        await this.sink.write({ ...e.leg });
        this.stats.writes++;
        this.refused.delete(id);
      } catch (err) {
        const refusal = classifyCdrWriteError(err);
        if (refusal.kind === 'transient') throw err;
        await this.deadLetters.put({ ...e.leg }, refusal); // durable when it returns; throws only if the file fails too
        this.stats.deadLettered++;
        if (e.leg.state === 'open') this.refused.add(id);
        else { this.refused.delete(id); this.deadLetters.forget(id); this.compactDue = true; }
      }
    }
    return items;
  }

  private async drain(): Promise<void> {
    try {
      if (!this.dbRecoveryDone) await this.recoverFromDatabase();
      // Each pass writes up to batchSize legs; new events during a pass are picked up by the next one.
      for (let pass = 0; pass < 1000 && this.dirty.size > 0 && !this.stopped; pass++) {
        const batch = [...this.dirty].slice(0, this.batchSize);
        for (let at = 0; at < batch.length && !this.stopped; at += CHUNK) {
          if (at > 0) await new Promise((r) => setImmediate(r));
          for (const [id, e, version] of await this.writeLegs(batch.slice(at, at + CHUNK))) {
            if (e.version !== version) continue; // changed meanwhile: stays dirty
            this.dirty.delete(id);
            if (e.leg.state === 'closed') {
              this.legs.delete(id);
              this.remember(id);
            }
          }
        }
      }
      if (this.failing) log.info({ pending: this.dirty.size }, 'CDR writes resumed');
      this.failing = false;
      this.backoff = this.retryMin;
      if (this.compactDue) { this.compactDue = false; this.compact(); } else this.maybeCompact();
    } catch (err) {
      this.stats.writeFailures++;
      if (!this.failing) log.warn({ err, pending: this.dirty.size }, 'CDR write failed; keeping legs in the journal and retrying');
      this.failing = true;
      if (!this.stopped) {
        const delay = this.backoff;
        this.backoff = Math.min(this.backoff * 2, this.retryMax);
        this.retryTimer = setTimeout(() => { this.retryTimer = undefined; this.kick(); }, delay);
        this.retryTimer.unref?.();
      }
    } finally {
      this.draining = false;
    }
    if (this.dirty.size === 0 && this.dbRecoveryDone) {
      const ws = this.waiters;
      this.waiters = [];
      for (const w of ws) w();
    } else if (!this.retryTimer && !this.stopped) {
      this.kick();
    }
  }

  /** Legs open in the database for this node that no journal knows: the journal was lost. Close them too. */
  private async recoverFromDatabase(): Promise<void> {
    const open = await this.sink.listOpen(this.nodeId);
    for (const leg of open) {
      if (this.legs.has(leg.id) || this.recent.has(leg.id)) continue;
      this.journal.append({ t: 'snapshot', leg });
      const e = { leg, version: 0 };
      this.legs.set(leg.id, e);
      this.closeLeg(e, recoveryEnd(leg), Q850_TEMPORARY_FAILURE, true, true);
      this.lastRecovery.closed.push(leg.id);
    }
    if (open.length > 0) log.warn({ count: open.length }, 'closed legs left open in the database without a journal entry');
    this.dbRecoveryDone = true;
  }

  private remember(id: string): void {
    this.recent.add(id);
    if (this.recent.size > RECENT_CAP) {
      const oldest = this.recent.values().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
  }

  private maybeCompact(): void {
    if (this.journal.lineCount > 4 * this.legs.size + 64) this.compact();
  }

  /** Rewrite the journal as one snapshot per leg the database may still lack. */
  private compact(): void {
    this.journal.rewrite([...this.legs.values()].map((e) => ({ t: 'snapshot' as const, leg: e.leg })));
    this.stats.compactions++;
  }
}

function pickPatch(p: LegPatch): LegPatch {
  const out: Record<string, unknown> = {};
  for (const k of PATCH_KEYS) if (p[k] !== undefined) out[k] = p[k];
  return out as LegPatch;
}
