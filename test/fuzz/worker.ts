// A worker thread of the long fuzz run (./run.ts): takes chunks of work
// (target, chunk number, count), runs them through fast-check with the
// chunk's own seed — three mutated seeds to one generated input — judges
// each input, and reports the chunk's counts and failing inputs. Before each
// input it copies it into shared memory, so that if a parser never returns
// the main thread can still save the input that hung it.
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { MAX_INPUT, mutated } from './mutate.ts';
import { judge } from './target.ts';
import { targetNamed } from './targets/index.ts';

export interface Chunk { target: string; index: number; count: number; seed: number }
export interface Failure { kind: 'crash' | 'hang'; detail: string; input: string }
export interface ChunkResult { target: string; index: number; count: number; accepted: number; crashes: number; hangs: number; failures: Failure[] }

// Rejections throw by the million: their stack traces (unused: a crash is
// reported by its name and message, and replayed from its saved input) cost
// a third of the run.
Error.stackTraceLimit = 0;

/** Shared with the main thread: [0] = length of the current input, then its bytes. */
const shared = workerData as { current: SharedArrayBuffer; hangMs: number };
const length = new Int32Array(shared.current, 0, 1);
const bytes = new Uint8Array(shared.current, 4);
const MAX_FAILURES_KEPT = 20;

function runChunk(chunk: Chunk): ChunkResult {
  const target = targetNamed(chunk.target);
  const arb = fc.oneof({ weight: 3, arbitrary: mutated(target.seeds, target.dictionary, target.maxInput) }, { weight: 1, arbitrary: target.structured });
  const result: ChunkResult = { target: chunk.target, index: chunk.index, count: 0, accepted: 0, crashes: 0, hangs: 0, failures: [] };
  fc.check(fc.property(arb, (input) => {
    const n = Math.min(input.length, MAX_INPUT);
    bytes.set(input.subarray(0, n));
    Atomics.store(length, 0, n);
    const v = judge(target, input, shared.hangMs);
    result.count++;
    if (v.kind === 'ok') result.accepted++;
    if (v.kind === 'crash') result.crashes++;
    if (v.kind === 'hang') result.hangs++;
    if ((v.kind === 'crash' || v.kind === 'hang') && result.failures.length < MAX_FAILURES_KEPT) {
      result.failures.push({ kind: v.kind, detail: v.kind === 'crash' ? v.error : `${v.ms.toFixed(0)} ms`, input: input.toString('base64') });
    }
    return true; // record and go on: the run counts every finding
  }), { seed: chunk.seed, numRuns: chunk.count });
  return result;
}

parentPort?.on('message', (chunk: Chunk) => parentPort?.postMessage(runChunk(chunk)));
