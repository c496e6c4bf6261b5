// The user agent core (RFC 3261 §8, §12–15): takes messages from the
// transport through the transaction layer, answers what needs no application
// (OPTIONS, 405/481/501, CANCEL, in-dialog requests), hands new INVITEs to
// the application as ServerInviteSessions and places outgoing calls.
import dns from 'node:dns/promises';
import net from 'node:net';
import type { Logger } from '../../common/log.ts';
import { TypedEmitter } from '../../common/events.ts';
import { ClientInviteSession } from './dialog/client-invite-session.ts';
import { type Dialog, dialogKey } from './dialog/dialog.ts';
import type { InviteSession, SessionHost } from './dialog/invite-session.ts';
import { ServerInviteSession } from './dialog/server-invite-session.ts';
import { MIN_SE, requestedSessionExpires } from './dialog/session-timer.ts';
import type { NameAddr, SipUri } from './grammar/types.ts';
import { getHeaderValues } from './message/headers.ts';
import { newBranch, newCallId, newTag } from './message/identifiers.ts';
import type { HeaderField, SipMessage, SipRequest, SipResponse } from './message/message.ts';
import { createResponse } from './message/responses.ts';
import { backgroundClock, type Clock } from '../../common/clock.ts';
import type { InviteServerTransaction } from './transaction/invite-server-transaction.ts';
import type { NonInviteServerTransaction } from './transaction/non-invite-server-transaction.ts';
import { DEFAULT_TIMERS, type TimerValues } from './transaction/timers.ts';
import {
  TransactionLayer, serverTransactionKey,
  type ServerTransaction, type TransactionLayerUser,
} from './transaction/transaction-layer.ts';
import type { RequestLimiter } from './request-limiter.ts';
import { responseDestination } from './transport/response-destination.ts';
import type { Destination, MessageSender, TransportKind } from './transport/types.ts';

export const ALLOWED_METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'INFO', 'UPDATE'] as const;
/** Methods we know but do not serve: 405 with Allow (RFC 3261 §8.2.1). Anything else unknown: 501. */
const KNOWN_NOT_ALLOWED = new Set(['REGISTER', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'MESSAGE', 'REFER', 'PRACK']);
/** Methods that only make sense inside a dialog: 481 outside one. */
const DIALOG_ONLY = new Set(['BYE', 'INFO', 'UPDATE']);
/** Option tags we support (RFC 3261 §8.2.2.3, Require → 420). */
const SUPPORTED: string[] = ['timer'];
const ACCEPT = 'application/sdp, application/dtmf-relay, application/dtmf';

export interface MessageSource extends MessageSender {
  on(event: 'message', fn: (msg: SipMessage, source: Destination) => void): unknown;
}

export interface UserAgentOptions {
  transport: MessageSource;
  logger: Logger;
  /** Host and port written into Via and Contact. */
  host: string;
  port: number;
  /** Our TLS port (Via and Contact of what goes over TLS); TLS is off when absent. */
  tlsPort?: number;
  userAgent?: string;
  /** The user part of our Contact. */
  contactUser?: string;
  clock?: Clock;
  timers?: TimerValues;
  /** Resolves host names (tests may stub it); defaults to dns.lookup. */
  resolveHost?: (host: string) => Promise<string>;
  /** Per-source limits on new requests (./request-limiter.ts); none when absent. */
  limiter?: RequestLimiter;
}

type UserAgentEvents = {
  /** A new call. Answer, reject or let it ring; it is refused with 480 when nobody listens. */
  invite: [session: ServerInviteSession];
};

export interface InviteOptions {
  target: SipUri;
  /** From identity (user part and optional display name). */
  from: { user: string; displayName?: string };
  sdp: string;
  headers?: HeaderField[];
  /** Digest credentials for a 401/407 (RFC 3261 §22.2). */
  auth?: { username: string; password: string };
}

export class SipUserAgent extends TypedEmitter<UserAgentEvents> implements SessionHost, TransactionLayerUser {
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly logger: Logger;
  readonly allowHeader = ALLOWED_METHODS.join(', ');
  readonly layer: TransactionLayer;
  private readonly dialogs = new Map<string, InviteSession>();
  /** Incoming INVITEs without a final response, by server transaction key (for CANCEL). */
  private readonly pendingServer = new Map<string, ServerInviteSession>();
  /** Our INVITEs, by Call-ID (2xx retransmissions after the transaction is gone). */
  private readonly clientSessions = new Map<string, ClientInviteSession>();
  private readonly userAgentHeader: HeaderField[];
  /** Set by refuseNewSessions(): OPTIONS is answered 503 with this Retry-After. */
  private unavailableRetryAfterS: number | undefined;

  constructor(private readonly opts: UserAgentOptions) {
    super();
    this.clock = opts.clock ?? backgroundClock;
    this.timers = opts.timers ?? DEFAULT_TIMERS;
    this.logger = opts.logger;
    this.layer = new TransactionLayer({ clock: this.clock, timers: this.timers, sender: opts.transport }, this);
    this.userAgentHeader = opts.userAgent ? [{ name: 'User-Agent', value: opts.userAgent }] : [];
    opts.transport.on('message', (msg, source) => this.receive(msg, source));
  }

  get sessionCount(): number { return this.dialogs.size + this.pendingServer.size; }

  /**
   * This node takes no new sessions (draining, app/drain.ts): from now on an
   * OPTIONS is answered 503 with Retry-After, so a dispatcher that health-checks
   * the nodes by OPTIONS (deploy/kamailio) sends its new calls elsewhere.
   * The INVITEs themselves are refused by the engine (EmbeddedEngine.onInvite).
   */
  refuseNewSessions(retryAfterS: number): void { this.unavailableRetryAfterS = retryAfterS; }

  receive(msg: SipMessage, source: Destination): void {
    if (msg.kind === 'request') {
      const limiter = this.opts.limiter;
      if (limiter && this.startsSomething(msg) && !limiter.admit(source.address, msg.method)) {
        // Over the source's limit: a new INVITE gets a stateless 503 (no transaction, no session), the rest nothing.
        if (msg.method === 'INVITE') {
          const retryAfter = { name: 'Retry-After', value: String(limiter.settings.retryAfterS) };
          this.opts.transport.send(createResponse(msg, 503, { headers: [retryAfter] }), responseDestination(msg, source));
        }
        return;
      }
      this.layer.receiveRequest(msg, source, responseDestination(msg, source));
    } else {
      this.layer.receiveResponse(msg);
    }
  }

  /**
   * Whether a request would start something and so counts against its
   * source's limit: not an ACK, not a retransmission (its server transaction
   * exists), not a CANCEL of a pending INVITE, not a request in a running dialog.
   */
  private startsSomething(req: SipRequest): boolean {
    if (req.method === 'ACK') return false;
    if (this.layer.hasServer(serverTransactionKey(req))) return false;
    if (req.method === 'CANCEL') return !this.layer.hasServer(serverTransactionKey(req, 'INVITE'));
    const toTag = req.to.params.get('tag');
    return !(toTag && this.dialogs.has(dialogKey(req.callId, toTag, req.from.params.get('tag') ?? '')));
  }

  // ---- SessionHost ----

  via(transport: TransportKind): { transport: string; host: string; port: number } {
    return { transport: transport.toUpperCase(), host: this.opts.host, port: this.portFor(transport) };
  }

  /** The port we listen on for `transport`: TLS has its own (RFC 3261 §26.2, 5061 in production). */
  private portFor(transport: TransportKind): number {
    return transport === 'tls' ? this.opts.tlsPort ?? this.opts.port : this.opts.port;
  }

  contactFor(transport: TransportKind): NameAddr {
    const params = new Map<string, string | null>();
    if (transport !== 'udp') params.set('transport', transport);
    return {
      uri: { scheme: 'sip', user: this.opts.contactUser ?? 'bridge', host: this.opts.host, port: this.portFor(transport), params, headers: new Map() },
      params: new Map(),
    };
  }

  registerDialog(dialog: Dialog, session: InviteSession): void { this.dialogs.set(dialog.key, session); }
  unregisterDialog(dialog: Dialog): void { this.dialogs.delete(dialog.key); }

  async sendInDialog(dialog: Dialog, req: SipRequest): Promise<SipResponse> {
    let dest: Destination;
    try {
      dest = await this.dialogDestination(dialog);
    } catch (err) {
      return this.synthetic(req, 503, `cannot resolve: ${(err as Error).message}`);
    }
    this.stampVia(req, dest.transport);
    return new Promise((resolve) => {
      this.layer.sendRequest(req, dest, {
        onResponse: (res) => { if (res.status >= 200) resolve(res); },
        onTimeout: () => resolve(this.synthetic(req, 408)),
        onTransportError: (err) => resolve(this.synthetic(req, 503, err.message)),
      });
    });
  }

  sendAck(dialog: Dialog, ack: SipRequest): void {
    this.dialogDestination(dialog).then((dest) => {
      this.stampVia(ack, dest.transport);
      this.opts.transport.send(ack, dest);
    }, (err: Error) => this.logger.warn({ err: err.message }, 'cannot send ACK'));
  }

  // ---- outgoing calls ----

  /** Places a call: sends the INVITE and returns its session (events tell the outcome). */
  async invite(o: InviteOptions): Promise<ClientInviteSession> {
    const dest = await this.resolve(o.target);
    const callId = newCallId(this.opts.host);
    const fromUri: SipUri = { scheme: 'sip', user: o.from.user, host: this.opts.host, port: this.opts.port, params: new Map(), headers: new Map() };
    const req: SipRequest = {
      kind: 'request',
      method: 'INVITE',
      uri: o.target,
      via: [{ ...this.via(dest.transport), params: new Map<string, string | null>([['branch', newBranch()], ['rport', null]]) }],
      from: { displayName: o.from.displayName, uri: fromUri, params: new Map([['tag', newTag()]]) },
      to: { uri: o.target, params: new Map() },
      callId,
      cseq: { seq: 1 + Math.floor(Math.random() * 10_000), method: 'INVITE' },
      contact: [this.contactFor(dest.transport)],
      maxForwards: 70,
      headers: [
        { name: 'Allow', value: this.allowHeader },
        ...this.userAgentHeader,
        { name: 'Content-Type', value: 'application/sdp' },
        ...(o.headers ?? []),
      ],
      body: Buffer.from(o.sdp),
    };
    const log = this.logger.child({ callId, direction: 'out' });
    const send = (invite: SipRequest): void => {
      this.layer.sendRequest(invite, dest, {
        onResponse: (res) => session.onResponse(res),
        onTimeout: () => session.onFailure(408, 'Request Timeout'),
        onTransportError: (err) => session.onFailure(503, err.message),
      });
    };
    const session = new ClientInviteSession(this, req, dest, (cancel) => {
      this.layer.sendRequest(cancel, dest, { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined });
      // §9.1: no final response to the INVITE within 64*T1 of the CANCEL → give up on it.
      this.clock.setTimer(64 * this.timers.T1, () => session.onFailure(408, 'no response after CANCEL'));
    }, log, o.auth ? { credentials: o.auth, resend: send } : undefined);
    this.clientSessions.set(callId, session);
    session.on('terminated', () => {
      // Keep the session reachable for retransmitted 2xx for a while (§13.2.2.4).
      this.clock.setTimer(64 * this.timers.T1, () => { if (this.clientSessions.get(callId) === session) this.clientSessions.delete(callId); });
    });
    send(req);
    return session;
  }

  // ---- TransactionLayerUser ----

  onRequest(req: SipRequest, txn: ServerTransaction, source: Destination): void {
    try {
      this.dispatch(req, txn, source);
    } catch (err) {
      this.logger.error({ err, method: req.method }, 'request handler failed');
      txn.respond(createResponse(req, 500));
    }
  }

  private dispatch(req: SipRequest, txn: ServerTransaction, source: Destination): void {
    // RFC 3261 §16.3/§8.2: Max-Forwards 0 (OPTIONS may be answered).
    if (req.maxForwards === 0 && req.method !== 'OPTIONS') { txn.respond(createResponse(req, 483)); return; }
    const toTag = req.to.params.get('tag');
    if (toTag !== undefined && toTag !== null) {
      const session = this.dialogs.get(dialogKey(req.callId, toTag, req.from.params.get('tag') ?? ''));
      if (session) { session.handleRequest(req, txn); return; }
      txn.respond(createResponse(req, 481));
      return;
    }
    // §8.2.2.3: Require with an option tag we do not support.
    const unsupported = getHeaderValues(req, 'Require').filter((t) => !SUPPORTED.includes(t.toLowerCase()));
    if (unsupported.length > 0 && req.method !== 'CANCEL') {
      txn.respond(createResponse(req, 420, { headers: [{ name: 'Unsupported', value: unsupported.join(', ') }] }));
      return;
    }
    switch (req.method) {
      case 'INVITE':
        this.onInvite(req, txn as InviteServerTransaction, source);
        return;
      case 'OPTIONS':
        if (this.unavailableRetryAfterS !== undefined) {
          // RFC 3261 §21.5.4: unavailable for a while; the Allow list still says what we would serve.
          txn.respond(createResponse(req, 503, { headers: [{ name: 'Retry-After', value: String(this.unavailableRetryAfterS) }, { name: 'Allow', value: this.allowHeader }] }));
          return;
        }
        txn.respond(createResponse(req, 200, {
          contact: [this.contactFor(source.transport)],
          headers: [
            { name: 'Allow', value: this.allowHeader },
            { name: 'Accept', value: ACCEPT },
            { name: 'Accept-Encoding', value: 'identity' },
            { name: 'Accept-Language', value: 'zh-CN, en' },
            { name: 'Supported', value: SUPPORTED.join(', ') },
            ...this.userAgentHeader,
          ],
        }));
        return;
      default:
        if (DIALOG_ONLY.has(req.method)) txn.respond(createResponse(req, 481));
        else if (KNOWN_NOT_ALLOWED.has(req.method)) txn.respond(createResponse(req, 405, { headers: [{ name: 'Allow', value: this.allowHeader }] }));
        else txn.respond(createResponse(req, 501));
    }
  }

  private onInvite(req: SipRequest, txn: InviteServerTransaction, source: Destination): void {
    if (req.body.length > 0 && req.contentType !== 'application/sdp') {
      txn.respond(createResponse(req, 415, { headers: [{ name: 'Accept', value: 'application/sdp' }] }));
      return;
    }
    // RFC 4028 §8.1: an interval below our minimum is refused with 422 and Min-SE.
    const se = requestedSessionExpires(req);
    if (se && se.interval < MIN_SE) {
      txn.respond(createResponse(req, 422, { headers: [{ name: 'Min-SE', value: String(MIN_SE) }] }));
      return;
    }
    // RFC 3261 §17.2.1: 100 Trying at once, so the caller stops retransmitting.
    txn.respond(createResponse(req, 100));
    const log = this.logger.child({ callId: req.callId, direction: 'in' });
    const session = new ServerInviteSession(this, req, txn, source, log);
    const key = txn.key;
    this.pendingServer.set(key, session);
    const forget = () => { if (this.pendingServer.get(key) === session) this.pendingServer.delete(key); };
    session.on('terminated', forget);
    txn.onTerminated(forget);
    if (this.listenerCount('invite') === 0) { session.reject(480); return; }
    this.emit('invite', session);
  }

  onAck(ack: SipRequest): void {
    const session = this.dialogs.get(dialogKey(ack.callId, ack.to.params.get('tag') ?? '', ack.from.params.get('tag') ?? ''));
    session?.handleAck(ack);
  }

  onCancel(cancel: SipRequest, txn: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void {
    if (!invite) { txn.respond(createResponse(cancel, 481)); return; }
    // §9.2: 200 to the CANCEL, then 487 to the INVITE if it has no final response yet.
    txn.respond(createResponse(cancel, 200));
    this.pendingServer.get(serverTransactionKey(invite.request))?.handleCancel(cancel);
  }

  onStrayResponse(res: SipResponse): void {
    if (res.cseq.method === 'INVITE' && res.status >= 200 && res.status < 300) {
      this.clientSessions.get(res.callId)?.onResponse(res);
    }
  }

  // ---- helpers ----

  private stampVia(req: SipRequest, transport: TransportKind): void {
    const via = req.via[0];
    if (!via) return;
    via.transport = transport.toUpperCase();
    via.port = this.portFor(transport);
  }

  private synthetic(req: SipRequest, status: number, reason?: string): SipResponse {
    return createResponse(req, status, { reason });
  }

  private async dialogDestination(dialog: Dialog): Promise<Destination> {
    const flow = dialog.flow;
    const dest = await this.resolve(dialog.nextHopUri(), flow?.transport);
    if (flow && flow.transport !== 'udp') return { ...dest, transport: flow.transport, flowId: flow.flowId };
    return dest;
  }

  /**
   * RFC 3263, simplified: transport from the URI's transport parameter (a
   * sips: URI is TLS), address by A-record lookup, port 5060 by default (5061 for TLS).
   */
  async resolve(uri: SipUri, defaultTransport: TransportKind = 'udp'): Promise<Destination> {
    const tp = uri.params.get('transport')?.toLowerCase();
    const transport: TransportKind = uri.scheme === 'sips' || tp === 'tls' ? 'tls' : tp === 'tcp' ? 'tcp' : tp === 'udp' ? 'udp' : defaultTransport;
    let host = uri.params.get('maddr') ?? uri.host;
    if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
    const address = net.isIP(host) ? host : await (this.opts.resolveHost ?? defaultResolve)(host);
    return { transport, address, port: uri.port ?? (transport === 'tls' ? 5061 : 5060) };
  }

  close(): void { this.layer.close(); }
}

async function defaultResolve(host: string): Promise<string> {
  return (await dns.lookup(host, { family: 4 })).address;
}
