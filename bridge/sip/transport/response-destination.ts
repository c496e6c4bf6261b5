// Where the responses to a request go (RFC 3261 §18.2.2, RFC 3581 §4): the
// server transaction's destination, worked out from the request's top Via.
import type { SipRequest } from '../message/message.ts';
import type { Destination } from './types.ts';

/**
 * RFC 3261 §18.2.2 and RFC 3581 §4: where the responses to a request go —
 * back over the same connection for TCP; for UDP to `received`:`rport` when
 * the client asked for rport, otherwise to the Via's address and port.
 */
export function responseDestination(req: SipRequest, source: Destination): Destination {
  if (source.transport !== 'udp') return source;
  const via = req.via[0];
  if (!via) return source;
  const rport = via.params.get('rport');
  if (rport) return { transport: 'udp', address: via.params.get('received') ?? source.address, port: Number(rport) };
  return { transport: 'udp', address: via.params.get('received') ?? via.host, port: via.port ?? 5060 };
}
