// The bridge under test, as its own process (so its CPU and memory are its
// own): a call to `c-NAME` joins conference NAME. Driven over the IPC
// channel: {cmd:'stats'} → figures, {cmd:'stop'}. argv: SIP port, RTP I/O
// ('native' by default, or 'dgram').
//
// The embedded engine on 127.0.0.1 by default; with BENCH_ENGINE=freeswitch
// the FreeSWITCH engine on the FreeSWITCH + drachtio-server that
// BRIDGE_TEST_FREESWITCH describes (scripts/freeswitch-stack.sh): then the
// callers reach it at drachtio-server's address, and the figures add the
// CPU and memory of the FreeSWITCH and drachtio-server processes to ours.
//
// A conference spread over nodes (issue 18): BENCH_HOST binds this bridge to
// another loopback address, and with BENCH_RELAY_TO=host:port it relays
// every call to that node's conference the way ivr/flows/relay.ts does (the
// caller and a call to the host bridged packet for packet on this node).
import { readFileSync } from 'node:fs';
import { configSchema } from '../../../common/config.ts';
import { createEngine } from '../../../app/engine.ts';
import { EmbeddedEngine } from '../../../bridge/embedded/engine.ts';
import { MediaPool } from '../../../bridge/embedded/media/control/media-pool.ts';
import type { CallLeg, Conference, Engine } from '../../../bridge/port.ts';
import { freeswitchSetting } from '../../support/freeswitch-setting.ts';

const port = Number(process.argv[2] ?? 15960);
const io = process.argv[3] === 'dgram' ? 'dgram' : 'native';
const host = process.env.BENCH_HOST ?? '127.0.0.1';
const relayTo = process.env.BENCH_RELAY_TO;
const config = configSchema.parse({
  sip: { host, port, transports: ['udp'], requestsPerS: 0 },
  rtp: { host, portMin: 20000, portMax: 29999, io },
  logLevel: 'warn',
});
const fs = process.env.BENCH_ENGINE === 'freeswitch' ? freeswitchSetting() : undefined;
if (process.env.BENCH_ENGINE === 'freeswitch' && !fs) throw new Error('BENCH_ENGINE=freeswitch needs BRIDGE_TEST_FREESWITCH (scripts/freeswitch-stack.sh prints it)');
const media = fs ? undefined : new MediaPool(config.rtp);
const engine: Engine & { activeLegs: number } = fs
  ? createEngine(configSchema.parse({ ...config, ...fs.config, engine: 'freeswitch' })) as Engine & { activeLegs: number }
  : new EmbeddedEngine({ config, media: media! });
const conferences = new Map<string, Conference>();

engine.onIncoming((call) => {
  const name = call.to.startsWith('c-') ? call.to.slice(2) : undefined;
  if (!name) { call.reject(1); return; }
  call.answer().then(async (leg) => {
    if (relayTo) { await relay(leg, name, relayTo); return; }
    let conf = conferences.get(name);
    if (!conf) { conf = engine.createConference(name, { joinLeaveTones: false }); conferences.set(name, conf); }
    try {
      await conf.join(leg);
    } catch (err) {
      console.error(`join failed: ${(err as Error).message}`);
      await leg.hangup(41);
    }
  }, (err: Error) => console.error(`answer failed: ${err.message}`));
});

/**
 * The caller and a call to the host node's conference, offered the caller's
 * codec and bridged the way ivr/flows/relay.ts does: directly (re-INVITEs point
 * the caller's media at the host; BENCH_RELAY_MODE=direct, the default), or
 * packet for packet here (=forward, the fallback), or in a two-party mix
 * (=mix, the relay before the bridge), for comparison.
 */
async function relay(leg: CallLeg, name: string, to: string): Promise<void> {
  let out: CallLeg;
  try {
    out = await engine.originate({ uri: `sip:c-${name}@${to}` }, { from: { user: leg.from || 'relay' }, noAnswerTimeoutMs: 10_000, codecs: [leg.codec] });
  } catch (err) {
    console.error(`relay failed: ${(err as Error).message}`);
    await leg.hangup(41);
    return;
  }
  let link: { close(): Promise<void> };
  const mode = process.env.BENCH_RELAY_MODE ?? 'direct';
  if (engine.bridge && mode !== 'mix') {
    link = await engine.bridge(leg, out, { direct: mode === 'direct' }).catch(async (err: unknown) => {
      console.error(`direct relay refused (${(err as Error).message}); passing packets on`);
      return engine.bridge!(leg, out);
    });
  } else {
    const mix = engine.createConference(`relay-${leg.id}`, { joinLeaveTones: false, maxTalkers: 2 });
    await mix.join(leg);
    await mix.join(out);
    link = mix;
  }
  leg.on('hangup', () => { void out.hangup(16).catch(() => undefined); void link.close(); });
  out.on('hangup', () => { void leg.hangup(16).catch(() => undefined); void link.close(); });
}

/** CPU seconds (user + system) and RSS in MB of another process, from /proc. */
function procFigures(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of stat)
  const rssPages = Number(fields[21]);
  return { cpuS: ticks / 100, rssMb: (rssPages * 4096) / 2 ** 20 };
}
const servers = Object.values(fs?.pids ?? {}).filter((p): p is number => typeof p === 'number');
const serverCpu = () => servers.reduce((a, p) => a + procFigures(p).cpuS, 0);

await engine.start();
let cpu0 = process.cpuUsage();
let server0 = serverCpu();
let t0 = performance.now();
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'stats') {
    const cpu = process.cpuUsage(cpu0);
    const serverS = serverCpu() - server0;
    const wallMs = performance.now() - t0;
    cpu0 = process.cpuUsage();
    server0 = serverCpu();
    t0 = performance.now();
    void (media ? media.stats() : Promise.resolve([])).then((workers) => {
      process.send?.({
        cpuPct: (((cpu.user + cpu.system) / 1000 + serverS * 1000) / wallMs) * 100,
        rssMb: process.memoryUsage().rss / 2 ** 20 + servers.reduce((a, p) => a + procFigures(p).rssMb, 0),
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
