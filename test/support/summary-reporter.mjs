// A node:test reporter that prints only the closing line "N passed, N failed"
// (tests, not suites; skipped and todo tests are counted apart).
export default async function* summaryReporter(source) {
  let passed = 0, failed = 0, skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const d = event.data;
    if (d.details?.type === 'suite') { if (event.type === 'test:fail' && d.details?.error?.failureType !== 'subtestsFailed') failed++; continue; }
    if (d.skip || d.todo) { skipped++; continue; }
    if (event.type === 'test:pass') passed++; else failed++;
  }
  yield `\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}\n`;
}
