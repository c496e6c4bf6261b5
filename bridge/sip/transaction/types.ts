// What the transactions need from the layers around them.
import type { SipResponse } from '../message/message.ts';
import type { MessageSender } from '../transport/types.ts';
import type { Clock } from '../../../common/clock.ts';
import type { TimerValues } from './timers.ts';

export interface TransactionContext {
  clock: Clock;
  timers: TimerValues;
  sender: MessageSender;
}

export type TransactionState =
  | 'calling' | 'trying' | 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';

export interface ClientTransactionUser {
  onResponse(res: SipResponse): void;
  /** Timer B / F fired: the TU treats it as 408 Request Timeout (RFC 3261 §8.1.3.1). */
  onTimeout(): void;
  /** The transport could not deliver the request: treat as 503 (RFC 3261 §8.1.3.1). */
  onTransportError(err: Error): void;
}
