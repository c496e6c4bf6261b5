// The API token string (core/tokens/token-string.ts): `cbt_<10 hex>_<43
// base64url>`, 32 random bytes of secret, compared by SHA-256 in constant
// time; anything else — longer, shorter, other letters, padding, spaces — is
// not a token. And the scope table's fail-closed default.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { newTokenParts, parseToken, secretHash, secretMatches, tokenString } from '../../core/tokens/token-string.ts';
import { requiredScopes } from '../../web/http/token-scopes.ts';

describe('API token string', () => {
  it('round-trips, 256 bits of secret, a fresh one each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = newTokenParts();
      assert.equal(Buffer.from(p.secret, 'base64url').length, 32);
      assert.deepEqual(parseToken(tokenString(p)), p);
      assert.ok(secretMatches(p.secret, secretHash(p.secret)));
      seen.add(p.secret);
    }
    assert.equal(seen.size, 200);
  });

  it('refuses what is not a token; a secret that differs anywhere does not match', () => {
    const p = newTokenParts();
    const s = tokenString(p);
    for (const bad of ['', 'cbt_', s + 'A', s.slice(0, -1), ` ${s}`, s.replace('cbt_', 'CBT_'), s.replace(p.prefix, p.prefix.toUpperCase().replace(/[0-9]/g, 'G')), `${s}=`, 'x'.repeat(10_000)]) {
      assert.equal(parseToken(bad), undefined, JSON.stringify(bad.slice(0, 80)));
    }
    fc.assert(fc.property(fc.nat({ max: 42 }), fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'), (i, ch) => {
      const other = p.secret.slice(0, i) + ch + p.secret.slice(i + 1);
      return secretMatches(other, secretHash(p.secret)) === (other === p.secret);
    }), { numRuns: 300 });
    assert.equal(secretMatches(p.secret, 'not hex'), false);
  });

  it('opens no route a rule does not name (fail closed)', () => {
    assert.equal(requiredScopes({ method: 'get', path: '/api/future-feature', tag: 'future-feature', access: 'account' }), null);
    assert.equal(requiredScopes({ method: 'post', path: '/api/webhooks', tag: 'webhooks', access: 'admin' }), null, 'administration changes are session-only');
    assert.deepEqual(requiredScopes({ method: 'get', path: '/api/webhooks', tag: 'webhooks', access: 'admin' }), ['read']);
    assert.equal(requiredScopes({ method: 'post', path: '/api/account/conveners', tag: 'account', access: 'owner' }), null);
    assert.equal(requiredScopes({ method: 'get', path: '/api/rooms', tag: 'rooms', access: 'operator' }), null);
    assert.deepEqual(requiredScopes({ method: 'get', path: '/api/rooms', tag: 'rooms', access: 'owner' }), ['read']);
  });
});
