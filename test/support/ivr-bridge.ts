// The IVR on the embedded engine inside a wire test: an in-memory database
// with the demo data, a CDR recorder on a temp journal, and the IVR handling
// every call. Keeps each call's summary; reads CDRs back from the database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { CdrRecorder } from '../../core/cdr/recorder.ts';
import { seedDemo, type SeedResult } from '../../core/seed.ts';
import { createIvr, type CallSummary, type Ivr } from '../../ivr/ivr.ts';
import type { IvrConfig } from '../../ivr/config.ts';
import { TestEngine } from './media-engine.ts';
import { waitUntil } from './ports.ts';

export interface IvrBridgeOptions {
  sipPort: number;
  rtpMin: number;
  rtpMax: number;
  workers?: number;
  /** Members a conference gathers in one media worker before it spreads (see MediaPoolOptions). */
  spreadAt?: number;
  config?: Partial<IvrConfig>;
  /** Use this database (already migrated and seeded, e.g. the web app's) instead of a new one; it is left open on close. */
  existing?: { db: Knex; repos: Repositories; seed: SeedResult };
}

export interface CdrRow {
  id: string;
  direction: 'in' | 'out';
  caller: string;
  callee: string;
  role: string | null;
  roomNumber: string | null;
  conferenceId: string | null;
  accessNumber: string | null;
  answeredAt: Date | null;
  endedAt: Date | null;
  q850: number | null;
  state: string;
  /** endedAt − answeredAt in ms (0 when never answered). */
  durationMs: number;
}

export class IvrBridge {
  readonly calls: CallSummary[] = [];

  private constructor(
    readonly engine: TestEngine,
    readonly ivr: Ivr,
    readonly db: Knex,
    readonly repos: Repositories,
    readonly cdrs: CdrRecorder,
    readonly seed: SeedResult,
    readonly dir: string,
    private readonly ownsDb: boolean,
  ) {
    ivr.events.on('call-ended', (s) => this.calls.push(s));
  }

  static async start(o: IvrBridgeOptions): Promise<IvrBridge> {
    const dir = mkdtempSync(join(tmpdir(), 'ivr-wire-'));
    const db = o.existing?.db ?? await openDatabase({ inMemory: true });
    const seed = o.existing?.seed ?? await seedDemo(db, { now: new Date() });
    const repos = o.existing?.repos ?? createRepositories(db, { defaultRegion: 'CN' });
    const cdrs = CdrRecorder.start({ journalPath: join(dir, 'cdr.jsonl'), sink: repos.cdrs, nodeId: 'test' });
    const engine = new TestEngine({ sipPort: o.sipPort, rtpMin: o.rtpMin, rtpMax: o.rtpMax, workers: o.workers ?? 1, spreadAt: o.spreadAt });
    const ivr = createIvr({
      engine: engine.engine, repos, cdrs, nodeId: 'test',
      config: { recordingsDir: join(dir, 'recordings'), firstDigitTimeoutMs: 6000, interDigitTimeoutMs: 3000, ...o.config },
    });
    engine.engine.onIncoming((call) => ivr.handle(call)); // replaces the TestEngine's own routing
    await engine.start();
    return new IvrBridge(engine, ivr, db, repos, cdrs, seed, dir, !o.existing);
  }

  /** The summary of the next finished call matching `pred` (bounded wait). */
  async call(pred: (s: CallSummary) => boolean, timeoutMs = 20_000): Promise<CallSummary> {
    await waitUntil(() => this.calls.some(pred), timeoutMs, 'the call to finish');
    return this.calls.find(pred)!;
  }

  /** The CDR row as the database holds it, once written and closed. */
  async cdr(id: string): Promise<CdrRow> {
    await this.cdrs.flush(10_000);
    let row: Record<string, unknown> | undefined;
    const deadline = Date.now() + 10_000;
    for (let i = 0; i < 1000; i++) {
      row = await this.db('call_legs').where({ id }).first() as Record<string, unknown> | undefined;
      if (row?.state === 'closed' || Date.now() > deadline) break;
      await this.cdrs.flush(10_000);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!row) throw new Error(`no CDR ${id}`);
    const d = (v: unknown) => (v ? new Date(v as string) : null);
    const answeredAt = d(row.answered_at);
    const endedAt = d(row.ended_at);
    return {
      id, direction: row.direction as 'in' | 'out', caller: String(row.caller), callee: String(row.callee), role: (row.role as string | null) ?? null,
      roomNumber: (row.room_number as string | null) ?? null, conferenceId: (row.conference_id as string | null) ?? null,
      accessNumber: (row.access_number as string | null) ?? null, answeredAt, endedAt, q850: (row.q850_cause as number | null) ?? null,
      state: String(row.state), durationMs: answeredAt && endedAt ? endedAt.getTime() - answeredAt.getTime() : 0,
    };
  }

  /** CDRs of outgoing legs whose callee contains `callee`. */
  async outgoing(callee: string): Promise<CdrRow[]> {
    await this.cdrs.flush(10_000);
    const rows = await this.db('call_legs').where({ direction: 'out' }).andWhere('callee', 'like', `%${callee}%`).select('id') as Array<{ id: string }>;
    return Promise.all(rows.map((r) => this.cdr(r.id)));
  }

  async close(): Promise<void> {
    await this.ivr.close();
    await this.engine.close();
    await this.cdrs.stop({ flushTimeoutMs: 5000 });
    if (this.ownsDb) await this.db.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
