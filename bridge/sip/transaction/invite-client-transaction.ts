// RFC 3261 §17.1.1 INVITE client transaction, with the Accepted state of
// RFC 6026 §7.2 so retransmitted 2xx responses still reach the TU (which
// re-sends its ACK).
//
//   Calling --1xx--> Proceeding --300-699--> Completed --Timer D--> Terminated
//      |                 |  2xx                 (ACK sent, retransmitted final → ACK again)
//      +---2xx-----------+-----> Accepted --Timer M--> Terminated
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Destination } from '../transport/types.ts';
import { ClientTransactionBase } from './base.ts';
import type { ClientTransactionUser, TransactionContext } from './types.ts';

export class InviteClientTransaction extends ClientTransactionBase {
  private timerA: number;
  private ack: SipRequest | undefined;

  constructor(key: string, ctx: TransactionContext, dest: Destination, request: SipRequest, tu: ClientTransactionUser) {
    super(key, ctx, dest, 'calling', request, tu);
    this.timerA = ctx.timers.T1;
  }

  protected get awaitingFinal(): boolean { return this.state === 'calling' || this.state === 'proceeding'; }

  start(): void {
    this.transmit();
    // RFC 3261 §17.1.1.2: Timer A only for unreliable transports; Timer B always.
    if (!this.reliable) this.startTimer('A', this.timerA, () => this.onTimerA());
    this.startTimer('B', 64 * this.ctx.timers.T1, () => this.onTimerB());
  }

  private onTimerA(): void {
    if (this.state !== 'calling') return;
    this.transmit();
    this.timerA *= 2; // RFC 3261 §17.1.1.2: doubles without cap for INVITE
    this.startTimer('A', this.timerA, () => this.onTimerA());
  }

  private onTimerB(): void {
    if (this.state !== 'calling') return;
    this.terminate();
    this.tu.onTimeout();
  }

  receiveResponse(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case 'calling':
      case 'proceeding':
        if (s < 200) {
          this.state = 'proceeding';
          this.stopTimer('A');
          this.stopTimer('B');
          this.tu.onResponse(res);
        } else if (s < 300) {
          // RFC 6026 §8.4: Accepted, Timer M = 64*T1.
          this.state = 'accepted';
          this.stopTimer('A');
          this.stopTimer('B');
          this.startTimer('M', 64 * this.ctx.timers.T1, () => this.terminate());
          this.tu.onResponse(res);
        } else {
          this.state = 'completed';
          this.stopTimer('A');
          this.stopTimer('B');
          this.sendAck(res);
          // RFC 3261 §17.1.1.2: Timer D ≥ 32 s unreliable, 0 reliable.
          this.startTimer('D', this.reliable ? 0 : 32_000, () => this.terminate());
          this.tu.onResponse(res);
        }
        return;
      case 'completed':
        // Retransmitted final response: answer it with the same ACK, do not tell the TU.
        if (s >= 300 && this.ack) this.ctx.sender.send(this.ack, this.dest);
        return;
      case 'accepted':
        if (s >= 200 && s < 300) this.tu.onResponse(res);
        return;
      default:
        return;
    }
  }

  /** RFC 3261 §17.1.1.3: the ACK for a non-2xx final response, built from the request. */
  private sendAck(res: SipResponse): void {
    const req = this.request;
    const routeHeaders = req.headers.filter((h) => h.name.toLowerCase() === 'route');
    this.ack = {
      kind: 'request',
      method: 'ACK',
      uri: req.uri,
      via: req.via.slice(0, 1),
      from: req.from,
      to: res.to,
      callId: req.callId,
      cseq: { seq: req.cseq.seq, method: 'ACK' },
      contact: [],
      maxForwards: 70,
      headers: routeHeaders,
      body: Buffer.alloc(0),
    };
    this.ctx.sender.send(this.ack, this.dest);
  }
}
