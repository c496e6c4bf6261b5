// An INVITE session (RFC 3261 §13–15): the call on top of a dialog. What both
// sides share is here; the side that answered the call is
// ServerInviteSession (./server-invite-session.ts), the side that placed it
// ClientInviteSession (./client-invite-session.ts). Handles 2xx
// retransmission until ACK (§13.3.1.4), re-INVITE/UPDATE offers (§14,
// RFC 3311), INFO (RFC 6086) and BYE both ways (§15).
import type { Logger } from '../../../common/log.ts';
import { TypedEmitter } from '../../../common/events.ts';
import { SipError } from '../../../common/errors.ts';
import type { NameAddr } from '../grammar/types.ts';
import type { HeaderField, SipRequest, SipResponse } from '../message/message.ts';
import { createResponse } from '../message/responses.ts';
import type { Clock, TimerHandle } from '../../../common/clock.ts';
import type { InviteServerTransaction } from '../transaction/invite-server-transaction.ts';
import type { NonInviteServerTransaction } from '../transaction/non-invite-server-transaction.ts';
import type { ServerTransaction } from '../transaction/transaction-layer.ts';
import type { TimerValues } from '../transaction/timers.ts';
import type { Destination } from '../transport/types.ts';
import type { Dialog } from './dialog.ts';
import type { SessionTimer } from './session-timer.ts';

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

/** The Q.850 cause of a Reason header (RFC 3326) on a BYE, CANCEL or final response, if any. */
export function reasonQ850(msg: SipRequest | SipResponse): number | undefined {
  for (const h of msg.headers) {
    if (h.name.toLowerCase() !== 'reason') continue;
    const m = /^\s*Q\.850\s*;(?:.*;)?\s*cause\s*=\s*(\d{1,3})/i.exec(h.value);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/** The one body type of offers and answers (RFC 3264). */
export const SDP = 'application/sdp';

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
