// The WebRTC gateway (issue #17), as the control thread sees it: browsers join
// with their SDP offer and come into the bridge as ordinary SIP calls to its
// own SIP address. The work (ICE, DTLS-SRTP, Opus, the gateway's SIP user
// agent) runs in a worker thread (gateway-worker.ts) unless inProcess is set;
// counts() and listeners() answer at once from the worker's last report.
import { Worker } from 'node:worker_threads';
import { TypedEmitter } from '../../common/events.ts';
import { moduleLogger, type Logger } from '../../common/log.ts';
import { GatewayCore } from './gateway-core.ts';
import { GatewayError } from './gateway-error.ts';
import type {
  CountsSnapshot, FromGatewayWorker, GatewayRequest, GatewayResults, GatewayWorkerData, ToGatewayWorker,
} from './gateway-protocol.ts';
import type { GatewayCounts, WebrtcJoinRequest, WebrtcSession } from './gateway-types.ts';
import type { G722Implementation } from './voice-codec.ts';

export { GatewayError } from './gateway-error.ts';
export type { GatewayCounts, WebrtcJoinRequest, WebrtcSession } from './gateway-types.ts';
export type { G722Implementation } from './voice-codec.ts';

export interface WebrtcGatewayOptions extends GatewayWorkerData {
  /** Run in this thread instead of a worker (debugging, tests of the engine itself). */
  inProcess?: boolean;
  /** Another G.722 implementation than bridge/rtp/g722.ts (in process only: a worker uses that one). */
  g722?: G722Implementation;
  logger?: Logger;
}

export type GatewayEvents = {
  /** A joined session is over: the bridge hung up (BYE), ICE/DTLS failed or timed out, hangup() or close(). */
  ended: [id: string, reason: string];
};

/** The facade's events (held, not inherited: TypedEmitter's own `listeners` field would clash with listeners(key)). */
class GatewayEmitter extends TypedEmitter<GatewayEvents> {
  fire<K extends keyof GatewayEvents>(event: K, ...args: GatewayEvents[K]): void { this.emit(event, ...args); }
}
type Listener<K extends keyof GatewayEvents> = (...args: GatewayEvents[K]) => void;

const EMPTY: CountsSnapshot = { counts: { sessions: 0, listeners: 0, legs: 0 }, listeners: {} };

export class WebrtcGateway {
  private readonly events = new GatewayEmitter();
  private readonly log: Logger;
  private readonly core: GatewayCore | undefined;
  private worker: Worker | undefined;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private mirror: CountsSnapshot = EMPTY;
  /** Sessions joined and not ended (told 'ended' if the worker dies). */
  private readonly live = new Set<string>();
  private port: number | undefined;
  private dead: Error | undefined;
  private closing = false;

  constructor(private readonly opts: WebrtcGatewayOptions) {
    this.log = opts.logger ?? moduleLogger('webrtc');
    if (opts.inProcess) {
      this.core = new GatewayCore(opts);
      this.core.on('ended', (id, reason) => this.onEnded(id, reason));
    }
  }

  on<K extends keyof GatewayEvents>(event: K, fn: Listener<K>): this { this.events.on(event, fn); return this; }
  once<K extends keyof GatewayEvents>(event: K, fn: Listener<K>): this { this.events.once(event, fn); return this; }
  off<K extends keyof GatewayEvents>(event: K, fn: Listener<K>): this { this.events.off(event, fn); return this; }
  /** Resolves with the next emission of `event`, rejects after `timeoutMs`. */
  waitFor<K extends keyof GatewayEvents>(event: K, timeoutMs: number): Promise<GatewayEvents[K]> { return this.events.waitFor(event, timeoutMs); }

  /** The gateway's SIP port on bindHost (after start()). */
  get sipPort(): number | undefined { return this.core ? this.core.sipPort : this.port; }

  async start(): Promise<void> {
    if (this.core) { await this.core.start(); return; }
    if (this.worker) return;
    const data: GatewayWorkerData = {
      bridge: this.opts.bridge, bindHost: this.opts.bindHost, rtpPortMin: this.opts.rtpPortMin, rtpPortMax: this.opts.rtpPortMax,
      sipPort: this.opts.sipPort, maxSessions: this.opts.maxSessions, joinTimeoutMs: this.opts.joinTimeoutMs, mediaTimeoutMs: this.opts.mediaTimeoutMs,
      offerG722: this.opts.offerG722,
    };
    if (this.opts.g722) this.log.warn('the G.722 implementation passed in is used only in process: the worker uses bridge/rtp/g722.ts');
    const worker = new Worker(new URL('./gateway-worker-boot.mjs', import.meta.url), { name: 'webrtc-gateway', workerData: data });
    this.worker = worker;
    worker.on('message', (m: FromGatewayWorker) => this.onMessage(m));
    worker.on('error', (err) => this.fail(err));
    worker.on('exit', (code) => this.fail(new Error(`exited with code ${code}`)));
    const { sipPort } = await this.request({ op: 'start' }) as GatewayResults['start'];
    this.port = sipPort;
  }

  /** Hangs up everything (BYE to the bridge, peer connections closed) and stops the worker. */
  async close(): Promise<void> {
    if (this.core) { await this.core.close(); return; }
    if (this.closing || !this.worker) return;
    try {
      if (!this.dead) await this.request({ op: 'close' });
    } finally {
      this.closing = true;
      await this.worker.terminate();
    }
  }

  /**
   * Stops the worker at once, as a crash would (tests and operations: a wedged
   * worker): every live session ends with 'gateway-worker-died'. Its SIP calls
   * get no BYE: the bridge ends them on its RTP timeout.
   */
  async terminate(): Promise<void> {
    if (this.core || !this.worker || this.dead) return;
    const gone = new Promise<void>((resolve) => this.worker!.once('exit', () => resolve()));
    await this.worker.terminate();
    await gone;
  }

  /** Answers a browser's offer and calls the bridge; resolves once the bridge answered (200 OK). */
  async join(req: WebrtcJoinRequest): Promise<WebrtcSession> {
    const session = this.core ? await this.core.join(req) : await this.request({ op: 'join', req }) as WebrtcSession;
    this.live.add(session.id);
    return session;
  }

  /** BYE to the bridge (for a listener: when it was the key's last), peer connection closed, 'ended' emitted. */
  async hangup(id: string): Promise<void> {
    if (this.core) { await this.core.hangup(id); return; }
    await this.request({ op: 'hangup', id });
  }

  counts(): GatewayCounts {
    return this.core ? this.core.counts() : { ...this.mirror.counts };
  }

  listeners(listenKey: string): number {
    return this.core ? this.core.listenersOf(listenKey) : this.mirror.listeners[listenKey] ?? 0;
  }

  // ---- the worker ----

  private request(req: GatewayRequest): Promise<unknown> {
    const worker = this.worker;
    if (!worker || this.dead || this.closing) return Promise.reject(new GatewayError(503, 'the gateway is not running'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // A request that cannot be cloned (a caller's odd object) is a bad request, not a worker failure.
      try {
        const msg: ToGatewayWorker = { id, req };
        worker.postMessage(msg);
      } catch (err) {
        this.pending.delete(id);
        reject(new GatewayError(400, `bad request: ${(err as Error).message}`));
      }
    });
  }

  private onMessage(m: FromGatewayWorker): void {
    if (m.id === undefined) {
      if (m.ev.type === 'counts') this.mirror = { counts: m.ev.counts, listeners: m.ev.listeners };
      else this.onEnded(m.ev.id, m.ev.reason);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(new GatewayError(m.status, m.error));
  }

  private onEnded(id: string, reason: string): void {
    this.live.delete(id);
    this.events.fire('ended', id, reason);
  }

  /** The worker is gone: every request fails, every session has ended. */
  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    this.mirror = EMPTY;
    if (this.closing) return;
    this.log.error({ err: err.message }, 'WebRTC gateway worker died');
    for (const p of this.pending.values()) p.reject(new GatewayError(500, `the gateway worker died: ${err.message}`));
    this.pending.clear();
    for (const id of [...this.live]) this.onEnded(id, 'gateway-worker-died');
  }
}
