// What the layers above the transport (RFC 3261 §18) see of it: where a
// message goes or came from, and how to send one.
import type { SipMessage } from '../message/message.ts';

export type TransportKind = 'udp' | 'tcp' | 'tls';

/** Where a message goes (or came from). `flowId` pins a TCP or TLS connection. */
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

/** Stream transports deliver reliably: no retransmissions (RFC 3261 §17.1.1.2, §17.1.2.2). */
export function isReliable(dest: Destination): boolean {
  return dest.transport !== 'udp';
}
