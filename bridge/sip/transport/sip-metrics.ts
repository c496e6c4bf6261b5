// SIP requests and responses counted at the transport, by direction, method
// and status, for /metrics. Every message that parsed is counted as it
// crosses the socket, retransmissions included (they are load too); what
// could not be parsed is counted apart. Methods outside RFC 3261 and its
// extensions become "other" and statuses outside 100–699 "other", so a
// scanner's invented tokens cannot grow the label space without bound.
import { counter } from '../../../common/metrics.ts';
import type { SipMessage } from '../message/message.ts';

const KNOWN_METHODS = new Set([
  'INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'PRACK', 'SUBSCRIBE', 'NOTIFY', 'PUBLISH', 'INFO', 'REFER', 'MESSAGE', 'UPDATE',
]);

const requests = counter({ name: 'bridge_sip_requests_total', help: 'SIP requests received (in) and sent (out), by method', labelNames: ['direction', 'method'] });
const responses = counter({ name: 'bridge_sip_responses_total', help: 'SIP responses received (in) and sent (out), by status and the method of their CSeq', labelNames: ['direction', 'method', 'status'] });
const malformed = counter({ name: 'bridge_sip_malformed_total', help: 'SIP datagrams and stream messages that could not be parsed' });

export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'other';
}

export function statusLabel(status: number): string {
  return Number.isInteger(status) && status >= 100 && status <= 699 ? String(status) : 'other';
}

export function countSip(direction: 'in' | 'out', msg: SipMessage): void {
  if (msg.kind === 'request') requests.inc({ direction, method: methodLabel(msg.method) });
  // A 400 to a request whose CSeq could not be read may carry none: never throw on the way out.
  else responses.inc({ direction, method: methodLabel((msg.cseq as typeof msg.cseq | undefined)?.method ?? ''), status: statusLabel(msg.status) });
}

export function countMalformed(): void { malformed.inc(); }
