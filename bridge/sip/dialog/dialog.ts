// RFC 3261 §12: a dialog — the peer-to-peer relationship an INVITE sets up —
// with its identifiers, sequence numbers, remote target and route set, and
// the construction of requests inside it (§12.2.1.1).
import { formatNameAddr } from '../grammar/name-addr.ts';
import type { NameAddr, Params, SipUri } from '../grammar/types.ts';
import { parseRouteSet } from '../message/headers.ts';
import { newBranch } from '../message/identifiers.ts';
import type { HeaderField, SipRequest, SipResponse } from '../message/message.ts';
import type { Destination } from '../transport/types.ts';

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** Our From (UAC) or To (UAS) without the tag. */
  localUri: NameAddr;
  remoteUri: NameAddr;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: SipUri;
  /** In the order requests traverse them (already reversed for the UAC, §12.1.2). */
  routeSet: NameAddr[];
  /** Our Contact. */
  localContact: NameAddr;
  /** The connection the dialog was set up over; TCP requests reuse it while it lives. */
  flow?: Destination;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  localSeq: number;
  remoteSeq: number | undefined;
  remoteTarget: SipUri;
  readonly routeSet: NameAddr[];
  readonly localContact: NameAddr;
  readonly flow: Destination | undefined;

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.localSeq = init.localSeq;
    this.remoteSeq = init.remoteSeq;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localContact = init.localContact;
    this.flow = init.flow;
  }

  /**
   * RFC 3261 §12.1.1: the dialog we set up as the UAS by answering `req`
   * with a 2xx that carries `localTag`. Over TCP or TLS it keeps the caller's
   * connection (`source`).
   */
  static asUas(req: SipRequest, localTag: string, localContact: NameAddr, source: Destination): Dialog {
    return new Dialog({
      callId: req.callId,
      localTag,
      remoteTag: req.from.params.get('tag') ?? '',
      localUri: { ...req.to, params: withoutTag(req.to.params) },
      remoteUri: { ...req.from, params: withoutTag(req.from.params) },
      localSeq: Math.floor(Math.random() * 10_000),
      remoteSeq: req.cseq.seq,
      remoteTarget: req.contact[0]?.uri ?? req.from.uri,
      // §12.1.1: the UAS keeps the Record-Route order.
      routeSet: parseRouteSet(recordRoutes(req)),
      localContact,
      flow: source.transport !== 'udp' ? source : undefined,
    });
  }

  /** RFC 3261 §12.1.2: the dialog a 2xx to our INVITE `req` sets up (we are the UAC). */
  static asUac(req: SipRequest, res: SipResponse, localContact: NameAddr, destination: Destination): Dialog {
    return new Dialog({
      callId: req.callId,
      localTag: req.from.params.get('tag') ?? '',
      remoteTag: res.to.params.get('tag') ?? '',
      localUri: { ...req.from, params: withoutTag(req.from.params) },
      remoteUri: { ...req.to, params: withoutTag(req.to.params) },
      localSeq: req.cseq.seq,
      remoteSeq: undefined,
      remoteTarget: res.contact[0]?.uri ?? req.uri,
      // §12.1.2: the UAC reverses the Record-Route order.
      routeSet: parseRouteSet(recordRoutes(res)).reverse(),
      localContact,
      flow: destination.transport !== 'udp' ? destination : undefined,
    });
  }

  get key(): string { return dialogKey(this.callId, this.localTag, this.remoteTag); }

  /**
   * RFC 3261 §12.2.2: a request whose CSeq is lower than the last one seen is
   * out of order (answered 500). Returns false for such a request.
   */
  acceptRemoteSeq(req: SipRequest): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL') return true;
    if (this.remoteSeq !== undefined && req.cseq.seq <= this.remoteSeq) return false;
    this.remoteSeq = req.cseq.seq;
    return true;
  }

  /**
   * RFC 3261 §12.2.1.1: a request within the dialog. ACK reuses the INVITE's
   * CSeq number (`seq`); every other method takes the next local sequence number.
   */
  createRequest(method: string, via: { transport: string; host: string; port: number }, opts: {
    seq?: number; headers?: HeaderField[]; body?: Buffer; contentType?: string;
  } = {}): SipRequest {
    const seq = opts.seq ?? ++this.localSeq;
    const headers: HeaderField[] = [];
    let uri = this.remoteTarget;
    const first = this.routeSet[0];
    if (first && !first.uri.params.has('lr')) {
      // Strict routing (RFC 2543 style): the first route becomes the Request-URI.
      uri = first.uri;
      for (const r of this.routeSet.slice(1)) headers.push({ name: 'Route', value: formatNameAddr(r) });
      headers.push({ name: 'Route', value: formatNameAddr({ uri: this.remoteTarget, params: new Map() }) });
    } else {
      for (const r of this.routeSet) headers.push({ name: 'Route', value: formatNameAddr(r) });
    }
    if (opts.contentType) headers.push({ name: 'Content-Type', value: opts.contentType });
    headers.push(...(opts.headers ?? []));
    return {
      kind: 'request',
      method,
      uri,
      via: [{ transport: via.transport.toUpperCase(), host: via.host, port: via.port, params: new Map<string, string | null>([['branch', newBranch()], ['rport', null]]) }],
      from: { ...this.localUri, params: new Map(this.localUri.params).set('tag', this.localTag) },
      to: { ...this.remoteUri, params: new Map(this.remoteUri.params).set('tag', this.remoteTag) },
      callId: this.callId,
      cseq: { seq, method },
      contact: method === 'INVITE' || method === 'UPDATE' ? [this.localContact] : [],
      maxForwards: 70,
      headers,
      body: opts.body ?? Buffer.alloc(0),
    };
  }

  /** The URI the next hop is taken from: the first route, or the remote target. */
  nextHopUri(): SipUri {
    return this.routeSet[0]?.uri ?? this.remoteTarget;
  }
}

function withoutTag(params: Params): Params {
  const p = new Map(params);
  p.delete('tag');
  return p;
}

function recordRoutes(msg: SipRequest | SipResponse): string[] {
  return msg.headers.filter((h) => h.name === 'Record-Route').map((h) => h.value);
}
