// The bridge under test, as its own process (so its CPU and memory are its
// own): the embedded engine on 127.0.0.1; a call to `c-NAME` joins
// conference NAME. Driven over the IPC channel: {cmd:'stats'} → figures,
// {cmd:'stop'}. argv: SIP port, RTP I/O ('native' by default, or 'dgram').
import { configSchema } from '../../../common/config.ts';
import { EmbeddedEngine } from '../../../bridge/embedded/engine.ts';
import { MediaPool } from '../../../bridge/embedded/media/control/media-pool.ts';
import type { Conference } from '../../../bridge/port.ts';

const port = Number(process.argv[2] ?? 15960);
const io = process.argv[3] === 'dgram' ? 'dgram' : 'native';
const config = configSchema.parse({
  sip: { host: '127.0.0.1', port, transports: ['udp'], requestsPerS: 0 },
  rtp: { host: '127.0.0.1', portMin: 20000, portMax: 29999, io },
  logLevel: 'warn',
});
const media = new MediaPool(config.rtp);
const engine = new EmbeddedEngine({ config, media });
const conferences = new Map<string, Conference>();

engine.onIncoming((call) => {
  const name = call.to.startsWith('c-') ? call.to.slice(2) : undefined;
  if (!name) { call.reject(1); return; }
  call.answer().then(async (leg) => {
    let conf = conferences.get(name);
    if (!conf) { conf = engine.createConference(name, { joinLeaveTones: false }); conferences.set(name, conf); }
    await conf.join(leg);
  }, () => undefined);
});

await engine.start();
let cpu0 = process.cpuUsage();
let t0 = performance.now();
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'stats') {
    const cpu = process.cpuUsage(cpu0);
    const wallMs = performance.now() - t0;
    cpu0 = process.cpuUsage();
    t0 = performance.now();
    void media.stats().then((workers) => {
      process.send?.({
        cpuPct: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
        rssMb: process.memoryUsage().rss / 2 ** 20,
        legs: engine.activeLegs,
        workers,
      });
    });
  } else if (m.cmd === 'stop') {
    void engine.close().then(() => process.exit(0));
  }
});
// The bench that started us is gone: so are we (no orphan holding the ports).
process.on('disconnect', () => { void engine.close().finally(() => process.exit(0)); });
process.send?.({ ready: true });
