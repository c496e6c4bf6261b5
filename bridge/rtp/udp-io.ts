// How RTP sessions reach the network. Two implementations of one small
// interface:
//
// - NativeUdpIo (the media workers): sockets are plain descriptors owned by
//   bridge/rtp/native/udp-batch.c. Nothing arrives by itself: the media tick
//   calls poll(), which reads every waiting datagram of the thread in one call
//   (with the kernel's arrival time), and the packets a tick sends are written
//   in one call at flush(). Per packet this costs a system call and no
//   JavaScript allocation, against ~14 µs per packet through node:dgram.
// - DgramUdpIo: node:dgram sockets, event-driven (sessions opened on their
//   own, tests, and machines where the addon is not built).
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ConfigError } from '../../common/errors.ts';
import { moduleLogger } from '../../common/log.ts';
import { bindPair } from './port-allocator.ts';

const log = moduleLogger('udp-io');

export interface RtpAddress { address: string; port: number }

/**
 * One datagram: `data` is valid only during the call (the batched I/O reuses
 * its buffer); `addr` is the IPv4 source as an unsigned 32-bit number;
 * `arrivalMs` is on the performance.now() clock, undefined when the I/O does
 * not know it better than "now".
 */
export type DatagramHandler = (data: Uint8Array, addr: number, port: number, arrivalMs: number | undefined) => void;

export interface UdpEndpoint {
  readonly port: number;
  onDatagram(handler: DatagramHandler): void;
  /** Send failures by code ('ECONNREFUSED' when ICMP said the peer's port is closed). */
  onError(handler: (code: string, err?: Error) => void): void;
  /** Sends a copy of `data[0, length)` (the caller may reuse it at once). */
  send(data: Uint8Array, to: RtpAddress, length?: number): void;
  /** Sends to `to` from now on without naming it, and drops datagrams from anyone else. */
  connect(to: RtpAddress): void;
  disconnect(): void;
  close(): Promise<void>;
}

export interface EndpointPair { rtp: UdpEndpoint; rtcp: UdpEndpoint }

export interface UdpIo {
  readonly kind: 'native' | 'dgram';
  /** Binds an RTP port and the RTCP port above it; rejects (e.g. EADDRINUSE) with both closed. */
  bindPair(rtpPort: number, host: string): Promise<EndpointPair>;
  /** Hands every waiting datagram to its endpoint (no-op where datagrams arrive as events). */
  poll(): void;
  /** Sends from here to flush() go out together. */
  beginBatch(): void;
  flush(): void;
  /** Releases what the I/O holds itself (its endpoints are closed by their owners). */
  close(): void;
}

// ------------------------------------------------------------------ addresses

/** A dotted-quad IPv4 address as an unsigned number; NaN for anything else (IPv6, names, bad parts). */
export function ipv4ToInt(address: string): number {
  let n = 0, part = 0, dots = 0, digits = 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 46) {
      if (digits === 0) return Number.NaN;
      n = n * 256 + part; part = 0; digits = 0; dots++;
      continue;
    }
    if (c < 48 || c > 57 || ++digits > 3) return Number.NaN;
    part = part * 10 + (c - 48);
    if (part > 255) return Number.NaN;
  }
  return dots === 3 && digits > 0 ? n * 256 + part : Number.NaN;
}

export function intToIpv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

// ------------------------------------------------------------------ node:dgram

class DgramEndpoint implements UdpEndpoint {
  readonly port: number;
  /** The peer the socket is connected to, once the connect completed. */
  private connected: RtpAddress | undefined;
  /** The peer asked for by connect() (undefined after disconnect()). */
  private wanted: RtpAddress | undefined;
  private connecting = false;
  private closed = false;
  private pending = 0;
  private drained: (() => void) | undefined;
  private errorHandler: (code: string, err?: Error) => void = () => undefined;

  constructor(private readonly socket: dgram.Socket) {
    this.port = socket.address().port;
    socket.on('error', (err: NodeJS.ErrnoException) => this.errorHandler(err.code ?? 'EIO', err));
  }

  onDatagram(handler: DatagramHandler): void {
    this.socket.on('message', (msg, rinfo) => handler(msg, ipv4ToInt(rinfo.address), rinfo.port, undefined));
  }

  onError(handler: (code: string, err?: Error) => void): void { this.errorHandler = handler; }

  send(data: Uint8Array, to: RtpAddress, length = data.length): void {
    if (this.closed) return;
    const c = this.connected;
    if (c && (c.port !== to.port || c.address !== to.address)) return; // connected elsewhere: dgram would throw
    // dgram may hold the buffer after send() returns: each packet gets its own (pooled) copy.
    const packet = Buffer.allocUnsafe(length);
    packet.set(length === data.length ? data : data.subarray(0, length));
    this.pending++;
    const done = (): void => { if (--this.pending === 0) this.drained?.(); };
    if (c) this.socket.send(packet, done);
    else this.socket.send(packet, to.port, to.address, done);
  }

  connect(to: RtpAddress): void {
    if (this.closed) return;
    this.wanted = to;
    if (this.connected || this.connecting) return;
    this.connecting = true;
    this.socket.connect(to.port, to.address, () => {
      this.connecting = false;
      if (!this.closed && this.wanted === to) this.connected = to;
      else if (!this.closed) { try { this.socket.disconnect(); } catch { /* not connected */ } }
    });
  }

  disconnect(): void {
    this.wanted = undefined;
    if (!this.connected) return; // a connect in progress is undone when it completes
    this.connected = undefined;
    try { this.socket.disconnect(); } catch { /* not connected */ }
  }

  /** Closes once the packets handed to the socket have left (at most 1 s). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.pending > 0) {
      await new Promise<void>((r) => {
        const t = setTimeout(r, 1000);
        this.drained = () => { clearTimeout(t); r(); };
      });
    }
    await new Promise<void>((r) => this.socket.close(() => r()));
  }
}

export function dgramEndpoints(pair: { rtp: dgram.Socket; rtcp: dgram.Socket }): EndpointPair {
  return { rtp: new DgramEndpoint(pair.rtp), rtcp: new DgramEndpoint(pair.rtcp) };
}

export class DgramUdpIo implements UdpIo {
  readonly kind = 'dgram';
  async bindPair(rtpPort: number, host: string): Promise<EndpointPair> {
    return dgramEndpoints(await bindPair(rtpPort, host));
  }
  poll(): void { /* datagrams arrive as events */ }
  beginBatch(): void { /* each send goes at once */ }
  flush(): void { /* nothing held */ }
  close(): void { /* nothing held */ }
}

// ------------------------------------------------------------------ native

interface UdpBatchAddon {
  open(host: string, port: number): number;
  close(fd: number): void;
  localPort(fd: number): number;
  connect(fd: number, addr: number, port: number): void;
  disconnect(fd: number): void;
  epoll(): number;
  watch(epfd: number, fd: number, token: number): void;
  unwatch(epfd: number, fd: number): void;
  poll(epfd: number, buf: Uint8Array, meta: Int32Array): number;
  send(buf: Uint8Array, meta: Int32Array, count: number): number;
  SLOT: number;
  POLL_FIELDS: number;
  SEND_FIELDS: number;
}

/** Where `make` builds the addon, from the project's root. */
export const ADDON_PATH = join(import.meta.dirname, '..', '..', 'build', 'udp-batch.node');

let addon: UdpBatchAddon | null | undefined;

/** The addon, or null when it is not built (then the dgram I/O serves). */
export function loadUdpBatch(): UdpBatchAddon | null {
  if (addon !== undefined) return addon;
  try {
    addon = existsSync(ADDON_PATH) ? (createRequire(import.meta.url)(ADDON_PATH) as UdpBatchAddon) : null;
  } catch (err) {
    log.warn({ err, path: ADDON_PATH }, 'the batched UDP addon did not load; using node:dgram');
    addon = null;
  }
  return addon;
}

const ERRNO: Record<number, string> = { 11: 'EAGAIN', 105: 'ENOBUFS', 111: 'ECONNREFUSED', 101: 'ENETUNREACH', 113: 'EHOSTUNREACH', 22: 'EINVAL', 9: 'EBADF' };

/** Datagrams read per poll call (the poll loops while full, a bounded number of times). */
const POLL_SLOTS = 1024;
const MAX_POLL_ROUNDS = 16;
const SEND_BYTES = 1 << 20;
const SEND_PACKETS = 8192;
const MAX_DATAGRAM = 65_507;

class NativeEndpoint implements UdpEndpoint {
  readonly port: number;
  handler: DatagramHandler = () => undefined;
  errorHandler: (code: string, err?: Error) => void = () => undefined;
  /** The connected peer as address·65536 + port; -1 when not connected. */
  peerKey = -1;
  closed = false;
  /** The last destination and its address as a number (sessions send to the same object each time). */
  private lastTo: RtpAddress | undefined;
  private lastAddr = Number.NaN;

  constructor(private readonly io: NativeUdpIo, readonly fd: number, readonly token: number) {
    this.port = io.addon.localPort(fd);
  }

  onDatagram(handler: DatagramHandler): void { this.handler = handler; }
  onError(handler: (code: string, err?: Error) => void): void { this.errorHandler = handler; }

  send(data: Uint8Array, to: RtpAddress, length = data.length): void {
    if (this.closed) return;
    if (to !== this.lastTo) { this.lastTo = to; this.lastAddr = ipv4ToInt(to.address); }
    const addr = this.lastAddr;
    if (Number.isNaN(addr)) { this.errorHandler('EAFNOSUPPORT'); return; }
    const connected = this.peerKey === addr * 65536 + to.port;
    this.io.queue(this, data, length, addr, connected ? 0 : to.port);
  }

  connect(to: RtpAddress): void {
    if (this.closed || this.peerKey >= 0) return;
    const addr = ipv4ToInt(to.address);
    if (Number.isNaN(addr)) return;
    try {
      this.io.addon.connect(this.fd, addr, to.port);
      this.peerKey = addr * 65536 + to.port;
    } catch (err) {
      this.errorHandler((err as NodeJS.ErrnoException).code ?? 'EIO', err as Error);
    }
  }

  disconnect(): void {
    if (this.peerKey < 0 || this.closed) return;
    this.peerKey = -1;
    this.io.addon.disconnect(this.fd);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.io.release(this);
    }
    return Promise.resolve();
  }
}

export type UdpIoKind = 'auto' | 'native' | 'dgram';

/** Throws a ConfigError when `kind` is 'native' and the addon is not built. */
export function checkUdpIo(kind: UdpIoKind): void {
  if (kind === 'native' && !loadUdpBatch()) throw new ConfigError(`rtp.io is 'native' but ${ADDON_PATH} is not built (run make addon)`);
}

/** 'auto': the batched I/O when the addon is built, else node:dgram; 'native' without the addon is a ConfigError. */
export function createUdpIo(kind: UdpIoKind = 'auto'): UdpIo {
  if (kind === 'dgram') return new DgramUdpIo();
  checkUdpIo(kind);
  const a = loadUdpBatch();
  if (a) return new NativeUdpIo(a);
  log.warn({ path: ADDON_PATH }, 'batched UDP addon not built: RTP goes through node:dgram (run make addon)');
  return new DgramUdpIo();
}

export class NativeUdpIo implements UdpIo {
  readonly kind = 'native';
  private readonly epfd: number;
  private readonly endpoints: Array<NativeEndpoint | undefined> = [];
  private readonly freeTokens: number[] = [];
  private readonly rx: Uint8Array;
  private readonly rxMeta: Int32Array;
  private readonly tx = new Uint8Array(SEND_BYTES);
  private readonly txMeta: Int32Array;
  private readonly txOwners: NativeEndpoint[] = [];
  private txCount = 0;
  private txBytes = 0;
  private batching = false;
  /** Datagrams received / sent and sends that failed, since start. */
  readonly counts = { received: 0, sent: 0, sendFailures: 0, truncated: 0 };

  constructor(readonly addon: UdpBatchAddon) {
    this.epfd = addon.epoll();
    this.rx = new Uint8Array(POLL_SLOTS * addon.SLOT);
    this.rxMeta = new Int32Array(POLL_SLOTS * addon.POLL_FIELDS);
    this.txMeta = new Int32Array(SEND_PACKETS * addon.SEND_FIELDS);
  }


  async bindPair(rtpPort: number, host: string): Promise<EndpointPair> {
    const rtpFd = this.addon.open(host, rtpPort);
    let rtcpFd: number;
    try {
      rtcpFd = this.addon.open(host, rtpPort === 0 ? 0 : rtpPort + 1);
    } catch (err) {
      this.addon.close(rtpFd);
      throw err;
    }
    return { rtp: this.adopt(rtpFd), rtcp: this.adopt(rtcpFd) };
  }

  private adopt(fd: number): NativeEndpoint {
    const token = this.freeTokens.pop() ?? this.endpoints.length;
    const ep = new NativeEndpoint(this, fd, token);
    this.endpoints[token] = ep;
    this.addon.watch(this.epfd, fd, token);
    return ep;
  }

  release(ep: NativeEndpoint): void {
    // Packets it queued in an open batch leave first: its descriptor number may be reused at once.
    if (this.txCount > 0) this.flushNow();
    this.addon.unwatch(this.epfd, ep.fd);
    this.addon.close(ep.fd);
    this.endpoints[ep.token] = undefined;
    this.freeTokens.push(ep.token);
  }

  poll(): void {
    const { rx, rxMeta } = this;
    const F = this.addon.POLL_FIELDS;
    for (let round = 0; round < MAX_POLL_ROUNDS; round++) {
      const n = this.addon.poll(this.epfd, rx, rxMeta);
      const now = performance.now();
      for (let i = 0; i < n; i++) {
        const m = i * F;
        const ep = this.endpoints[rxMeta[m]!];
        const length = rxMeta[m + 2]!;
        if (!ep || ep.closed) continue;
        if (length === -2) { ep.errorHandler(ERRNO[rxMeta[m + 5]!] ?? `errno ${rxMeta[m + 5]}`); continue; }
        if (length < 0) { this.counts.truncated++; continue; }
        const offset = rxMeta[m + 1]!;
        this.counts.received++;
        try {
          ep.handler(rx.subarray(offset, offset + length), rxMeta[m + 3]! >>> 0, rxMeta[m + 4]!, now - rxMeta[m + 5]! / 1000);
        } catch (err) {
          log.error({ err, port: ep.port }, 'datagram handler failed'); // one packet never stops the others
        }
      }
      if (n < POLL_SLOTS) return;
    }
  }

  queue(ep: NativeEndpoint, data: Uint8Array, length: number, addr: number, port: number): void {
    if (length > MAX_DATAGRAM) { ep.errorHandler('EMSGSIZE'); return; }
    if (this.txCount === SEND_PACKETS || this.txBytes + length > SEND_BYTES) this.flushNow();
    const F = this.addon.SEND_FIELDS;
    const m = this.txCount * F;
    const meta = this.txMeta;
    meta[m] = ep.fd;
    meta[m + 1] = this.txBytes;
    meta[m + 2] = length;
    meta[m + 3] = addr | 0;
    meta[m + 4] = port;
    this.tx.set(length === data.length ? data : data.subarray(0, length), this.txBytes);
    this.txOwners[this.txCount] = ep;
    this.txCount++;
    this.txBytes += (length + 7) & ~7;
    if (!this.batching) this.flushNow();
  }

  beginBatch(): void { this.batching = true; }

  close(): void {
    this.flush();
    this.addon.close(this.epfd);
  }

  flush(): void {
    this.batching = false;
    this.flushNow();
  }

  private flushNow(): void {
    const count = this.txCount;
    if (count === 0) return;
    this.txCount = 0;
    this.txBytes = 0;
    const failures = this.addon.send(this.tx, this.txMeta, count);
    this.counts.sent += count - failures;
    if (failures === 0) return;
    this.counts.sendFailures += failures;
    const F = this.addon.SEND_FIELDS;
    for (let i = 0; i < count; i++) {
      const errno = this.txMeta[i * F + 5]!;
      if (errno !== 0) this.txOwners[i]!.errorHandler(ERRNO[errno] ?? `errno ${errno}`);
    }
  }
}
