// One webhook request on the wire (web/webhooks/http-post.ts), against real
// servers on 127.0.0.1: a name re-pointed at a forbidden address after the
// save (DNS rebinding) is not contacted, an allowed one is reached at the
// checked address with the name as Host; an IP literal that is not allowed
// is refused before connecting; a closed port and a server that never
// answers are network errors (retried), bounded by the timeout; over https
// the URL's name goes as SNI while connecting to the checked address, and a
// certificate nobody vouches for is refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createTlsServer } from 'node:https';
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { AddressGuard } from '../../web/webhooks/address-guard.ts';
import { postWebhook } from '../../web/webhooks/http-post.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const FAST = { allow: ['127.0.0.1/32'] };

describe('a webhook request', () => {
  let rx: WebhookReceiver;
  before(async () => { rx = await WebhookReceiver.start(); });
  after(async () => { await rx?.close(); });

  it('at send time, a name that now resolves to a forbidden address is not contacted; an allowed one is reached by its checked address with the name as Host', async () => {
    let points = '93.184.216.34';
    const guard = new AddressGuard({ allow: FAST.allow, resolve: async () => [points] });
    assert.deepEqual(await guard.check('hooks.example'), ['93.184.216.34'], 'fine at save time');
    points = '127.0.0.2'; // re-pointed at loopback that is not allowed
    const before = rx.received.length;
    const r = await postWebhook(guard, `http://hooks.example:${rx.port}/x`, '{}', {}, 2000);
    assert.equal(r.status, null);
    assert.equal(r.refused, true);
    assert.match(r.error ?? '', /127\.0\.0\.2.*loopback/);
    points = '127.0.0.1'; // allowed: connected to that address, Host keeps the name
    const ok = await postWebhook(guard, `http://hooks.example:${rx.port}/rebind-ok`, '{}', {}, 2000);
    assert.equal(ok.status, 200, ok.error ?? '');
    assert.equal(rx.received.length, before + 1, 'only the allowed one arrived');
    assert.equal(rx.received.at(-1)!.headers.host, `hooks.example:${rx.port}`);
    // An IP literal that is not allowed: refused before any connection.
    const lit = await postWebhook(guard, `http://127.0.0.2:${rx.port}/x`, '{}', {}, 2000);
    assert.equal(lit.refused, true);
    assert.equal(rx.received.length, before + 1);
  });

  it('network errors are answers too: a closed port, no answer within the timeout, an untrusted certificate (SNI is the URL\'s name)', async () => {
    const guard = new AddressGuard({ allow: FAST.allow, resolve: async () => ['127.0.0.1'] });
    // A port nobody listens on.
    const closed = createTcpServer();
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((res) => closed.close(() => res()));
    const refused = await postWebhook(guard, `http://127.0.0.1:${closedPort}/`, '{}', {}, 2000);
    assert.equal(refused.status, null);
    assert.match(refused.error ?? '', /ECONNREFUSED/);
    assert.equal(refused.refused, undefined, 'a network error, retried');
    // A server that takes the request and never answers.
    const sockets: Socket[] = [];
    const silent = createTcpServer((sock) => { sockets.push(sock); });
    await new Promise<void>((res) => silent.listen(0, '127.0.0.1', res));
    const started = Date.now();
    const slow = await postWebhook(guard, `http://127.0.0.1:${(silent.address() as AddressInfo).port}/`, '{}', {}, 400);
    assert.equal(slow.status, null);
    assert.match(slow.error ?? '', /no answer within 400 ms/);
    assert.ok(Date.now() - started < 2000, 'bounded by the timeout');
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((res) => silent.close(() => res()));
    // https to the checked address: the name goes as SNI, and a certificate nobody vouches for is refused.
    const tls = new URL('../fixtures/tls/', import.meta.url);
    const names: string[] = [];
    let requests = 0;
    const pair = { key: readFileSync(new URL('hooks-test.key', tls)), cert: readFileSync(new URL('hooks-test.crt', tls)) };
    const secure = createTlsServer({ ...pair, SNICallback: (name, cb) => { names.push(name); cb(null, createSecureContext(pair)); } }, (_req, res) => { requests++; res.end('ok'); });
    secure.on('tlsClientError', () => undefined);
    await new Promise<void>((res) => secure.listen(0, '127.0.0.1', res));
    try {
      const r = await postWebhook(guard, `https://hooks.test:${(secure.address() as AddressInfo).port}/`, '{}', {}, 3000);
      assert.equal(r.status, null);
      assert.match(r.error ?? '', /self[- ]signed|certificate/i);
      assert.equal(requests, 0, 'nothing was sent over it');
      assert.deepEqual(names, ['hooks.test'], 'SNI: the URL\'s name, though connected to the checked address');
    } finally {
      secure.closeAllConnections();
      await new Promise<void>((res) => secure.close(() => res()));
    }
  });
});
