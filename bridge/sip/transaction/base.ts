// Shared state handling of the four RFC 3261 §17 transaction machines.
import type { SipRequest } from '../message/message.ts';
import { isReliable, type Destination } from '../transport/types.ts';
import type { TimerHandle } from '../../../common/clock.ts';
import type { ClientTransactionUser, TransactionContext, TransactionState } from './types.ts';

export abstract class Transaction {
  state: TransactionState;
  private readonly timers = new Map<string, TimerHandle>();
  private terminatedListeners: Array<() => void> = [];

  constructor(
    readonly key: string,
    protected readonly ctx: TransactionContext,
    protected readonly dest: Destination,
    initial: TransactionState,
  ) {
    this.state = initial;
  }

  get reliable(): boolean { return isReliable(this.dest); }

  /** Called once when the transaction reaches Terminated (the layer forgets it). */
  onTerminated(fn: () => void): void { this.terminatedListeners.push(fn); }

  protected startTimer(name: string, ms: number, fn: () => void): void {
    this.stopTimer(name);
    this.timers.set(name, this.ctx.clock.setTimer(ms, () => { this.timers.delete(name); fn(); }));
  }

  protected stopTimer(name: string): void {
    const h = this.timers.get(name);
    if (h) { this.ctx.clock.clearTimer(h); this.timers.delete(name); }
  }

  /** Test aid: the names of running timers. */
  get runningTimers(): string[] { return [...this.timers.keys()].sort(); }

  terminate(): void {
    if (this.state === 'terminated') return;
    this.state = 'terminated';
    for (const h of this.timers.values()) this.ctx.clock.clearTimer(h);
    this.timers.clear();
    const listeners = this.terminatedListeners;
    this.terminatedListeners = [];
    for (const fn of listeners) fn();
  }
}

/** What the INVITE and non-INVITE client transactions share: the request, its TU, sending it. */
export abstract class ClientTransactionBase extends Transaction {
  constructor(
    key: string,
    ctx: TransactionContext,
    dest: Destination,
    initial: TransactionState,
    readonly request: SipRequest,
    protected readonly tu: ClientTransactionUser,
  ) {
    super(key, ctx, dest, initial);
  }

  /** Whether a transport failure now ends the transaction (before any final response). */
  protected abstract get awaitingFinal(): boolean;

  /** Sends (or re-sends) the request; a transport failure before a final response is the TU's 503 (§8.1.3.1). */
  protected transmit(): void {
    this.ctx.sender.send(this.request, this.dest, (err) => {
      if (!this.awaitingFinal) return;
      this.terminate();
      this.tu.onTransportError(err);
    });
  }
}
