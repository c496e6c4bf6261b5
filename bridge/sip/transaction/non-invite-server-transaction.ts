// RFC 3261 §17.2.2 non-INVITE server transaction.
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer J--> Terminated
//   Retransmitted requests: absorbed in Trying, answered with the last response after.
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Destination } from '../transport/types.ts';
import { Transaction } from './base.ts';
import type { TransactionContext } from './types.ts';

export class NonInviteServerTransaction extends Transaction {
  private lastResponse: SipResponse | undefined;

  constructor(key: string, ctx: TransactionContext, dest: Destination, readonly request: SipRequest) {
    super(key, ctx, dest, 'trying');
  }

  get lastStatus(): number { return this.lastResponse?.status ?? 0; }

  receiveRequest(_req: SipRequest): void {
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) {
      this.ctx.sender.send(this.lastResponse, this.dest);
    }
  }

  respond(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.lastResponse = res;
    this.ctx.sender.send(res, this.dest);
    if (res.status < 200) { this.state = 'proceeding'; return; }
    this.state = 'completed';
    // RFC 3261 §17.2.2: Timer J = 64*T1 unreliable, 0 reliable.
    this.startTimer('J', this.reliable ? 0 : 64 * this.ctx.timers.T1, () => this.terminate());
  }
}
