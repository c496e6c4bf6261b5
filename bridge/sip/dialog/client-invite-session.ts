// The session of a call we placed (RFC 3261 §13.2, we are the UAC): the
// INVITE's responses, the ACK for its 2xx (§13.2.2.4, also for a 2xx from a
// second fork, which is hung up at once), CANCEL before the answer (§9.1),
// BYE after, and the INVITE again with credentials on 401/407 (§22.2,
// invite-auth.ts).
import type { Logger } from '../../../common/log.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Destination } from '../transport/types.ts';
import { Dialog } from './dialog.ts';
import { authorizedInvite, type AuthAttempts, type DigestCredentials } from './invite-auth.ts';
import { InviteSession, reasonQ850, type SessionHost } from './invite-session.ts';

/** The session of a call we placed (we are the UAC). */
export class ClientInviteSession extends InviteSession {
  state: 'calling' | 'early' | 'confirmed' | 'terminated' = 'calling';
  private cancelRequested: number | null | undefined;
  private provisionalSeen = false;
  private ack: SipRequest | undefined;
  private readonly authAttempts: AuthAttempts = { count: 0 };
  /** The final response, once there is one. */
  finalResponse: SipResponse | undefined;

  constructor(
    host: SessionHost,
    /** The INVITE in progress (replaced by its authorised copy after a 401/407). */
    public request: SipRequest,
    readonly destination: Destination,
    private readonly sendCancel: (cancel: SipRequest) => void,
    log: Logger,
    private readonly auth?: { credentials: DigestCredentials; resend: (invite: SipRequest) => void },
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
    if ((res.status === 401 || res.status === 407) && this.retryWithCredentials(res)) return;
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

  /** Sends the INVITE again answering the challenge; false when the call should fail with `res`. */
  private retryWithCredentials(res: SipResponse): boolean {
    if (!this.auth || this.dialog || this.ended || this.cancelRequested !== undefined) return false;
    if (res.cseq.seq !== this.request.cseq.seq) return true; // a late response to the INVITE already answered
    const next = authorizedInvite(this.request, res, this.auth.credentials, this.authAttempts);
    if (!next) return false;
    this.request = next;
    this.provisionalSeen = false;
    this.log.debug({ status: res.status, attempt: this.authAttempts.count }, 'INVITE challenged: sending credentials');
    this.auth.resend(next);
    return true;
  }

  private dialogFrom(res: SipResponse): Dialog {
    return Dialog.asUac(this.request, res, this.host.contactFor(this.destination.transport), this.destination);
  }

  /** Timer B or a transport error before any final response. */
  onFailure(status: number, reason: string): void {
    if (this.dialog || this.ended) return;
    this.ourInvitePending = false;
    this.finish({ by: 'error', status, reason });
  }
}
