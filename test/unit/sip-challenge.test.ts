// Digest challenge parsing and choice (RFC 3261 §25.1, RFC 8760 §2.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { credentialsFor, parseChallenge, pickChallenge, usableAlgorithm } from '../../bridge/sip/auth/challenge.ts';
import { SipParseError } from '../../bridge/sip/grammar/parse-error.ts';

test('a 407 challenge with quoted and token params', () => {
  const c = parseChallenge('Digest realm="carrier.example", nonce="abc,123", qop="auth,auth-int", algorithm=SHA-256, opaque="o1", stale=TRUE');
  assert.deepEqual(c, { realm: 'carrier.example', nonce: 'abc,123', qop: ['auth', 'auth-int'], algorithm: 'SHA-256', opaque: 'o1', stale: true });
  assert.equal(usableAlgorithm(c), 'SHA-256');
});

test('defaults: MD5, no qop, not stale', () => {
  const c = parseChallenge('Digest realm="r",nonce="n"');
  assert.deepEqual(c, { realm: 'r', nonce: 'n', qop: [], algorithm: 'MD5', stale: false });
});

test('SHA-256 preferred over MD5; unusable ones skipped', () => {
  const md5 = parseChallenge('Digest realm="r", nonce="1", algorithm=MD5, qop="auth"');
  const sha = parseChallenge('Digest realm="r", nonce="2", algorithm=SHA-256, qop="auth"');
  const odd = parseChallenge('Digest realm="r", nonce="3", algorithm=SHA-512-256');
  assert.equal(pickChallenge([md5, sha])!.nonce, '2');
  assert.equal(pickChallenge([odd, md5])!.nonce, '1');
  assert.equal(pickChallenge([odd]), null);
  assert.equal(usableAlgorithm(parseChallenge('Digest realm="r", nonce="n", qop="auth-int"')), null);
});

test('bad challenges are SipParseErrors', () => {
  for (const bad of ['Basic realm="r"', 'Digest realm="r"', 'Digest realm="r", nonce', 'Digest realm="r", nonce="n" x']) {
    assert.throws(() => parseChallenge(bad), SipParseError, bad);
  }
});

test('credentialsFor: the RFC 2617 §3.5 vector as a header value, opaque echoed', () => {
  const c = parseChallenge('Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"');
  const v = credentialsFor(c, { username: 'Mufasa', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html', cnonce: '0a4f113b' });
  assert.match(v, /response="6629fae49393a05397450978507c4ef1"/);
  assert.match(v, /opaque="5ccc069c403ebaf9f0171e9517f40e41"/);
  assert.match(v, /qop=auth, nc=00000001/);
  assert.doesNotMatch(v, /Circle/);
  const noQop = credentialsFor(parseChallenge('Digest realm="r", nonce="n"'), { username: 'u', password: 'p', method: 'INVITE', uri: 'sip:1@h', cnonce: 'x' });
  assert.doesNotMatch(noQop, /cnonce|qop|nc=/);
});
