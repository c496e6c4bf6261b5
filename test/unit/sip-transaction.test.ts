// RFC 3261 §17 transaction timers on a fake clock: retransmission schedules,
// timeouts (→ 408 at the TU), absorption of retransmissions, ACK for non-2xx.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { SipMessage, SipRequest, SipResponse } from '../../bridge/sip/message/message.ts';
import { createResponse } from '../../bridge/sip/message/responses.ts';
import { FakeClock } from '../support/step-clock.ts';
import { DEFAULT_TIMERS } from '../../bridge/sip/transaction/timers.ts';
import { TransactionLayer, type TransactionLayerUser } from '../../bridge/sip/transaction/transaction-layer.ts';
import type { Destination } from '../../bridge/sip/transport/types.ts';

const UDP: Destination = { transport: 'udp', address: '127.0.0.1', port: 5070 };
const TCP: Destination = { transport: 'tcp', address: '127.0.0.1', port: 5070 };

function request(method: string, branch = 'z9hG4bKtest1'): SipRequest {
  const uri = { scheme: 'sip' as const, user: 'room', host: '127.0.0.1', port: 5060, params: new Map(), headers: new Map() };
  return {
    kind: 'request', method, uri,
    via: [{ transport: 'UDP', host: '127.0.0.1', port: 5070, params: new Map<string, string | null>([['branch', branch]]) }],
    from: { uri, params: new Map([['tag', 'from1']]) },
    to: { uri, params: new Map() },
    callId: 'call-1@test', cseq: { seq: 1, method }, contact: [], maxForwards: 70, headers: [], body: Buffer.alloc(0),
  };
}

function response(req: SipRequest, status: number): SipResponse {
  return createResponse(req, status, { toTag: 'to1' });
}

function harness() {
  const clock = new FakeClock();
  const sent: Array<{ at: number; msg: SipMessage }> = [];
  const tuEvents: string[] = [];
  const requests: Array<{ req: SipRequest; txn: import('../../bridge/sip/transaction/transaction-layer.ts').ServerTransaction }> = [];
  const user: TransactionLayerUser = {
    onRequest: (req, txn) => { requests.push({ req, txn }); },
    onAck: () => { tuEvents.push('ack-2xx'); },
    onCancel: () => { tuEvents.push('cancel'); },
    onStrayResponse: (res) => { tuEvents.push(`stray ${res.status}`); },
  };
  const layer = new TransactionLayer({ clock, timers: DEFAULT_TIMERS, sender: { send: (msg) => { sent.push({ at: clock.now(), msg }); } } }, user);
  const clientUser = {
    onResponse: (res: SipResponse) => tuEvents.push(`response ${res.status}`),
    onTimeout: () => tuEvents.push('timeout 408'),
    onTransportError: () => tuEvents.push('transport error'),
  };
  return { clock, sent, tuEvents, layer, requests, clientUser };
}

const times = (sent: Array<{ at: number; msg: SipMessage }>, pick: (m: SipMessage) => boolean) => sent.filter((s) => pick(s.msg)).map((s) => s.at);
const isReq = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;

describe('RFC 3261 §17.1.2 non-INVITE client transaction', () => {
  test('§17.1.2.2 Timer E doubles to T2 over UDP and Timer F times out at 64*T1 → 408', () => {
    const h = harness();
    h.layer.sendRequest(request('OPTIONS'), UDP, h.clientUser);
    h.clock.advance(40_000);
    assert.deepEqual(times(h.sent, isReq('OPTIONS')), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.deepEqual(h.tuEvents, ['timeout 408']);
    assert.equal(h.layer.clientCount, 0);
  });

  test('§17.1.2.2 after a provisional response retransmissions come every T2', () => {
    const h = harness();
    const req = request('BYE');
    h.layer.sendRequest(req, UDP, h.clientUser);
    h.clock.advance(600);
    h.layer.receiveResponse(response(req, 100));
    h.clock.advance(10_000 - 600);
    assert.deepEqual(times(h.sent, isReq('BYE')), [0, 500, 1500, 5500, 9500]);
  });

  test('§17.1.2.2 a final response completes it; retransmitted finals are absorbed; Timer K = T4', () => {
    const h = harness();
    const req = request('BYE');
    h.layer.sendRequest(req, UDP, h.clientUser);
    h.layer.receiveResponse(response(req, 200));
    h.layer.receiveResponse(response(req, 200));
    assert.deepEqual(h.tuEvents, ['response 200']);
    h.clock.advance(4999);
    assert.equal(h.layer.clientCount, 1);
    h.clock.advance(1);
    assert.equal(h.layer.clientCount, 0);
    assert.equal(h.sent.length, 1, 'no retransmission after the final response');
  });

  test('§17.1.2.2 over TCP nothing is retransmitted and Timer F still fires', () => {
    const h = harness();
    h.layer.sendRequest(request('OPTIONS'), TCP, h.clientUser);
    h.clock.advance(31_999);
    assert.deepEqual(h.tuEvents, []);
    h.clock.advance(1);
    assert.equal(h.sent.length, 1);
    assert.deepEqual(h.tuEvents, ['timeout 408']);
  });
});

describe('RFC 3261 §17.1.1 INVITE client transaction', () => {
  test('§17.1.1.2 Timer A doubles without cap and Timer B times out at 64*T1 → 408', () => {
    const h = harness();
    h.layer.sendRequest(request('INVITE'), UDP, h.clientUser);
    h.clock.advance(40_000);
    assert.deepEqual(times(h.sent, isReq('INVITE')), [0, 500, 1500, 3500, 7500, 15500, 31500]);
    assert.deepEqual(h.tuEvents, ['timeout 408']);
  });

  test('§17.1.1.2 a provisional response stops retransmission and Timer B', () => {
    const h = harness();
    const req = request('INVITE');
    h.layer.sendRequest(req, UDP, h.clientUser);
    h.clock.advance(700);
    h.layer.receiveResponse(response(req, 180));
    h.clock.advance(120_000);
    assert.deepEqual(times(h.sent, isReq('INVITE')), [0, 500]);
    assert.deepEqual(h.tuEvents, ['response 180']);
  });

  test('§17.1.1.3 a 486 is acknowledged in the transaction; its retransmission gets the same ACK; Timer D = 32 s', () => {
    const h = harness();
    const req = request('INVITE');
    const txn = h.layer.sendRequest(req, UDP, h.clientUser);
    const busy = response(req, 486);
    h.layer.receiveResponse(busy);
    h.layer.receiveResponse(busy);
    const acks = h.sent.filter((s) => isReq('ACK')(s.msg)).map((s) => s.msg as SipRequest);
    assert.equal(acks.length, 2);
    assert.equal(acks[0], acks[1], 'the very same ACK is re-sent');
    const ack = acks[0]!;
    assert.equal(ack.via[0]!.params.get('branch'), 'z9hG4bKtest1', 'same branch as the INVITE');
    assert.equal(ack.cseq.seq, 1);
    assert.equal(ack.cseq.method, 'ACK');
    assert.equal(ack.to.params.get('tag'), 'to1', 'To with the response tag');
    assert.deepEqual(h.tuEvents, ['response 486'], 'the TU hears of the 486 once');
    assert.equal(txn.state, 'completed');
    h.clock.advance(31_999);
    assert.equal(txn.state, 'completed');
    h.clock.advance(1);
    assert.equal(txn.state, 'terminated');
  });

  test('RFC 6026 §8.4: after a 2xx the transaction is Accepted and passes retransmitted 2xx to the TU', () => {
    const h = harness();
    const req = request('INVITE');
    const txn = h.layer.sendRequest(req, UDP, h.clientUser);
    h.layer.receiveResponse(response(req, 200));
    h.layer.receiveResponse(response(req, 200));
    assert.deepEqual(h.tuEvents, ['response 200', 'response 200']);
    assert.equal(txn.state, 'accepted');
    assert.equal(h.sent.filter((s) => isReq('ACK')(s.msg)).length, 0, 'the ACK for a 2xx is the TU\'s job');
    h.clock.advance(32_000);
    assert.equal(txn.state, 'terminated');
    h.layer.receiveResponse(response(req, 200));
    assert.deepEqual(h.tuEvents.at(-1), 'stray 200');
  });
});

describe('RFC 3261 §17.2.1 INVITE server transaction', () => {
  test('§17.2.1 a retransmitted INVITE is absorbed and answered with the last response', () => {
    const h = harness();
    const req = request('INVITE');
    h.layer.receiveRequest(req, UDP, UDP);
    h.layer.receiveRequest(request('INVITE'), UDP, UDP);
    assert.equal(h.requests.length, 1, 'the TU sees the INVITE once');
    const txn = h.requests[0]!.txn;
    txn.respond(response(req, 180));
    h.layer.receiveRequest(request('INVITE'), UDP, UDP);
    assert.deepEqual(h.sent.map((s) => (s.msg as SipResponse).status), [180, 180]);
  });

  test('§17.2.1 Timer G retransmits a non-2xx final (T1 doubling to T2) until Timer H at 64*T1', () => {
    const h = harness();
    const req = request('INVITE');
    let ackTimeout = 0;
    h.layer.receiveRequest(req, UDP, UDP);
    const txn = h.requests[0]!.txn as import('../../bridge/sip/transaction/invite-server-transaction.ts').InviteServerTransaction;
    txn.tu = { onAckTimeout: () => { ackTimeout++; } };
    txn.respond(response(req, 486));
    h.clock.advance(40_000);
    assert.deepEqual(h.sent.map((s) => s.at), [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    assert.equal(ackTimeout, 1);
    assert.equal(txn.state, 'terminated');
  });

  test('§17.2.1 the ACK of a non-2xx stops Timer G, Confirmed absorbs ACKs, Timer I = T4', () => {
    const h = harness();
    const req = request('INVITE');
    h.layer.receiveRequest(req, UDP, UDP);
    const txn = h.requests[0]!.txn;
    txn.respond(response(req, 487));
    h.clock.advance(600);
    h.layer.receiveRequest(request('ACK'), UDP, UDP);
    h.layer.receiveRequest(request('ACK'), UDP, UDP);
    assert.equal(txn.state, 'confirmed');
    assert.deepEqual(h.tuEvents, [], 'the ACK of a non-2xx does not reach the TU');
    h.clock.advance(10_000);
    assert.deepEqual(h.sent.map((s) => s.at), [0, 500]);
    assert.equal(txn.state, 'terminated');
  });

  test('RFC 6026 §7.1: after a 2xx, retransmitted INVITEs are absorbed (Accepted, Timer L)', () => {
    const h = harness();
    const req = request('INVITE');
    h.layer.receiveRequest(req, UDP, UDP);
    const txn = h.requests[0]!.txn;
    txn.respond(response(req, 200));
    h.layer.receiveRequest(request('INVITE'), UDP, UDP);
    assert.equal(h.requests.length, 1);
    assert.equal(h.sent.length, 1, 'the transaction does not answer a retransmitted INVITE itself after a 2xx');
    assert.equal(txn.state, 'accepted');
    h.clock.advance(32_000);
    assert.equal(txn.state, 'terminated');
  });

  test('§17.2.3 a CANCEL matches the INVITE transaction by branch', () => {
    const h = harness();
    h.layer.receiveRequest(request('INVITE'), UDP, UDP);
    h.layer.receiveRequest(request('CANCEL'), UDP, UDP);
    assert.deepEqual(h.tuEvents, ['cancel']);
  });
});

describe('RFC 3261 §17.2.2 non-INVITE server transaction', () => {
  test('retransmissions absorbed in Trying, answered in Completed; Timer J = 64*T1 over UDP', () => {
    const h = harness();
    const req = request('BYE');
    h.layer.receiveRequest(req, UDP, UDP);
    h.layer.receiveRequest(request('BYE'), UDP, UDP);
    assert.equal(h.sent.length, 0);
    const txn = h.requests[0]!.txn;
    txn.respond(response(req, 200));
    h.layer.receiveRequest(request('BYE'), UDP, UDP);
    assert.equal(h.sent.length, 2);
    assert.equal(h.requests.length, 1);
    h.clock.advance(31_999);
    assert.equal(txn.state, 'completed');
    h.clock.advance(1);
    assert.equal(txn.state, 'terminated');
  });

  test('over TCP Timer J is 0', () => {
    const h = harness();
    const req = request('BYE');
    h.layer.receiveRequest(req, TCP, TCP);
    const txn = h.requests[0]!.txn;
    txn.respond(response(req, 200));
    h.clock.advance(0);
    assert.equal(txn.state, 'terminated');
  });
});
