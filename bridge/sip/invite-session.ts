// An INVITE session (RFC 3261 §13–15): the call on top of a dialog, from the
// side that answered it (ServerInviteSession) or that placed it
// (ClientInviteSession). Handles 2xx retransmission until ACK (§13.3.1.4),
// re-INVITE/UPDATE offers (§14, RFC 3311), INFO (RFC 6086), BYE both ways
// (§15) and CANCEL (§9).
import type { Logger } from '../../common/log.ts';
import { TypedEmitter } from '../../common/events.ts';
import { SipError } from '../../common/errors.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { Dialog } from './dialog.ts';
import type { HeaderField, NameAddr, SipRequest, SipResponse } from './message.ts';
import { createResponse, newTag } from './responses.ts';
import { parseRouteSet } from './headers.ts';
import { SessionTimer } from './session-timer.ts';
import type { InviteServerTransaction } from './transaction/invite-server-transaction.ts';
import type { NonInviteServerTransaction } from './transaction/non-invite-server-transaction.ts';
import type { ServerTransaction } from './transaction/transaction-layer.ts';
import type { TimerValues } from './transaction/timers.ts';
import type { Destination } from './transaction/types.ts';

/** Why a session ended. `status` is the SIP status that ended it, when one did. */
export interface TerminationReason {
  by: 'local' | 'remote' | 'timeout' | 'error';
  status?: number;
  reason?: string;
  /** A Q.850 cause from a Reason header (RFC 3326), when the peer sent one. */
  q850?: number;
}

/** What a session needs from the user agent that owns it. */
export interface SessionHost {
  readonly clock: Clock;
  readonly timers: TimerValues;
  readonly logger: Logger;
  readonly allowHeader: string;
  /** Via sent-by for requests on this transport. */
  via(transport: Destination['transport']): { transport: string; host: string; port: number };
  contactFor(transport: Destination['transport']): NameAddr;
  /** Sends a request inside the dialog through a client transaction; resolves with the final response (408/503 synthesised on timeout or transport failure). */
  sendInDialog(dialog: Dialog, req: SipRequest): Promise<SipResponse>;
  /** Sends an ACK for a 2xx (no transaction, §17.1.1.3). */
  sendAck(dialog: Dialog, ack: SipRequest): void;
  registerDialog(dialog: Dialog, session: InviteSession): void;
  unregisterDialog(dialog: Dialog): void;
}

export type SessionEvents = {
  /** The 2xx was acknowledged (UAS) / sent our ACK (UAC): media may flow both ways. */
  confirmed: [ack?: SipRequest];
  /** The session is over; emitted once. */
  terminated: [reason: TerminationReason];
  /** An INFO request inside the dialog (already answered 200). */
  info: [req: SipRequest];
  /** A provisional response to our INVITE (client side only). */
  progress: [res: SipResponse];
};

/**
 * Gives the answer to an offer received in a re-INVITE or UPDATE (or, with
 * `undefined`, our offer for a re-INVITE that came without one). Throw a
 * SipError (e.g. 488) to refuse it.
 */
export type OfferHandler = (offer: string | undefined) => string;

export function reasonQ850(msg: SipRequest | SipResponse): number | undefined {
  for (const h of msg.headers) {
    if (h.name.toLowerCase() !== 'reason') continue;
    const m = /^\s*Q\.850\s*;(?:.*;)?\s*cause\s*=\s*(\d{1,3})/i.exec(h.value);
    if (m) return Number(m[1]);
  }
  return undefined;
}

const SDP = 'application/sdp';

export abstract class InviteSession extends TypedEmitter<SessionEvents> {
  dialog: Dialog | undefined;
  offerHandler: OfferHandler | undefined;
  protected ended = false;
  /** A re-INVITE of the peer's that we answered and await the ACK for. */
  private okRetransmit: { timer?: TimerHandle; giveUp?: TimerHandle; interval: number; cseq: number; txn: InviteServerTransaction; res: SipResponse; onGiveUp: () => void } | undefined;
  /** An INVITE (initial or re-) of ours still without a final response. */
  protected ourInvitePending = false;
  private theirInvitePending = false;
  /** RFC 4028 session timer, when negotiated. */
  protected sessionTimer: SessionTimer | undefined;
  /** The last SDP we sent (offer or answer): a refresh re-INVITE repeats it. */
  protected lastLocalSdp: string | undefined;

  constructor(protected readonly host: SessionHost, readonly callId: string, protected readonly log: Logger) { super(); }

  get terminated(): boolean { return this.ended; }

  /** Ends the session from our side (BYE, CANCEL or a final response, as the state requires). */
  abstract hangup(reason?: { status?: number; q850?: number }): Promise<void>;

  protected finish(reason: TerminationReason): void {
    if (this.ended) return;
    this.ended = true;
    this.stopOkRetransmit();
    this.sessionTimer?.stop();
    if (this.dialog) this.host.unregisterDialog(this.dialog);
    this.emit('terminated', reason);
  }

  protected reasonHeaders(q850: number | undefined): HeaderField[] {
    return q850 === undefined ? [] : [{ name: 'Reason', value: `Q.850;cause=${q850}` }];
  }

  /** RFC 3261 §15.1.1: BYE; the session is over as soon as it is sent. */
  protected async sendBye(q850?: number): Promise<void> {
    const dialog = this.dialog;
    if (!dialog) return;
    const req = dialog.createRequest('BYE', this.host.via(dialog.flow?.transport ?? 'udp'), { headers: this.reasonHeaders(q850) });
    this.finish({ by: 'local', q850 });
    const res = await this.host.sendInDialog(dialog, req);
    this.log.debug({ status: res.status }, 'BYE answered');
  }

  // ---- requests inside the dialog (called by the user agent) ----

  /** An in-dialog request other than ACK/CANCEL, with its server transaction. */
  handleRequest(req: SipRequest, txn: ServerTransaction): void {
    const dialog = this.dialog;
    if (!dialog) return;
    if (!dialog.acceptRemoteSeq(req)) {
      txn.respond(createResponse(req, 500, { reason: 'CSeq Out Of Order' }));
      return;
    }
    switch (req.method) {
      case 'BYE':
        txn.respond(createResponse(req, 200));
        this.finish({ by: 'remote', q850: reasonQ850(req) });
        return;
      case 'INVITE':
        this.handleReinvite(req, txn as InviteServerTransaction);
        return;
      case 'UPDATE':
        this.handleUpdate(req, txn as NonInviteServerTransaction);
        return;
      case 'INFO':
        txn.respond(createResponse(req, 200));
        this.emit('info', req);
        return;
      case 'OPTIONS':
        txn.respond(createResponse(req, 200, { headers: [{ name: 'Allow', value: this.host.allowHeader }, { name: 'Accept', value: SDP }] }));
        return;
      default:
        txn.respond(createResponse(req, 405, { headers: [{ name: 'Allow', value: this.host.allowHeader }] }));
    }
  }

  handleAck(ack: SipRequest): void {
    const r = this.okRetransmit;
    if (r && ack.cseq.seq === r.cseq) this.stopOkRetransmit();
  }

  private answerOffer(req: SipRequest): { status: number; body?: Buffer; reason?: string } {
    const handler = this.offerHandler;
    if (!handler) return { status: 488 };
    if (req.body.length > 0 && req.contentType !== SDP) return { status: 415 };
    try {
      const answer = handler(req.body.length > 0 ? req.body.toString('utf8') : undefined);
      return { status: 200, body: Buffer.from(answer) };
    } catch (err) {
      if (err instanceof SipError) return { status: err.status, reason: err.message };
      this.log.error({ err }, 'offer handler threw');
      return { status: 500 };
    }
  }

  /** RFC 3261 §14.2: a re-INVITE (hold, resume, codec change, session refresh). */
  private handleReinvite(req: SipRequest, txn: InviteServerTransaction): void {
    // §14.2: glare — our own INVITE pending → 491; theirs pending → 500 with Retry-After.
    if (this.ourInvitePending) { txn.respond(createResponse(req, 491)); return; }
    if (this.theirInvitePending || this.okRetransmit) {
      txn.respond(createResponse(req, 500, { headers: [{ name: 'Retry-After', value: String(1 + Math.floor(Math.random() * 10)) }] }));
      return;
    }
    if (req.contact[0]) this.dialog!.remoteTarget = req.contact[0].uri; // §12.2.2: target refresh
    const result = this.answerOffer(req);
    if (result.status !== 200) {
      txn.respond(createResponse(req, result.status, { reason: result.reason }));
      return;
    }
    const res = createResponse(req, 200, {
      contact: [this.dialog!.localContact],
      headers: [{ name: 'Allow', value: this.host.allowHeader }, { name: 'Content-Type', value: SDP }, ...(this.sessionTimer?.headers() ?? [])],
      body: result.body,
    });
    this.lastLocalSdp = result.body?.toString('utf8') ?? this.lastLocalSdp;
    this.sessionTimer?.restart(); // RFC 4028 §10: any re-INVITE refreshes the session
    this.theirInvitePending = false;
    this.sendOk(txn, res, req.cseq.seq, () => { void this.sendBye(); });
  }

  /** RFC 3311: UPDATE carries an offer without a new INVITE transaction. */
  private handleUpdate(req: SipRequest, txn: NonInviteServerTransaction): void {
    if (req.body.length === 0) {
      // A session refresh without an offer (RFC 4028 §7.4): just acknowledge.
      txn.respond(createResponse(req, 200, { contact: [this.dialog!.localContact], headers: this.sessionTimer?.headers() ?? [] }));
      this.sessionTimer?.restart();
      return;
    }
    if (this.ourInvitePending) { txn.respond(createResponse(req, 491)); return; }
    if (req.contact[0]) this.dialog!.remoteTarget = req.contact[0].uri;
    const result = this.answerOffer(req);
    if (result.status !== 200) {
      txn.respond(createResponse(req, result.status, { reason: result.reason }));
      return;
    }
    txn.respond(createResponse(req, 200, {
      contact: [this.dialog!.localContact],
      headers: [{ name: 'Content-Type', value: SDP }, ...(this.sessionTimer?.headers() ?? [])],
      body: result.body,
    }));
    this.lastLocalSdp = result.body?.toString('utf8') ?? this.lastLocalSdp;
    this.sessionTimer?.restart();
  }

  /** RFC 4028 §7.4: we are the refresher — repeat our SDP in a re-INVITE. */
  protected async refreshSession(): Promise<void> {
    if (this.ended || !this.lastLocalSdp) return;
    try {
      await this.reinvite(this.lastLocalSdp);
      this.sessionTimer?.restart();
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'session refresh failed');
      if (!this.ended) await this.sendBye();
    }
  }

  /**
   * RFC 3261 §13.3.1.4: send a 2xx to an INVITE and retransmit it (T1 doubling,
   * capped at T2) until the ACK arrives; after 64*T1 without one, give up.
   */
  protected sendOk(txn: InviteServerTransaction, res: SipResponse, cseq: number, onGiveUp: () => void): void {
    txn.respond(res);
    const r: NonNullable<typeof this.okRetransmit> = { interval: this.host.timers.T1, cseq, txn, res, onGiveUp };
    this.okRetransmit = r;
    // The ACK is awaited for 64*T1 whatever the transport; over TCP the 2xx is not retransmitted.
    r.giveUp = this.host.clock.setTimer(64 * this.host.timers.T1, () => this.okGiveUp());
    if (!txn.reliable) this.scheduleOkRetransmit();
  }

  private scheduleOkRetransmit(): void {
    const r = this.okRetransmit;
    if (!r) return;
    r.timer = this.host.clock.setTimer(r.interval, () => {
      if (this.okRetransmit !== r) return;
      r.txn.respond(r.res);
      r.interval = Math.min(2 * r.interval, this.host.timers.T2);
      this.scheduleOkRetransmit();
    });
  }

  private okGiveUp(): void {
    const r = this.okRetransmit;
    if (!r) return;
    this.host.clock.clearTimer(r.timer);
    this.okRetransmit = undefined;
    this.log.warn({ cseq: r.cseq }, 'no ACK for 2xx after 64*T1');
    r.onGiveUp();
  }

  protected stopOkRetransmit(): void {
    const r = this.okRetransmit;
    if (!r) return;
    this.host.clock.clearTimer(r.timer);
    this.host.clock.clearTimer(r.giveUp);
    this.okRetransmit = undefined;
  }

  /** Sends a re-INVITE with a new offer (hold, resume, codec change); resolves with the answer SDP. */
  async reinvite(offer: string): Promise<string> {
    const dialog = this.dialog;
    if (!dialog || this.ended) throw new SipError(481, 'no dialog');
    if (this.ourInvitePending || this.okRetransmit) throw new SipError(491, 'an INVITE transaction is pending');
    this.ourInvitePending = true;
    const req = dialog.createRequest('INVITE', this.host.via(dialog.flow?.transport ?? 'udp'), {
      body: Buffer.from(offer), contentType: SDP, headers: [{ name: 'Allow', value: this.host.allowHeader }],
    });
    try {
      const res = await this.host.sendInDialog(dialog, req);
      if (res.status >= 200 && res.status < 300) {
        if (res.contact[0]) dialog.remoteTarget = res.contact[0].uri;
        const ack = dialog.createRequest('ACK', this.host.via(dialog.flow?.transport ?? 'udp'), { seq: req.cseq.seq });
        this.host.sendAck(dialog, ack);
        return res.body.toString('utf8');
      }
      // §14.1: 408/481 end the dialog.
      if (res.status === 408 || res.status === 481) this.finish({ by: 'error', status: res.status });
      throw new SipError(res.status, `re-INVITE answered ${res.status} ${res.reason}`);
    } finally {
      this.ourInvitePending = false;
    }
  }

  /** Sends an INFO with a body (e.g. application/dtmf-relay). */
  async info(contentType: string, body: string): Promise<number> {
    const dialog = this.dialog;
    if (!dialog || this.ended) throw new SipError(481, 'no dialog');
    const req = dialog.createRequest('INFO', this.host.via(dialog.flow?.transport ?? 'udp'), { body: Buffer.from(body), contentType });
    return (await this.host.sendInDialog(dialog, req)).status;
  }
}

/** The session of a call that came in (we are the UAS). */
export class ServerInviteSession extends InviteSession {
  state: 'incoming' | 'early' | 'answered' | 'confirmed' | 'terminated' = 'incoming';
  readonly localTag = newTag();
  private byeWhenConfirmed: number | null | undefined;

  constructor(
    host: SessionHost,
    readonly request: SipRequest,
    private readonly txn: InviteServerTransaction,
    readonly source: Destination,
    log: Logger,
  ) {
    super(host, request.callId, log);
    txn.tu = { onAckTimeout: () => this.log.debug('no ACK for non-2xx final response') };
  }

  /** The offer in the INVITE, if it had one. */
  get offer(): string | undefined {
    return this.request.body.length > 0 && this.request.contentType === SDP ? this.request.body.toString('utf8') : undefined;
  }

  private makeDialog(): Dialog {
    const req = this.request;
    const transport = this.source.transport;
    const contact = req.contact[0];
    return new Dialog({
      callId: req.callId,
      localTag: this.localTag,
      remoteTag: req.from.params.get('tag') ?? '',
      localUri: { ...req.to, params: withoutTag(req.to.params) },
      remoteUri: { ...req.from, params: withoutTag(req.from.params) },
      localSeq: Math.floor(Math.random() * 10_000),
      remoteSeq: req.cseq.seq,
      remoteTarget: contact?.uri ?? req.from.uri,
      // §12.1.1: the UAS keeps the Record-Route order.
      routeSet: req.headers.filter((h) => h.name === 'Record-Route').flatMap((h) => parseRouteValues(h.value)),
      localContact: this.host.contactFor(transport),
      flow: transport === 'tcp' ? this.source : undefined,
    });
  }

  /** Sends a provisional response (180 Ringing, 183 with early media). */
  progress(status = 180, sdp?: string): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    const headers: HeaderField[] = [];
    if (sdp) headers.push({ name: 'Content-Type', value: SDP });
    this.txn.respond(createResponse(this.request, status, {
      toTag: this.localTag, contact: [this.host.contactFor(this.source.transport)], headers, body: sdp ? Buffer.from(sdp) : undefined,
    }));
    if (status > 100) this.state = 'early';
  }

  /** Answers with 200 OK and our SDP; the session is confirmed when the ACK arrives. */
  accept(sdp: string, extraHeaders: HeaderField[] = []): void {
    if (this.state !== 'incoming' && this.state !== 'early') throw new SipError(500, `cannot answer in state ${this.state}`);
    const dialog = this.makeDialog();
    this.dialog = dialog;
    this.host.registerDialog(dialog, this);
    this.state = 'answered';
    this.lastLocalSdp = sdp;
    const st = SessionTimer.negotiate(this.request);
    if (st) {
      this.sessionTimer = new SessionTimer(st.interval, st.refresher, this.host.clock,
        () => { this.log.info('session timer expired without a refresh'); void this.sendBye(); },
        () => { void this.refreshSession(); });
    }
    const res = createResponse(this.request, 200, {
      toTag: this.localTag,
      contact: [dialog.localContact],
      headers: [
        { name: 'Allow', value: this.host.allowHeader },
        { name: 'Supported', value: 'timer' },
        { name: 'Content-Type', value: SDP },
        ...(this.sessionTimer?.headers() ?? []),
        ...extraHeaders,
      ],
      body: Buffer.from(sdp),
    });
    this.sendOk(this.txn, res, this.request.cseq.seq, () => {
      // §13.3.1.4: no ACK — the session is terminated with a BYE.
      this.finish({ by: 'timeout', reason: 'no ACK' });
      void this.sendBye(); // finish() keeps the dialog, so the BYE can still be built
    });
  }

  /** Refuses the call with a final response (486 busy, 480, 603, 488 …). */
  reject(status: number, opts: { reason?: string; q850?: number; headers?: HeaderField[] } = {}): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    this.txn.respond(createResponse(this.request, status, {
      toTag: this.localTag, reason: opts.reason, headers: [...this.reasonHeaders(opts.q850), ...(opts.headers ?? [])],
    }));
    this.state = 'terminated';
    this.finish({ by: 'local', status, q850: opts.q850 });
  }

  override handleAck(ack: SipRequest): void {
    super.handleAck(ack);
    if (this.state === 'answered' && ack.cseq.seq === this.request.cseq.seq) {
      this.state = 'confirmed';
      this.sessionTimer?.restart();
      this.emit('confirmed', ack);
      if (this.byeWhenConfirmed !== undefined) void this.sendBye(this.byeWhenConfirmed ?? undefined);
    }
  }

  /** The caller gave up before the answer (§9.2): 487 to the INVITE. */
  handleCancel(cancel: SipRequest): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    this.txn.respond(createResponse(this.request, 487, { toTag: this.localTag }));
    this.state = 'terminated';
    this.finish({ by: 'remote', status: 487, q850: reasonQ850(cancel) ?? 16 });
  }

  override async hangup(reason: { status?: number; q850?: number } = {}): Promise<void> {
    if (this.ended) return;
    if (this.state === 'incoming' || this.state === 'early') {
      this.reject(reason.status ?? 480, { q850: reason.q850 });
      return;
    }
    if (this.state === 'answered') {
      // §15: the callee may not send BYE before the ACK (or its timeout).
      this.byeWhenConfirmed = reason.q850 ?? null;
      return;
    }
    this.state = 'terminated';
    await this.sendBye(reason.q850);
  }

  protected override finish(reason: TerminationReason): void {
    this.state = 'terminated';
    super.finish(reason);
  }
}

/** The session of a call we placed (we are the UAC). */
export class ClientInviteSession extends InviteSession {
  state: 'calling' | 'early' | 'confirmed' | 'terminated' = 'calling';
  private cancelRequested: number | null | undefined;
  private provisionalSeen = false;
  private ack: SipRequest | undefined;
  /** The final response, once there is one. */
  finalResponse: SipResponse | undefined;

  constructor(
    host: SessionHost,
    readonly request: SipRequest,
    readonly destination: Destination,
    private readonly sendCancel: (cancel: SipRequest) => void,
    log: Logger,
  ) {
    super(host, request.callId, log);
    this.ourInvitePending = true;
  }

  /** RFC 3261 §9.1: CANCEL copies the INVITE's Request-URI, Call-ID, From, To, CSeq number and top Via. */
  private buildCancel(q850: number | undefined): SipRequest {
    const r = this.request;
    return {
      kind: 'request', method: 'CANCEL', uri: r.uri, via: r.via.slice(0, 1), from: r.from, to: r.to, callId: r.callId,
      cseq: { seq: r.cseq.seq, method: 'CANCEL' }, contact: [], maxForwards: 70,
      headers: [...r.headers.filter((h) => h.name === 'Route'), ...this.reasonHeaders(q850)], body: Buffer.alloc(0),
    };
  }

  /** Gives up the call before it is answered (CANCEL), or hangs it up after (BYE). */
  override async hangup(reason: { q850?: number } = {}): Promise<void> {
    if (this.ended) return;
    if (this.state === 'confirmed') { await this.sendBye(reason.q850); return; }
    if (this.cancelRequested !== undefined) return;
    this.cancelRequested = reason.q850 ?? null;
    // §9.1: CANCEL only once a provisional response has arrived.
    if (this.provisionalSeen) this.sendCancel(this.buildCancel(reason.q850));
  }

  /** Responses of the INVITE transaction, and retransmitted 2xx after it. */
  onResponse(res: SipResponse): void {
    if (res.status < 200) {
      if (this.state !== 'calling' && this.state !== 'early') return;
      if (!this.provisionalSeen) {
        this.provisionalSeen = true;
        if (this.cancelRequested !== undefined) this.sendCancel(this.buildCancel(this.cancelRequested ?? undefined));
      }
      if (res.status > 100) this.state = 'early';
      this.emit('progress', res);
      return;
    }
    if (res.status < 300) { this.onSuccess(res); return; }
    this.ourInvitePending = false;
    this.finalResponse ??= res;
    this.finish({ by: 'remote', status: res.status, reason: res.reason, q850: reasonQ850(res) });
  }

  private onSuccess(res: SipResponse): void {
    const tag = res.to.params.get('tag') ?? '';
    if (this.dialog) {
      if (tag === this.dialog.remoteTag) {
        if (this.ack) this.host.sendAck(this.dialog, this.ack); // §13.2.2.4: retransmitted 2xx → same ACK
        return;
      }
      // A second 2xx from another fork: acknowledge it and end that dialog at once.
      const other = this.dialogFrom(res);
      this.host.sendAck(other, other.createRequest('ACK', this.host.via(this.destination.transport), { seq: this.request.cseq.seq }));
      void this.host.sendInDialog(other, other.createRequest('BYE', this.host.via(this.destination.transport)));
      return;
    }
    this.ourInvitePending = false;
    this.finalResponse = res;
    const dialog = this.dialogFrom(res);
    this.dialog = dialog;
    this.host.registerDialog(dialog, this);
    this.ack = dialog.createRequest('ACK', this.host.via(this.destination.transport), { seq: this.request.cseq.seq });
    this.host.sendAck(dialog, this.ack);
    if (this.cancelRequested !== undefined) {
      // The callee answered while our CANCEL was on its way: hang up (§9.1).
      this.state = 'confirmed';
      void this.sendBye(this.cancelRequested ?? undefined);
      return;
    }
    this.state = 'confirmed';
    this.emit('confirmed');
  }

  private dialogFrom(res: SipResponse): Dialog {
    const req = this.request;
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
      routeSet: res.headers.filter((h) => h.name === 'Record-Route').flatMap((h) => parseRouteValues(h.value)).reverse(),
      localContact: this.host.contactFor(this.destination.transport),
      flow: this.destination.transport === 'tcp' ? this.destination : undefined,
    });
  }

  /** Timer B or a transport error before any final response. */
  onFailure(status: number, reason: string): void {
    if (this.dialog || this.ended) return;
    this.ourInvitePending = false;
    this.finish({ by: 'error', status, reason });
  }
}

function withoutTag(params: Map<string, string | null>): Map<string, string | null> {
  const p = new Map(params);
  p.delete('tag');
  return p;
}

function parseRouteValues(value: string): NameAddr[] {
  return parseRouteSet([value]);
}
