// RTP/RTCP port pairs from a configured range: an even port for RTP and the
// next odd port for RTCP (RFC 3550 §11). Free pairs are handed out in FIFO
// order, so a released pair is reused only after every other free pair was
// tried (late packets of an old call do not reach a new one at once). A pair
// that fails to bind (EADDRINUSE: another process holds it) goes to the back
// of the queue and the next is tried, a bounded number of times.
import dgram from 'node:dgram';
import { moduleLogger } from '../../common/log.ts';

const log = moduleLogger('rtp');

export class PortExhaustedError extends Error {
  override readonly name = 'PortExhaustedError';
}

export interface PortAllocatorOptions {
  /** First port of the range (rounded up to even). */
  min: number;
  /** Last port of the range (inclusive). */
  max: number;
  /** Address to bind, default 0.0.0.0. */
  host?: string;
  /** Bind attempts per allocation before giving up (default 16). */
  maxAttempts?: number;
}

export interface PortPair {
  rtpPort: number;
  rtcpPort: number;
  rtp: dgram.Socket;
  rtcp: dgram.Socket;
}

function bind(socket: dgram.Socket, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => { socket.off('listening', onListening); reject(err); };
    const onListening = (): void => { socket.off('error', onError); resolve(); };
    socket.once('error', onError);
    socket.once('listening', onListening);
    socket.bind({ port, address, exclusive: true });
  });
}

function closeQuietly(socket: dgram.Socket): void {
  try { socket.close(); } catch { /* already closed or never bound */ }
}

/** Binds an RTP port and the RTCP port above it; rejects (e.g. EADDRINUSE) with both sockets closed. */
export async function bindPair(rtpPort: number, host: string): Promise<PortPair> {
  const rtp = dgram.createSocket('udp4');
  const rtcp = dgram.createSocket('udp4');
  try {
    await bind(rtp, rtpPort, host);
    await bind(rtcp, rtpPort + 1, host);
    return { rtpPort, rtcpPort: rtpPort + 1, rtp, rtcp };
  } catch (err) {
    closeQuietly(rtp);
    closeQuietly(rtcp);
    throw err;
  }
}

/**
 * Port pair numbers without sockets, for a process whose sockets are bound
 * elsewhere (the media workers): the same FIFO order as PortAllocator; a pair
 * that failed to bind is handed back with `reject` and goes to the back.
 */
export class PortPool {
  private readonly free: number[] = [];
  private readonly used = new Set<number>();

  constructor(min: number, max: number) {
    const first = min + (min % 2);
    if (!(first >= 1024 && max <= 65535 && first + 1 <= max)) {
      throw new RangeError(`RTP port range ${min}–${max} holds no even/odd pair within 1024–65535`);
    }
    for (let p = first; p + 1 <= max; p += 2) this.free.push(p);
  }

  get available(): number { return this.free.length; }
  get inUse(): number { return this.used.size; }

  take(): number {
    const port = this.free.shift();
    if (port === undefined) throw new PortExhaustedError(`no free RTP port pair (${this.used.size} in use)`);
    this.used.add(port);
    return port;
  }

  release(rtpPort: number): void {
    if (!this.used.delete(rtpPort)) return;
    this.free.push(rtpPort);
  }
}

export class PortAllocator {
  readonly host: string;
  private readonly free: number[] = [];
  private readonly used = new Set<number>();
  private readonly maxAttempts: number;

  constructor(opts: PortAllocatorOptions) {
    const first = opts.min + (opts.min % 2);
    if (!(first >= 1024 && opts.max <= 65535 && first + 1 <= opts.max)) {
      throw new RangeError(`RTP port range ${opts.min}–${opts.max} holds no even/odd pair within 1024–65535`);
    }
    for (let p = first; p + 1 <= opts.max; p += 2) this.free.push(p);
    this.host = opts.host ?? '0.0.0.0';
    this.maxAttempts = opts.maxAttempts ?? 16;
  }

  get available(): number {
    return this.free.length;
  }
  get inUse(): number {
    return this.used.size;
  }

  /** Binds the next free pair; rejects with PortExhaustedError when none binds. */
  async allocate(): Promise<PortPair> {
    const attempts = Math.min(this.maxAttempts, this.free.length);
    for (let i = 0; i < attempts; i++) {
      const port = this.free.shift()!;
      const rtp = dgram.createSocket('udp4');
      const rtcp = dgram.createSocket('udp4');
      try {
        await bind(rtp, port, this.host);
        await bind(rtcp, port + 1, this.host);
        this.used.add(port);
        return { rtpPort: port, rtcpPort: port + 1, rtp, rtcp };
      } catch (err) {
        closeQuietly(rtp);
        closeQuietly(rtcp);
        this.free.push(port);
        log.warn({ port, err }, 'RTP port pair did not bind; trying the next');
      }
    }
    throw new PortExhaustedError(`no RTP port pair could be bound after ${attempts} attempts (${this.free.length} free, ${this.used.size} in use)`);
  }

  /** Returns a pair to the back of the free queue; its sockets must be closed by the caller. */
  release(rtpPort: number): void {
    if (!this.used.delete(rtpPort)) return;
    this.free.push(rtpPort);
  }
}
