// The session of a call that came in (RFC 3261 §13.3, we are the UAS): ring,
// answer (and retransmit the 2xx until the ACK, §13.3.1.4), refuse, or be
// cancelled (§9.2); BYE waits for the ACK (§15).
import type { Logger } from '../../../common/log.ts';
import { SipError } from '../../../common/errors.ts';
import { newTag } from '../message/identifiers.ts';
import type { HeaderField, SipRequest } from '../message/message.ts';
import { createResponse } from '../message/responses.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import type { Destination } from '../transport/types.ts';
import { Dialog } from './dialog.ts';
import { InviteSession, SDP, reasonQ850, type SessionHost, type TerminationReason } from './invite-session.ts';
import { SessionTimer } from './session-timer.ts';

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

  /** Sends a provisional response (180 Ringing, 183 with early media). */
  progress(status = 180, sdp?: string): void {
    if (this.state !== 'incoming' && this.state !== 'early') return;
    const headers: HeaderField[] = status > 100 ? this.recordRoute() : [];
    if (sdp) headers.push({ name: 'Content-Type', value: SDP });
    this.txn.respond(createResponse(this.request, status, {
      toTag: this.localTag, contact: [this.host.contactFor(this.source.transport)], headers, body: sdp ? Buffer.from(sdp) : undefined,
    }));
    if (status > 100) this.state = 'early';
  }

  /** Answers with 200 OK and our SDP; the session is confirmed when the ACK arrives. */
  accept(sdp: string, extraHeaders: HeaderField[] = []): void {
    if (this.state !== 'incoming' && this.state !== 'early') throw new SipError(500, `cannot answer in state ${this.state}`);
    const dialog = Dialog.asUas(this.request, this.localTag, this.host.contactFor(this.source.transport), this.source);
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
        ...this.recordRoute(),
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

  /**
   * RFC 3261 §12.1.1: a response that establishes a dialog (or an early one)
   * carries the INVITE's Record-Route values, in order, so the caller's ACK,
   * BYE … go through the proxies that asked to stay in the path (Kamailio in
   * front of several nodes, deploy/kamailio).
   */
  private recordRoute(): HeaderField[] {
    return this.request.headers.filter((h) => h.name === 'Record-Route').map((h) => ({ name: h.name, value: h.value }));
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
