// The house rules of structure, held by the test suite (measured by
// scripts/structure.ts with the TypeScript compiler): no source file over
// 500 lines, no function over 80, the median file at most 200 lines, no
// import cycle between files or folders, no layer importing one above it.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { LIMITS, measure } from '../../scripts/structure.ts';

const report = measure(new URL('../..', import.meta.url).pathname);

describe('structure of the source tree', () => {
  it('measures the whole tree (the product folders are all there)', () => {
    for (const top of ['app/', 'bridge/', 'core/', 'ivr/', 'web/']) {
      assert.ok(report.files.some((f) => f.file.startsWith(top)), `no files measured under ${top}`);
    }
  });

  it(`no source file over ${LIMITS.fileLines} lines`, () => {
    assert.deepEqual(report.longFiles, []);
  });

  it(`no function over ${LIMITS.functionLines} lines`, () => {
    assert.deepEqual(report.longFunctions.map((f) => `${f.file}:${f.line} ${f.name} (${f.lines})`), []);
  });

  it(`the median file is at most ${LIMITS.medianFileLines} lines`, () => {
    assert.ok(report.medianFileLines <= LIMITS.medianFileLines, `median ${report.medianFileLines}`);
  });

  it('no import cycles and no import against the layers', () => {
    assert.deepEqual(report.cycles, []);
    assert.deepEqual(report.folderCycles, []);
    assert.deepEqual(report.layerViolations, []);
  });
});
