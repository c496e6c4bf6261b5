// Digest challenge parsing and choice (RFC 3261 §25.1, RFC 8760 §2.4).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChallenge, pickChallenge, usableAlgorithm } from '../../bridge/sip/auth/challenge.ts';
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
