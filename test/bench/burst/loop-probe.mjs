// Loaded into `make run`'s app by the burst benchmark (node --import; plain
// JavaScript, as the app's media workers inherit the flag without tsx): the
// main thread's event-loop delay, from SIGUSR2 (the burst starts) to the
// process's exit, printed as one line on stderr.
import { isMainThread } from 'node:worker_threads';
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (isMainThread) {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on('SIGUSR2', () => delay.reset());
  process.on('exit', () => {
    process.stderr.write(`LOOP-PROBE ${JSON.stringify({ p99Ms: delay.percentile(99) / 1e6, maxMs: delay.max / 1e6 })}\n`);
  });
}
