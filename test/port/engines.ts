// The engines the port conformance suite runs against. Each is a factory
// with a name, a check of whether it can run here (and why not), and a
// create() that starts one on the ports of a test file's slot. The embedded
// engine always runs; the FreeSWITCH engine (drachtio-srf + drachtio-fsmrf,
// bridge/freeswitch/) runs when BRIDGE_TEST_FREESWITCH names the drachtio and
// event-socket addresses. An engine that is not configured is reported as
// such in the output — never skipped silently, never passed without a call.
//
// Plugging in another engine is one entry in FACTORIES: its create() builds
// the Engine through app/engine.ts's createEngine() (as the product does)
// and says where SIP clients reach it and what it can do (capabilities).
import { createEngine } from '../../app/engine.ts';
import { configSchema } from '../../common/config.ts';
import type { Engine } from '../../bridge/port.ts';
import { freeswitchSetting } from '../support/freeswitch-setting.ts';

/** Optional parts of the port; a part an engine lacks is reported as not run, by name. */
export interface EngineCapabilities {
  /** Detects keys sent as dual tones inside the audio (DtmfEvent source 'inband'). */
  inbandDtmf: boolean;
}

/** The ports one test file may use for the engine under test (clients have their own). */
export interface PortSlot {
  sipPort: number;
  rtpMin: number;
  rtpMax: number;
  /** Media worker threads, where the engine has them. */
  workers?: number;
}

export interface EngineUnderTest {
  readonly name: string;
  readonly engine: Engine;
  readonly capabilities: EngineCapabilities;
  /** host:port where SIP clients (sipp, baresip) send their calls to reach the engine. */
  readonly sipAddress: string;
  close(): Promise<void>;
}

export interface EngineFactory {
  readonly name: string;
  /** undefined when the engine can run here; otherwise why not (printed in the output). */
  notConfigured(): string | undefined;
  create(slot: PortSlot): Promise<EngineUnderTest>;
}

/** Starts `engine`; one that fails to start (a port taken, a server away) is closed, so its threads and sockets do not keep the test process alive. */
async function startOrClose(engine: Engine): Promise<void> {
  try {
    await engine.start();
  } catch (err) {
    await engine.close().catch(() => undefined);
    throw err;
  }
}

/** The engine config of a slot: 127.0.0.1, no per-source limits (a test sends many calls from one address). */
function slotConfig(slot: PortSlot, extra: Record<string, unknown> = {}) {
  return configSchema.parse({
    ...extra,
    sip: { host: '127.0.0.1', port: slot.sipPort, noAnswerTimeoutS: 30, requestsPerS: 0, carrierRequestsPerS: 0, ...(extra.sip as object | undefined) },
    rtp: { host: '127.0.0.1', portMin: slot.rtpMin, portMax: slot.rtpMax, workers: slot.workers ?? 1, io: 'native', ...(extra.rtp as object | undefined) },
    logLevel: 'warn',
  });
}

const embedded: EngineFactory = {
  name: 'embedded',
  notConfigured: () => undefined,
  async create(slot) {
    const engine = createEngine(slotConfig(slot, { engine: 'embedded' }));
    await startOrClose(engine);
    return {
      name: 'embedded', engine, sipAddress: `127.0.0.1:${slot.sipPort}`,
      capabilities: { inbandDtmf: true },
      close: () => engine.close(),
    };
  },
};

const freeswitch: EngineFactory = {
  name: 'freeswitch',
  notConfigured: () => (process.env.BRIDGE_TEST_FREESWITCH?.trim() ? undefined : 'not configured: BRIDGE_TEST_FREESWITCH (drachtio and event-socket addresses) is unset'),
  async create(slot) {
    const setting = freeswitchSetting()!;
    // The product's own path: a configuration with engine "freeswitch" (refused with ConfigError until bridge/freeswitch/ is built).
    const engine = createEngine(slotConfig(slot, { ...setting.config, engine: 'freeswitch' }));
    await startOrClose(engine);
    return {
      name: 'freeswitch', engine, sipAddress: setting.sipAddress,
      capabilities: { inbandDtmf: false, ...setting.capabilities },
      close: () => engine.close(),
    };
  },
};

/** Every engine the suite knows, in the order they run. */
export const FACTORIES: readonly EngineFactory[] = [embedded, freeswitch];

/**
 * Why `factory` does not run in this process, or undefined when it does:
 * not configured, or left out by BRIDGE_TEST_PORT_ENGINES (a comma-separated
 * list of engine names, to run one engine alone; unset = every configured one).
 */
export function notRunReason(factory: EngineFactory): string | undefined {
  const only = process.env.BRIDGE_TEST_PORT_ENGINES?.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (only && only.length > 0 && !only.includes(factory.name)) return `left out by BRIDGE_TEST_PORT_ENGINES=${only.join(',')}`;
  return factory.notConfigured();
}

/**
 * The line each test file prints: the engines it ran against (started),
 * those configured that failed to start (with the error), and those not run
 * and why.
 */
export function engineLine(file: string, started: ReadonlySet<string>, failed: ReadonlyMap<string, string>): string {
  const ran = FACTORIES.filter((f) => started.has(f.name)).map((f) => f.name);
  const broken = FACTORIES.flatMap((f) => { const e = failed.get(f.name); return e ? [`${f.name} (${e})`] : []; });
  const not = FACTORIES.flatMap((f) => { const r = notRunReason(f); return r ? [`${f.name} (${r})`] : []; });
  return `port conformance (${file}): ran against ${ran.join(', ') || 'no engine'}` +
    `${broken.length > 0 ? `; FAILED TO START ${broken.join(', ')}` : ''}${not.length > 0 ? `; not run against ${not.join(', ')}` : ''}`;
}
