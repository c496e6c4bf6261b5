// RFC 3261 §17.1.2 non-INVITE client transaction.
//
//   Trying --1xx--> Proceeding --200-699--> Completed --Timer K--> Terminated
//   Timer E retransmits (T1 doubling to T2; T2 in Proceeding), Timer F times out.
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Destination } from '../transport/types.ts';
import { ClientTransactionBase } from './base.ts';
import type { ClientTransactionUser, TransactionContext } from './types.ts';

export class NonInviteClientTransaction extends ClientTransactionBase {
  private timerE: number;

  constructor(key: string, ctx: TransactionContext, dest: Destination, request: SipRequest, tu: ClientTransactionUser) {
    super(key, ctx, dest, 'trying', request, tu);
    this.timerE = ctx.timers.T1;
  }

  protected get awaitingFinal(): boolean { return this.state === 'trying' || this.state === 'proceeding'; }

  start(): void {
    this.transmit();
    if (!this.reliable) this.startTimer('E', this.timerE, () => this.onTimerE());
    this.startTimer('F', 64 * this.ctx.timers.T1, () => this.onTimerF());
  }

  private onTimerE(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.transmit();
    // RFC 3261 §17.1.2.2: doubling capped at T2 in Trying; T2 in Proceeding.
    this.timerE = this.state === 'trying' ? Math.min(2 * this.timerE, this.ctx.timers.T2) : this.ctx.timers.T2;
    this.startTimer('E', this.timerE, () => this.onTimerE());
  }

  private onTimerF(): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return;
    this.terminate();
    this.tu.onTimeout();
  }

  receiveResponse(res: SipResponse): void {
    if (this.state !== 'trying' && this.state !== 'proceeding') return; // Completed absorbs retransmissions
    if (res.status < 200) {
      this.state = 'proceeding';
      this.tu.onResponse(res);
      return;
    }
    this.state = 'completed';
    this.stopTimer('E');
    this.stopTimer('F');
    this.startTimer('K', this.reliable ? 0 : this.ctx.timers.T4, () => this.terminate());
    this.tu.onResponse(res);
  }
}
