// What the transactions need from the layers around them.
import type { SipMessage, SipRequest, SipResponse } from '../message.ts';
import type { Clock } from '../clock.ts';
import type { TimerValues } from './timers.ts';

export type TransportKind = 'udp' | 'tcp';

/** Where a message goes (or came from). `flowId` pins a TCP connection. */
export interface Destination {
  transport: TransportKind;
  address: string;
  port: number;
  flowId?: string;
}

export interface MessageSender {
  /** Sends one message; `onError` is told if it could not be sent (e.g. TCP connect refused). */
  send(msg: SipMessage, dest: Destination, onError?: (err: Error) => void): void;
}

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

export function isReliable(dest: Destination): boolean {
  return dest.transport !== 'udp';
}

export type { SipRequest, SipResponse };
