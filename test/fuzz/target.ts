// What a fuzz target is, and how one input is judged. A target wraps one
// parser: `run` feeds it one input and checks the invariants of what it
// returns; `expected` says which errors the parser documents (SipParseError,
// ParseError, …). Anything else it throws is a crash; a call slower than the
// hang bound, twice in a row on the same input, is a hang. The same judge
// serves the bounded unit tests (test/unit/fuzz/) and the long run (./run.ts).
import type fc from 'fast-check';

/** An output invariant broke (thrown by a target's `run`): always a crash. */
export class InvariantError extends Error {
  override readonly name = 'InvariantError';
}

export interface FuzzTarget {
  /** Short name: the fixture folder (test/fixtures/fuzz/<name>/) and the report's row. */
  name: string;
  /** Valid inputs the mutations start from. */
  seeds: readonly Buffer[];
  /** Inputs built from the format's structure (headers, lines, fields). */
  structured: fc.Arbitrary<Buffer>;
  /** Bytes worth inserting for this format (delimiters, digits, odd bytes). */
  dictionary: readonly string[];
  /** Largest input the mutations grow (default mutate.ts MAX_INPUT, a SIP datagram). */
  maxInput?: number;
  /** The parser's own, documented errors: the only ones it may throw. */
  expected(err: unknown): boolean;
  /** Parses one input and checks the invariants of its output; throws InvariantError when one breaks. */
  run(input: Buffer): void;
  /**
   * Extra time an input may take for its size, ms, on top of the hang bound:
   * for parsers whose honest work grows with the input (a CSV of thousands
   * of rows), so that only work out of proportion counts as a hang.
   */
  allowanceMs?(input: Buffer): number;
}

export type Verdict =
  | { kind: 'ok' }
  | { kind: 'rejected' }
  | { kind: 'crash'; error: string }
  | { kind: 'hang'; ms: number };

/** The default bound for one input (the brief: 50 ms → a hang). */
export const HANG_MS = 50;

function once(target: FuzzTarget, input: Buffer): { verdict: Verdict; ms: number } {
  const t0 = performance.now();
  try {
    target.run(input);
    return { verdict: { kind: 'ok' }, ms: performance.now() - t0 };
  } catch (err) {
    const ms = performance.now() - t0;
    if (!(err instanceof InvariantError) && target.expected(err)) return { verdict: { kind: 'rejected' }, ms };
    const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return { verdict: { kind: 'crash', error }, ms };
  }
}

/** Sleeps the thread (a worker's or the main one) without giving up the input. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** How often a slow input is timed again, 100 ms apart, before it counts as a hang. */
const CONFIRMATIONS = 3;

/**
 * Judges one input. A slow call is timed again, three times 100 ms apart,
 * and counts as a hang only when every timing is over the bound: on a
 * shared two-core machine a load spike or a garbage-collection pause can
 * stretch one call tenfold, while a parser that is really slow (quadratic,
 * looping) is slow every time.
 */
export function judge(target: FuzzTarget, input: Buffer, bound = HANG_MS): Verdict {
  const hangMs = bound + (target.allowanceMs?.(input) ?? 0);
  const first = once(target, input);
  if (first.verdict.kind === 'crash' || first.ms <= hangMs) return first.verdict;
  let fastest = first.ms;
  for (let i = 0; i < CONFIRMATIONS; i++) {
    pause(100);
    const again = once(target, input);
    if (again.verdict.kind === 'crash' || again.ms <= hangMs) return again.verdict;
    fastest = Math.min(fastest, again.ms);
  }
  return { kind: 'hang', ms: fastest };
}
