// SIP over UDP and TCP (RFC 3261 §18) on one configured address and port, with
// rport (RFC 3581), and over TLS (§26.2) on a port of its own when configured:
// TLS connections are framed and reused like TCP ones. Malformed input never escapes: a bad request whose method
// and top Via could be read gets 400 Bad Request (echoing what could be read,
// ../message/bad-request.ts), an ACK or a malformed response is dropped and logged.
import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../../../common/log.ts';
import { TypedEmitter } from '../../../common/events.ts';
import { SipParseError } from '../grammar/parse-error.ts';
import type { SipMessage, SipRequest } from '../message/message.ts';
import { parseMessage } from '../message/parser.ts';
import { createResponse } from '../message/responses.ts';
import { serializeMessage } from '../message/serialize.ts';
import { StreamFramer } from './framing.ts';
import { responseDestination } from './response-destination.ts';
import { countMalformed, countSip } from './sip-metrics.ts';
import type { TlsListenerOptions } from './tls-credentials.ts';
import type { Destination, MessageSender, TransportKind } from './types.ts';

export interface TransportOptions {
  host: string;
  port: number;
  transports: TransportKind[];
  logger: Logger;
  /** Close TCP connections idle this long (ms). */
  tcpIdleMs?: number;
  /** The UDP socket's receive buffer, bytes (default 4 MiB; the kernel caps it at net.core.rmem_max). */
  udpRecvBufferBytes?: number;
  /** SIP over TLS on its own port (tls-credentials.ts); off when absent. */
  tls?: TlsListenerOptions;
}

/** A TLS handshake that has not finished in this long is dropped (a stalled or hostile client). */
const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The kernel's default UDP receive buffer (212 992 bytes) holds only about a
 * hundred small datagrams (each costs its skb's truesize, ~2 KiB): at the top
 * of the hour (a thousand callers' INVITEs, ACKs and INFO keys) one busy
 * moment of the main thread overflowed it and dropped 2,600 requests in a
 * 600-caller burst; each dropped INFO came back only with the caller's
 * retransmission 0.5–4 s later, and the IVR took the gap for the end of the
 * room number (BENCHMARKS.md, the top of the hour).
 */
const UDP_RECV_BUFFER = 4 * 1024 * 1024;

type TransportEvents = {
  message: [msg: SipMessage, source: Destination];
};

const MAX_UDP = 65_535;

export class SipTransport extends TypedEmitter<TransportEvents> implements MessageSender {
  private udp: dgram.Socket | undefined;
  private tcpServer: net.Server | undefined;
  private tlsServer: tls.Server | undefined;
  private readonly connections = new Map<string, net.Socket>();
  private closed = false;
  readonly stats = { received: 0, sent: 0, malformed: 0, badRequestsAnswered: 0 };

  constructor(private readonly opts: TransportOptions) { super(); }

  get host(): string { return this.opts.host; }
  get port(): number { return this.opts.port; }
  /** The TLS listener's port; undefined when TLS is off. */
  get tlsPort(): number | undefined { return this.opts.tls?.port; }

  /** Every configured transport is bound and the transport is not closed (readiness). */
  get listening(): boolean {
    if (this.closed) return false;
    const t = this.opts.transports;
    return (!t.includes('udp') || this.udp !== undefined) && (!t.includes('tcp') || this.tcpServer?.listening === true)
      && (!this.opts.tls || this.tlsServer?.listening === true);
  }

  async listen(): Promise<void> {
    const { host, port, transports } = this.opts;
    if (transports.includes('udp')) {
      const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
      udp.on('message', (buf, rinfo) => this.onDatagram(buf, rinfo));
      udp.on('error', (err) => this.opts.logger.error({ err }, 'udp socket error'));
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(port, host, () => { udp.off('error', reject); resolve(); });
      });
      try {
        udp.setRecvBufferSize(this.opts.udpRecvBufferBytes ?? UDP_RECV_BUFFER);
      } catch (err) {
        this.opts.logger.warn({ err }, 'could not raise the SIP UDP receive buffer');
      }
      // Linux reports twice what it grants (the other half is its bookkeeping).
      this.opts.logger.debug({ bytes: udp.getRecvBufferSize() }, 'SIP UDP receive buffer');
      this.udp = udp;
    }
    if (transports.includes('tcp')) {
      const server = net.createServer((sock) => this.adoptConnection(sock, 'tcp'));
      server.on('error', (err) => this.opts.logger.error({ err }, 'tcp server error'));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => { server.off('error', reject); resolve(); });
      });
      this.tcpServer = server;
    }
    if (this.opts.tls) await this.listenTls(this.opts.tls);
  }

  private async listenTls(o: TlsListenerOptions): Promise<void> {
    const log = this.opts.logger;
    const server = tls.createServer({ cert: o.cert, key: o.key, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS }, (sock) => this.adoptConnection(sock, 'tls'));
    // A client that fails the handshake (garbage, plain SIP, an untrusted certificate): its socket is closed, nothing else.
    server.on('tlsClientError', (err, sock) => {
      log.debug({ err: err.message, from: sock.remoteAddress }, 'TLS handshake failed');
      sock.destroy();
    });
    server.on('error', (err) => log.error({ err }, 'tls server error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, this.opts.host, () => { server.off('error', reject); resolve(); });
    });
    this.tlsServer = server;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.connections.values()) s.destroy();
    this.connections.clear();
    await Promise.all([
      this.udp ? new Promise<void>((r) => this.udp!.close(() => r())) : undefined,
      this.tcpServer ? new Promise<void>((r) => this.tcpServer!.close(() => r())) : undefined,
      this.tlsServer ? new Promise<void>((r) => this.tlsServer!.close(() => r())) : undefined,
    ]);
  }

  send(msg: SipMessage, dest: Destination, onError?: (err: Error) => void): void {
    if (this.closed) { onError?.(new Error('transport closed')); return; }
    let data: Buffer;
    try {
      data = serializeMessage(msg);
    } catch (err) {
      this.opts.logger.error({ err }, 'cannot serialise message');
      onError?.(err as Error);
      return;
    }
    this.stats.sent++;
    countSip('out', msg);
    if (dest.transport === 'udp') {
      if (!this.udp) { onError?.(new Error('no UDP transport')); return; }
      this.udp.send(data, dest.port, dest.address, (err) => { if (err) { this.opts.logger.warn({ err, dest }, 'udp send failed'); onError?.(err); } });
      return;
    }
    const kind = dest.transport;
    const sock = (dest.flowId && this.connections.get(dest.flowId)) || this.connections.get(flowKey(kind, dest.address, dest.port));
    if (sock && !sock.destroyed) { sock.write(data); return; }
    if (kind === 'tls') {
      // A new TLS connection of ours (the peer's has gone): the peer's certificate is checked against the system CAs.
      if (!this.opts.tls) { onError?.(new Error('no TLS transport')); return; }
      const out = tls.connect({ host: dest.address, port: dest.port, servername: net.isIP(dest.address) ? undefined : dest.address });
      out.once('error', (err) => { this.opts.logger.warn({ err, dest }, 'tls connect failed'); onError?.(err); });
      out.once('secureConnect', () => out.write(data));
      this.adoptConnection(out, 'tls');
      return;
    }
    const out = net.connect({ host: dest.address, port: dest.port });
    out.once('error', (err) => { this.opts.logger.warn({ err, dest }, 'tcp connect failed'); onError?.(err); });
    out.once('connect', () => out.write(data));
    this.adoptConnection(out, 'tcp');
  }

  /** RFC 3261 §18.2.1 and RFC 3581 §4: note where a request really came from in its top Via. */
  private stampVia(req: SipRequest, source: Destination): void {
    const via = req.via[0];
    if (!via) return;
    if (via.params.has('rport')) {
      via.params.set('received', source.address);
      via.params.set('rport', String(source.port));
    } else if (via.host !== source.address) {
      via.params.set('received', source.address);
    }
  }

  private onDatagram(buf: Buffer, rinfo: dgram.RemoteInfo): void {
    const source: Destination = { transport: 'udp', address: rinfo.address, port: rinfo.port };
    if (buf.length === 0 || isKeepAlive(buf)) return;
    if (buf.length > MAX_UDP) return;
    this.deliver(buf, source);
  }

  private deliver(buf: Buffer, source: Destination): void {
    this.stats.received++;
    let msg: SipMessage;
    try {
      msg = parseMessage(buf);
    } catch (err) {
      this.stats.malformed++;
      countMalformed();
      if (err instanceof SipParseError) {
        const ctx = err.context;
        this.opts.logger.debug({ err: err.message, source, unreadable: ctx?.unreadable }, 'malformed SIP message');
        if (ctx && ctx.method !== 'ACK') {
          // RFC 3261 §8.2 / RFC 4475: answer what can be answered with 400.
          const req = { kind: 'request', method: ctx.method, via: ctx.via } as SipRequest;
          this.stampVia(req, source);
          const res = err.status === 400
            ? createResponse(ctx, 400, { reason: `Bad Request (${truncate(err.message)})` })
            : createResponse(ctx, err.status);
          this.stats.badRequestsAnswered++;
          this.send(res, responseDestination(req, source));
        }
      } else {
        this.opts.logger.error({ err, source }, 'parser threw an unexpected error');
      }
      return;
    }
    countSip('in', msg);
    if (msg.kind === 'request') this.stampVia(msg, source);
    try {
      this.emit('message', msg, source);
    } catch (err) {
      this.opts.logger.error({ err }, 'message handler threw');
    }
  }

  private adoptConnection(sock: net.Socket, kind: 'tcp' | 'tls'): void {
    const framer = new StreamFramer();
    let flowId: string | undefined;
    const register = () => {
      if (!sock.remoteAddress || !sock.remotePort) return;
      flowId = flowKey(kind, normaliseAddress(sock.remoteAddress), sock.remotePort);
      this.connections.set(flowId, sock);
    };
    if (sock.remoteAddress) register(); else sock.once('connect', register);
    sock.setNoDelay(true);
    sock.setTimeout(this.opts.tcpIdleMs ?? 15 * 60_000, () => sock.destroy());
    sock.on('data', (chunk) => {
      if (!flowId) register();
      let messages: Buffer[];
      try {
        messages = framer.push(chunk);
      } catch (err) {
        this.stats.malformed++;
        this.opts.logger.debug({ err: (err as Error).message, flowId }, 'bad SIP stream; closing connection');
        sock.destroy();
        return;
      }
      for (const m of messages) {
        this.deliver(m, { transport: kind, address: normaliseAddress(sock.remoteAddress ?? ''), port: sock.remotePort ?? 0, flowId });
      }
    });
    sock.on('error', (err) => this.opts.logger.debug({ err: err.message, flowId }, `${kind} connection error`));
    sock.on('close', () => { if (flowId && this.connections.get(flowId) === sock) this.connections.delete(flowId); });
  }
}

function flowKey(kind: 'tcp' | 'tls', address: string, port: number): string { return `${kind}:${address}:${port}`; }

function normaliseAddress(a: string): string { return a.startsWith('::ffff:') ? a.slice(7) : a; }

function isKeepAlive(buf: Buffer): boolean {
  for (const b of buf) if (b !== 0x0d && b !== 0x0a) return false;
  return true;
}

function truncate(s: string): string {
  const clean = s.replace(/[\r\n]/g, ' ');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}
