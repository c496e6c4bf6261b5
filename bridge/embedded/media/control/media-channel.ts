// The control side of one media host: requests with ids, a pending map that
// is failed when the worker dies, and events. A channel talks to a worker
// thread, or to a MediaHost in this thread (workers: 0, for debugging).
import { Worker } from 'node:worker_threads';
import { TypedEmitter } from '../../../../common/events.ts';
import { InvalidStateError } from '../../../../common/errors.ts';
import { moduleLogger } from '../../../../common/log.ts';
import { createUdpIo, type UdpIoKind } from '../../../rtp/udp-io.ts';
import { MediaError, WORKER_DIED } from '../media-error.ts';
import type { FromWorker, MediaEvent, MediaRequest, MediaResults, ToWorker } from '../protocol.ts';
import { MediaHost } from '../worker/media-host.ts';

const log = moduleLogger('media-channel');

/** `died`: the worker is gone (crashed, exited or terminated) and everything it held with it. */
type ChannelEvents = { event: [ev: MediaEvent]; died: [err: MediaError] };

export abstract class MediaChannel extends TypedEmitter<ChannelEvents> {
  /** Legs placed on this host (for choosing the least loaded). */
  legs = 0;
  abstract request<R extends MediaRequest>(req: R): Promise<MediaResults[R['op']]>;
  abstract close(): Promise<void>;
}

export class WorkerChannel extends MediaChannel {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private dead: Error | undefined;
  private closing = false;

  constructor(readonly index: number, io: UdpIoKind = 'auto', epochMs = performance.timeOrigin) {
    super();
    // The boot file registers tsx in the new thread, then loads media-worker.ts.
    this.worker = new Worker(new URL('../worker/media-worker-boot.mjs', import.meta.url), { name: `media-${index}`, workerData: { io, epochMs } });
    this.worker.on('message', (m: FromWorker) => {
      if (m.id === undefined) { this.emit('event', m.ev); return; }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new MediaError(m.error, m.code));
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`exited with code ${code}`)));
  }

  private fail(err: Error): void {
    if (this.dead) return;
    this.dead = err;
    if (this.closing) return; // asked to stop: no one is waiting
    log.error({ err: err.message, worker: this.index }, 'media worker died');
    const lost = new MediaError(`media worker ${this.index} died: ${err.message}`, WORKER_DIED);
    for (const p of this.pending.values()) p.reject(lost);
    this.pending.clear();
    this.emit('died', lost);
  }

  request<R extends MediaRequest>(req: R): Promise<MediaResults[R['op']]> {
    if (this.dead) return Promise.reject(new InvalidStateError(`media worker ${this.index} is gone: ${this.dead.message}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      const msg: ToWorker = { id, req };
      this.worker.postMessage(msg);
    });
  }

  /**
   * Stops the thread at once, as a crash would (for tests and operations:
   * a wedged worker). Resolves once `died` has been emitted.
   */
  async terminate(): Promise<void> {
    if (this.dead) return;
    await this.worker.terminate();
  }

  async close(): Promise<void> {
    if (this.dead) return;
    this.closing = true;
    const exited = new Promise<void>((r) => this.worker.once('exit', () => r()));
    this.worker.postMessage({ shutdown: true });
    const timer = setTimeout(() => { void this.worker.terminate(); }, 3000);
    await exited;
    clearTimeout(timer);
  }
}

export class InProcessChannel extends MediaChannel {
  private readonly host: MediaHost;
  constructor(io: UdpIoKind = 'auto') {
    super();
    this.host = new MediaHost((ev) => queueMicrotask(() => this.emit('event', ev)), { io: createUdpIo(io) });
  }
  request<R extends MediaRequest>(req: R): Promise<MediaResults[R['op']]> { return this.host.handle(req); }
  async close(): Promise<void> { await this.host.closeAll(); }
}
