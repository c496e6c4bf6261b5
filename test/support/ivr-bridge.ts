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
import type { JoinTokenSigner } from '../../core/rooms/join-token.ts';
import { seedDemo, type SeedResult } from '../../core/seed.ts';
import type { CallSummary } from '../../ivr/flows/incoming-call.ts';
import { createIvr, type Ivr } from '../../ivr/ivr.ts';
import type { IvrSettings } from '../../ivr/services/config.ts';
import { outgoingCdrs, readCdr, type CdrRow } from './cdr-rows.ts';
import { TestEngine } from './media-engine.ts';
import { waitUntil } from './ports.ts';

export interface IvrBridgeOptions {
  sipPort: number;
  rtpMin: number;
  rtpMax: number;
  workers?: number;
  /** Members a conference gathers in one media worker before it spreads (see MediaPoolOptions). */
  spreadAt?: number;
  config?: IvrSettings;
  /** Verifies browsers' join tokens (X-Bridge-Join, issue 17). */
  joinTokens?: JoinTokenSigner;
  /** Use this database (already migrated and seeded, e.g. the web app's) instead of a new one; it is left open on close. */
  existing?: { db: Knex; repos: Repositories; seed: SeedResult };
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
      engine: engine.engine, repos, cdrs, nodeId: 'test', ...(o.joinTokens ? { joinTokens: o.joinTokens } : {}),
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
  cdr(id: string): Promise<CdrRow> { return readCdr(this.db, this.cdrs, id); }

  /** CDRs of outgoing legs whose callee contains `callee`. */
  outgoing(callee: string): Promise<CdrRow[]> { return outgoingCdrs(this.db, this.cdrs, callee); }

  async close(): Promise<void> {
    await this.ivr.close();
    await this.engine.close();
    await this.cdrs.stop({ flushTimeoutMs: 5000 });
    if (this.ownsDb) await this.db.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
