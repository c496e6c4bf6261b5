// The bounded fuzz run of one target inside `make test` (test/unit/fuzz/):
// first the findings saved under test/fixtures/fuzz/<target>/ are replayed,
// then a few thousand mutated seeds and generated inputs go through the same
// judge as the long run. The seed is fixed (so the suite is repeatable) and
// printed; FUZZ_SEED=<n> runs another, FUZZ_RUNS=<n> sets the count.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { mutated } from './mutate.ts';
import { judge, type FuzzTarget } from './target.ts';

/** The suite's fixed seed; FUZZ_SEED replays another. */
export const BOUNDED_SEED = Number(process.env.FUZZ_SEED ?? 0x15f022);
const RUNS = Number(process.env.FUZZ_RUNS ?? 3000);
/** Looser than the long run's bound: the suite shares two cores with other tests. */
const HANG_MS = Number(process.env.FUZZ_HANG_MS ?? 100);

/** The saved findings of a target: name → bytes. */
export function findings(target: string): Array<[string, Buffer]> {
  const dir = new URL(`../fixtures/fuzz/${target}/`, import.meta.url);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => !f.endsWith('.md')).sort().map((f) => [f, readFileSync(new URL(f, dir))]);
}

/** An input for a failure message: base64 when short, else saved to a temporary file. */
function shown(target: string, input: Buffer): string {
  if (input.length <= 2048) return `(base64) ${input.toString('base64')}`;
  const file = join(mkdtempSync(join(tmpdir(), `fuzz-${target}-`)), 'input.bin');
  writeFileSync(file, input);
  return `of ${input.length} bytes saved to ${file}`;
}

/** Judges one input; throws (with the input) on a crash or a hang; true when the parser accepted it. */
function accepts(target: FuzzTarget, input: Buffer): boolean {
  const v = judge(target, input, HANG_MS);
  if (v.kind === 'crash') throw new Error(`${target.name} crashed: ${v.error}; input ${shown(target.name, input)}`);
  if (v.kind === 'hang') throw new Error(`${target.name} took ${v.ms.toFixed(0)} ms (> ${HANG_MS}); input ${shown(target.name, input)}`);
  return v.kind === 'ok';
}

/** Declares the bounded fuzz tests of one target; `minFindings`: fixtures the target must have. */
export function boundedFuzz(target: FuzzTarget, opts: { minFindings?: number } = {}): void {
  describe(`fuzz ${target.name} (seed ${BOUNDED_SEED}; replay with FUZZ_SEED=${BOUNDED_SEED})`, () => {
    it('replays the saved findings: each is parsed or rejected, in time', () => {
      const saved = findings(target.name);
      assert.ok(saved.length >= (opts.minFindings ?? 0), `expected at least ${opts.minFindings} findings for ${target.name}`);
      for (const [name, bytes] of saved) {
        const v = judge(target, bytes, HANG_MS);
        assert.ok(v.kind === 'ok' || v.kind === 'rejected', `${target.name}/${name}: ${JSON.stringify(v)}`);
      }
    });

    it(`${RUNS} mutated seeds: only documented errors, invariants hold, no hang`, { timeout: 120_000 }, () => {
      let accepted = 0;
      fc.assert(fc.property(mutated(target.seeds, target.dictionary, target.maxInput), (input) => {
        if (accepts(target, input)) accepted++;
      }), { seed: BOUNDED_SEED, numRuns: RUNS, endOnFailure: true });
      console.log(`fuzz ${target.name}: ${RUNS} mutated inputs, ${accepted} accepted (seed ${BOUNDED_SEED})`);
    });

    it(`${Math.ceil(RUNS / 3)} generated inputs: only documented errors, invariants hold, no hang`, { timeout: 120_000 }, () => {
      let accepted = 0;
      fc.assert(fc.property(target.structured, (input) => {
        if (accepts(target, input)) accepted++;
      }), { seed: BOUNDED_SEED ^ 0x5eed, numRuns: Math.ceil(RUNS / 3), endOnFailure: true });
      console.log(`fuzz ${target.name}: ${Math.ceil(RUNS / 3)} generated inputs, ${accepted} accepted (seed ${BOUNDED_SEED})`);
      assert.ok(accepted > 0, 'some generated inputs are accepted (the generator makes valid input)');
    });
  });
}
