// 200 concurrent calls from sipp at 50 calls/s, each held 10 s, all must
// succeed. A wire test, not a benchmark: it prints its figures
// (see BENCHMARKS.md for the latest).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../common/config.ts';
import { EmbeddedEngine } from '../../bridge/embedded/engine.ts';
import { MediaPool } from '../../bridge/embedded/media/control/media-pool.ts';
import { runSipp } from '../support/sipp.ts';

const SIP_PORT = 15260;
const config = configSchema.parse({
  // 50 calls/s from one address: the per-source limit (20/s by default) is off here; test/wire/sip-flood.test.ts runs it.
  sip: { host: '127.0.0.1', port: SIP_PORT, requestsPerS: 0 },
  rtp: { host: '127.0.0.1', portMin: 32000, portMax: 33999 },
});
const engine = new EmbeddedEngine({ config, media: new MediaPool(config.rtp) });
let answered = 0;
let peak = 0;

before(async () => {
  engine.onIncoming((call) => {
    call.answer().then(() => { answered++; peak = Math.max(peak, engine.activeLegs); }, () => undefined);
  });
  await engine.start();
});
after(async () => { await engine.close(); });

test('200 concurrent calls at 50 calls/s held for 10 s: all successful', { timeout: 90_000 }, async () => {
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  const r = await runSipp({
    scenario: 'uac-call.xml', remote: `127.0.0.1:${SIP_PORT}`, localPort: 15270, mediaPort: 15280,
    service: 'load', calls: 200, limit: 200, rate: 50, durationMs: 10_000, timeoutS: 60, recvTimeoutMs: 10_000,
  });
  const wallS = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuPct = ((cpu.user + cpu.system) / 1e6 / wallS) * 100;
  console.log(`# load: ${r.successful} ok, ${r.failed} failed, answered ${answered}, peak concurrent ${peak}, ` +
    `wall ${wallS.toFixed(1)} s, bridge CPU ${cpuPct.toFixed(1)} % of one core, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
  assert.equal(r.code, 0, r.summary);
  assert.equal(r.successful, 200, r.summary);
  assert.equal(r.failed, 0, r.summary);
  assert.equal(answered, 200);
  assert.equal(peak, 200, 'all 200 calls were up at once');
});
