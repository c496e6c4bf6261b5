// Call set-up rate: sipp places short calls (INVITE … ACK, 1 s, BYE) at rising
// rates into the embedded engine (real RTP ports per call); reports, per rate,
// the calls that succeeded and failed and the bridge's CPU.
import { configSchema } from '../../common/config.ts';
import { EmbeddedEngine } from '../../bridge/embedded/engine.ts';
import { MediaPool } from '../../bridge/embedded/media/control/media-pool.ts';
import { runSipp } from '../support/sipp.ts';

export interface RateRow { cps: number; calls: number; ok: number; failed: number; wallS: number; cpuPct: number }

export async function benchCallRate(rates = [50, 100, 200, 300, 400, 600], callsPerRate = 600): Promise<RateRow[]> {
  const port = 15460;
  const config = configSchema.parse({ sip: { host: '127.0.0.1', port, requestsPerS: 0 }, rtp: { host: '127.0.0.1', portMin: 34000, portMax: 39999 }, logLevel: 'silent' });
  const engine = new EmbeddedEngine({ config, media: new MediaPool(config.rtp) });
  engine.onIncoming((call) => { call.answer().catch(() => undefined); });
  await engine.start();
  const rows: RateRow[] = [];
  try {
    for (const cps of rates) {
      const cpu0 = process.cpuUsage();
      const t0 = Date.now();
      const r = await runSipp({
        scenario: 'uac-call.xml', remote: `127.0.0.1:${port}`, localPort: 15470, mediaPort: 15480,
        service: 'rate', calls: callsPerRate, rate: cps, limit: 2000, durationMs: 1000, timeoutS: 120, recvTimeoutMs: 10_000,
      });
      const wallS = (Date.now() - t0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      rows.push({ cps, calls: callsPerRate, ok: r.successful, failed: r.failed, wallS, cpuPct: ((cpu.user + cpu.system) / 1e6 / wallS) * 100 });
    }
  } finally {
    await engine.close();
  }
  return rows;
}
