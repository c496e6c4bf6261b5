// The engine inside a wire test: listens on 127.0.0.1, answers each
// incoming call with the handler registered for its dialled number, and keeps
// what happened (leg, DTMF events, hangup, handler result or error) for asserts.
//
// The embedded engine by default. BRIDGE_TEST_ENGINE=freeswitch runs the
// test on the FreeSWITCH engine instead (bridge/freeswitch/), on the local
// FreeSWITCH + drachtio-server that BRIDGE_TEST_FREESWITCH describes
// (scripts/freeswitch-stack.sh): clients then call drachtio-server's SIP
// address (sipAddress), and the engine's own SIP/RTP ports are not used.
import { configSchema, type Config } from '../../common/config.ts';
import { InvalidStateError } from '../../common/errors.ts';
import { createEngine } from '../../app/engine.ts';
import { EmbeddedEngine } from '../../bridge/embedded/engine.ts';
import { MediaPool } from '../../bridge/embedded/media/control/media-pool.ts';
import type { CallLeg, DtmfEvent, Engine, HangupInfo, IncomingCall } from '../../bridge/port.ts';
import { freeswitchSetting } from './freeswitch-setting.ts';
import { Q850 } from '../../bridge/q850.ts';
import { waitUntil } from './ports.ts';

export interface HandledCall {
  call: IncomingCall;
  leg?: CallLeg;
  dtmf: DtmfEvent[];
  hangup?: HangupInfo;
  /** What the handler resolved with. */
  result?: unknown;
  error?: unknown;
  done: boolean;
}

export type LegHandler = (leg: CallLeg, call: IncomingCall) => Promise<unknown>;

/** The engine wire tests run on (BRIDGE_TEST_ENGINE; default embedded). */
export function testEngineName(): 'embedded' | 'freeswitch' {
  const name = process.env.BRIDGE_TEST_ENGINE?.trim() || 'embedded';
  if (name !== 'embedded' && name !== 'freeswitch') throw new Error(`BRIDGE_TEST_ENGINE=${name}: embedded or freeswitch`);
  return name;
}

export class TestEngine {
  readonly engine: Engine;
  readonly calls: HandledCall[] = [];
  private readonly handlers = new Map<string, LegHandler>();
  /** host:port where the test's SIP clients call. */
  readonly sipAddress: string;
  private readonly pool: MediaPool | undefined;

  /** The embedded engine's media workers (io: the RTP socket I/O; tests use the batched addon unless they ask for node:dgram). */
  get media(): MediaPool {
    if (!this.pool) throw new InvalidStateError('this test needs the embedded engine\'s media workers (BRIDGE_TEST_ENGINE is freeswitch)');
    return this.pool;
  }

  /**
   * spreadAt: members a conference gathers in one worker before it spreads (see MediaPoolOptions).
   * sip: more SIP settings; the per-source request limits are off unless a test sets them
   * (load tests send hundreds of calls from 127.0.0.1; test/wire/sip-flood.test.ts runs the app's defaults).
   * host: the address SIP and RTP bind to and advertise (default 127.0.0.1; another loopback address for a second node).
   */
  constructor(opts: {
    sipPort: number; rtpMin: number; rtpMax: number; workers?: number; io?: 'native' | 'dgram'; spreadAt?: number;
    sip?: Partial<Config['sip']>; carrierAddresses?: string[]; host?: string;
  }) {
    const host = opts.host ?? '127.0.0.1';
    const config = configSchema.parse({
      sip: { host, port: opts.sipPort, noAnswerTimeoutS: 30, requestsPerS: 0, carrierRequestsPerS: 0, ...opts.sip },
      ivr: { carrierAddresses: opts.carrierAddresses ?? [] },
      rtp: { host, portMin: opts.rtpMin, portMax: opts.rtpMax, workers: opts.workers ?? 1, io: opts.io ?? 'native', spreadAt: opts.spreadAt },
      logLevel: 'warn',
    });
    if (testEngineName() === 'freeswitch') {
      const setting = freeswitchSetting();
      if (!setting) throw new Error('BRIDGE_TEST_ENGINE=freeswitch needs BRIDGE_TEST_FREESWITCH (scripts/freeswitch-stack.sh prints it)');
      this.engine = createEngine(configSchema.parse({ ...config, ...setting.config, engine: 'freeswitch' }));
      this.sipAddress = setting.sipAddress;
    } else {
      this.pool = new MediaPool(config.rtp);
      this.engine = new EmbeddedEngine({ config, media: this.pool });
      this.sipAddress = `${host}:${opts.sipPort}`;
    }
    this.engine.onIncoming((call) => this.onIncoming(call));
  }

  /** Calls to `sip:NUMBER@…` are answered and given to `fn`; other numbers get 404. */
  handle(number: string, fn: LegHandler): void { this.handlers.set(number, fn); }

  start(): Promise<void> { return this.engine.start(); }
  close(): Promise<void> { return this.engine.close(); }

  to(number: string): HandledCall[] { return this.calls.filter((c) => c.call.to === number); }

  /** The one call to `number`, once its handler has finished (bounded wait). */
  async finished(number: string, timeoutMs = 10_000): Promise<HandledCall> {
    await waitUntil(() => this.to(number).some((c) => c.done), timeoutMs, `the handler for ${number} to finish`);
    const calls = this.to(number);
    if (calls.length !== 1) throw new Error(`expected one call to ${number}, got ${calls.length}`);
    return calls[0]!;
  }

  private onIncoming(call: IncomingCall): void {
    const h: HandledCall = { call, dtmf: [], done: false };
    this.calls.push(h);
    const fn = this.handlers.get(call.to);
    if (!fn) { call.reject(Q850.UNALLOCATED_NUMBER); h.done = true; return; } // 404
    call.ring();
    void call.answer().then(async (leg) => {
      h.leg = leg;
      leg.on('dtmf', (ev) => h.dtmf.push(ev));
      leg.on('hangup', (info) => { h.hangup = info; });
      h.result = await fn(leg, call);
    }).catch((err: unknown) => { h.error = err; }).finally(() => { h.done = true; });
  }
}
