// RFC 3261 §17: creates transactions, matches incoming messages to them
// (§17.1.3 for responses, §17.2.3 for requests) and hands the rest to the TU.
import type { Via } from '../grammar/types.ts';
import type { SipRequest, SipResponse } from '../message/message.ts';
import type { Destination } from '../transport/types.ts';
import { InviteClientTransaction } from './invite-client-transaction.ts';
import { InviteServerTransaction } from './invite-server-transaction.ts';
import { NonInviteClientTransaction } from './non-invite-client-transaction.ts';
import { NonInviteServerTransaction } from './non-invite-server-transaction.ts';
import type { ClientTransactionUser, TransactionContext } from './types.ts';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;
export type ClientTransaction = InviteClientTransaction | NonInviteClientTransaction;

export const MAGIC_COOKIE = 'z9hG4bK';

export interface TransactionLayerUser {
  /** A new request with the server transaction created for it. */
  onRequest(req: SipRequest, txn: ServerTransaction, source: Destination): void;
  /** An ACK that matched no transaction: the ACK for a 2xx (RFC 3261 §17.2.3, §13.3.1.4). */
  onAck(ack: SipRequest, source: Destination): void;
  /** A CANCEL (its own transaction) and the INVITE transaction it cancels, if found (§9.2). */
  onCancel(cancel: SipRequest, txn: NonInviteServerTransaction, invite: InviteServerTransaction | undefined): void;
  /** A response that matched no client transaction (e.g. a retransmitted 2xx, RFC 3261 §13.2.2.4). */
  onStrayResponse(res: SipResponse): void;
}

function sentBy(via: Via): string {
  return `${via.host}:${via.port ?? ''}`;
}

/** RFC 3261 §17.2.3 matching key of a server transaction; ACK and CANCEL keyed as the spec says. */
export function serverTransactionKey(req: SipRequest, methodOverride?: string): string {
  const via = req.via[0];
  const method = methodOverride ?? (req.method === 'ACK' ? 'INVITE' : req.method);
  const branch = via?.params.get('branch') ?? '';
  if (via && branch.startsWith(MAGIC_COOKIE)) return `${branch}|${sentBy(via)}|${method}`;
  // RFC 2543 peers (no magic cookie): §17.2.3 fallback, simplified.
  return `2543|${req.callId}|${req.cseq.seq}|${req.from.params.get('tag') ?? ''}|${via ? sentBy(via) : ''}|${method}`;
}

export function clientTransactionKey(branch: string, method: string): string {
  return `${branch}|${method === 'ACK' ? 'INVITE' : method}`;
}

export class TransactionLayer {
  private readonly server = new Map<string, ServerTransaction>();
  private readonly client = new Map<string, ClientTransaction>();

  constructor(readonly ctx: TransactionContext, private readonly tu: TransactionLayerUser) {}

  get serverCount(): number { return this.server.size; }
  get clientCount(): number { return this.client.size; }

  /** Whether a server transaction with this key is running (a request with it is a retransmission). */
  hasServer(key: string): boolean { return this.server.has(key); }

  receiveRequest(req: SipRequest, source: Destination, responseDest: Destination): void {
    const key = serverTransactionKey(req);
    const existing = this.server.get(key);
    if (existing) {
      // Retransmission (or the ACK of a non-2xx final response).
      existing.receiveRequest(req);
      return;
    }
    if (req.method === 'ACK') { this.tu.onAck(req, source); return; }
    if (req.method === 'CANCEL') {
      const txn = this.addServer(new NonInviteServerTransaction(key, this.ctx, responseDest, req));
      const invite = this.server.get(serverTransactionKey(req, 'INVITE'));
      this.tu.onCancel(req, txn, invite instanceof InviteServerTransaction ? invite : undefined);
      return;
    }
    const txn = req.method === 'INVITE'
      ? this.addServer(new InviteServerTransaction(key, this.ctx, responseDest, req))
      : this.addServer(new NonInviteServerTransaction(key, this.ctx, responseDest, req));
    this.tu.onRequest(req, txn, source);
  }

  receiveResponse(res: SipResponse): void {
    const branch = res.via[0]?.params.get('branch');
    const txn = branch ? this.client.get(clientTransactionKey(branch, res.cseq.method)) : undefined;
    if (txn) { txn.receiveResponse(res); return; }
    this.tu.onStrayResponse(res);
  }

  /** Starts a client transaction for `req` (its top Via must carry a fresh branch). */
  sendRequest(req: SipRequest, dest: Destination, user: ClientTransactionUser): ClientTransaction {
    const branch = req.via[0]?.params.get('branch');
    if (!branch) throw new Error('request has no Via branch');
    const key = clientTransactionKey(branch, req.method);
    const txn = req.method === 'INVITE'
      ? new InviteClientTransaction(key, this.ctx, dest, req, user)
      : new NonInviteClientTransaction(key, this.ctx, dest, req, user);
    this.client.set(key, txn);
    txn.onTerminated(() => { if (this.client.get(key) === txn) this.client.delete(key); });
    txn.start();
    return txn;
  }

  /** Ends every transaction (shutdown). */
  close(): void {
    for (const t of [...this.server.values(), ...this.client.values()]) t.terminate();
  }

  private addServer<T extends ServerTransaction>(txn: T): T {
    this.server.set(txn.key, txn);
    txn.onTerminated(() => { if (this.server.get(txn.key) === txn) this.server.delete(txn.key); });
    return txn;
  }
}
