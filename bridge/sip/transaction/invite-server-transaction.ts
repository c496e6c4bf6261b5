// RFC 3261 §17.2.1 INVITE server transaction, with RFC 6026's Accepted state:
// after a 2xx the transaction lives on for Timer L absorbing retransmitted
// INVITEs, while the TU retransmits the 2xx itself until the ACK (§13.3.1.4).
//
//   Proceeding --300-699--> Completed --ACK--> Confirmed --Timer I--> Terminated
//       |                      | Timer G retransmits, Timer H gives up
//       +--2xx--> Accepted --Timer L--> Terminated
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Destination } from '../transport/types.ts';
import { Transaction } from './base.ts';
import type { TransactionContext } from './types.ts';

export interface InviteServerTransactionUser {
  /** Timer H fired: no ACK for our non-2xx final response. */
  onAckTimeout?(): void;
}

export class InviteServerTransaction extends Transaction {
  private lastResponse: SipResponse | undefined;
  private timerG: number;
  tu: InviteServerTransactionUser = {};

  constructor(key: string, ctx: TransactionContext, dest: Destination, readonly request: SipRequest) {
    super(key, ctx, dest, 'proceeding');
    this.timerG = ctx.timers.T1;
  }

  /** The status of the last response sent, or 0. */
  get lastStatus(): number { return this.lastResponse?.status ?? 0; }

  /** RFC 3261 §17.2.1: a retransmitted INVITE gets the last response again. */
  receiveRequest(req: SipRequest): void {
    if (req.method === 'ACK') {
      if (this.state === 'completed') {
        this.state = 'confirmed';
        this.stopTimer('G');
        this.stopTimer('H');
        this.startTimer('I', this.reliable ? 0 : this.ctx.timers.T4, () => this.terminate());
      }
      return; // Confirmed absorbs further ACKs
    }
    if ((this.state === 'proceeding' || this.state === 'completed') && this.lastResponse) {
      this.ctx.sender.send(this.lastResponse, this.dest);
    }
    // Accepted: absorbed (RFC 6026 §7.1); the TU's own 2xx retransmissions cover it.
  }

  respond(res: SipResponse): void {
    const s = res.status;
    switch (this.state) {
      case 'proceeding':
        this.lastResponse = res;
        this.ctx.sender.send(res, this.dest);
        if (s < 200) return;
        if (s < 300) {
          this.state = 'accepted';
          this.startTimer('L', 64 * this.ctx.timers.T1, () => this.terminate());
          return;
        }
        this.state = 'completed';
        if (!this.reliable) this.startTimer('G', this.timerG, () => this.onTimerG());
        this.startTimer('H', 64 * this.ctx.timers.T1, () => this.onTimerH());
        return;
      case 'accepted':
        // RFC 6026 §7.1: 2xx retransmissions from the TU pass through.
        if (s >= 200 && s < 300) this.ctx.sender.send(res, this.dest);
        return;
      default:
        return; // a response after the final one is a TU error; ignore
    }
  }

  private onTimerG(): void {
    if (this.state !== 'completed' || !this.lastResponse) return;
    this.ctx.sender.send(this.lastResponse, this.dest);
    this.timerG = Math.min(2 * this.timerG, this.ctx.timers.T2);
    this.startTimer('G', this.timerG, () => this.onTimerG());
  }

  private onTimerH(): void {
    if (this.state !== 'completed') return;
    this.terminate();
    this.tu.onAckTimeout?.();
  }
}
