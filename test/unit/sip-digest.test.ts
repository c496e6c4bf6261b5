// Digest computation against the published vectors (RFC 2617 §3.5, RFC 7616 §3.9.1).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestResponse } from '../../bridge/sip/auth/digest.ts';

test('RFC 2617 §3.5: MD5 with qop=auth', () => {
  assert.equal(digestResponse({
    algorithm: 'MD5', username: 'Mufasa', password: 'Circle Of Life', realm: 'testrealm@host.com',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html',
    qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
  }), '6629fae49393a05397450978507c4ef1');
});

const rfc7616 = {
  username: 'Mufasa', password: 'Circle of Life', realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', method: 'GET', uri: '/dir/index.html',
  qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

test('RFC 7616 §3.9.1: SHA-256 with qop=auth', () => {
  assert.equal(digestResponse({ ...rfc7616, algorithm: 'SHA-256' }),
    '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('RFC 7616 §3.9.1: MD5 with qop=auth', () => {
  assert.equal(digestResponse({ ...rfc7616, algorithm: 'MD5' }), '8ca523f5e9506fed4657c9700eebdbec');
});

test('no qop: RFC 2069 form H(HA1:nonce:HA2), and -sess needs a cnonce', () => {
  const base = { algorithm: 'MD5' as const, username: 'a', password: 'b', realm: 'r', nonce: 'n', method: 'INVITE', uri: 'sip:1@h' };
  assert.match(digestResponse(base), /^[0-9a-f]{32}$/);
  assert.notEqual(digestResponse(base), digestResponse({ ...base, password: 'c' }));
  assert.throws(() => digestResponse({ ...base, algorithm: 'MD5-sess' }), RangeError);
  assert.throws(() => digestResponse({ ...base, qop: 'auth' }), RangeError);
});
