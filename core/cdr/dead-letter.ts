// Where a CDR the database refuses for good goes (core/cdr/refusal.ts says
// which refusals are for good): the sink's dead-letter table
// (cdr_dead_letters, migration 016) or, when the database refuses that too or
// is gone, a JSON-lines file beside the journal (`<journal>.dead-letter.jsonl`,
// fsynced before it returns). Either way the leg is durable somewhere an
// operator looks before the recorder lets it leave the journal, so the other
// CDRs go on being written and the journal compacts past it.
//
// Reported once per leg: one warn log line and one count of
// bridge_cdr_dead_letter_total{store}; a leg refused again (an open leg
// retried on its next change) only refreshes its row.
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { moduleLogger } from '../../common/log.ts';
import { counter } from '../../common/metrics.ts';
import { legToJson, type CdrSink, type LegRecord } from './leg.ts';
import type { Refusal } from './refusal.ts';

const log = moduleLogger('core', { part: 'cdr' });

const deadLettered = counter<'store'>({
  name: 'bridge_cdr_dead_letter_total',
  help: 'Call legs the database refused for good, set aside (store: table = cdr_dead_letters, file = beside the CDR journal)',
  labelNames: ['store'],
});

/** How many legs are remembered as already reported (an open refused leg is reported once, not on each retry). */
const REPORTED_CAP = 10_000;

export type DeadLetterStore = 'table' | 'file';

export function deadLetterPathFor(journalPath: string): string {
  return `${journalPath.replace(/\.jsonl$/, '')}.dead-letter.jsonl`;
}

export class DeadLetters {
  private readonly reported = new Set<string>();
  readonly path: string;
  /** Legs set aside by this process, by store (for tests and the stats). */
  readonly counts = { table: 0, file: 0 };

  constructor(journalPath: string, private readonly sink: CdrSink) {
    this.path = deadLetterPathFor(journalPath);
  }

  /**
   * Durable when it resolves (a row committed, or a line fsynced). Throws only
   * if both the table and the file fail: the leg then stays in the journal.
   */
  async put(leg: LegRecord, refusal: Refusal): Promise<DeadLetterStore> {
    let store: DeadLetterStore = 'table';
    let tableError: unknown;
    try {
      if (!this.sink.deadLetter) throw new Error('the CDR sink has no dead-letter table');
      await this.sink.deadLetter(leg, refusal);
    } catch (err) {
      tableError = err;
      store = 'file';
      this.appendFile(leg, refusal);
    }
    if (!this.reported.has(leg.id)) {
      this.reported.add(leg.id);
      if (this.reported.size > REPORTED_CAP) this.reported.delete(this.reported.values().next().value as string);
      this.counts[store]++;
      deadLettered.inc({ store });
      log.warn({
        legId: leg.id, accountId: leg.accountId, state: leg.state, code: refusal.code, error: refusal.message, store,
        ...(store === 'file' ? { file: this.path, tableError: String((tableError as Error)?.message ?? tableError) } : {}),
      }, 'CDR refused by the database for good; set aside (dead letter), the other CDRs go on');
    }
    return store;
  }

  /** A closed leg leaves for good: it will not be refused again, forget it. */
  forget(legId: string): void { this.reported.delete(legId); }

  private appendFile(leg: LegRecord, refusal: Refusal): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const line = JSON.stringify({ at: new Date().toISOString(), code: refusal.code, message: refusal.message, leg: legToJson(leg) }) + '\n';
    const buf = Buffer.from(line, 'utf8');
    const fd = openSync(this.path, 'a');
    try {
      let off = 0;
      for (let i = 0; off < buf.length && i < 1000; i++) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
