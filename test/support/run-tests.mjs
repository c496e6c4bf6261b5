#!/usr/bin/env node
// Runs the test files with node's test runner (TypeScript through tsx) and
// ends the output with one line "N passed, N failed".
// Usage: node test/support/run-tests.mjs [file-or-folder ...]
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
const args = process.argv.slice(2);
const roots = args.length > 0 ? args : ['test/unit', 'test/ivr', 'test/db', 'test/scheduler', 'test/wire', 'test/port', 'test/web', 'test/e2e'];

function collect(path, out) {
  let st;
  try { st = statSync(path); } catch { return; }
  if (st.isFile()) { if (/\.test\.(ts|mjs)$/.test(path)) out.push(path); return; }
  for (const name of readdirSync(path).sort()) collect(join(path, name), out);
}
const files = [];
for (const r of roots) collect(join(root, r), files);
if (files.length === 0) { console.error('no test files under', roots.join(' ')); process.exit(2); }

const res = spawnSync(process.execPath, [
  '--import', 'tsx',
  '--test',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  '--test-reporter=./test/support/summary-reporter.mjs', '--test-reporter-destination=stdout',
  ...files.map((f) => relative(root, f)),
], { cwd: root, stdio: 'inherit', env: { NODE_ENV: 'test', ...process.env } });
process.exit(res.status ?? 1);
