// The browser join's token (core/rooms/join-token.ts) and attempt limit
// (core/rooms/attempt-limit.ts): a token round-trips; a changed claim, another
// key, an expired or malformed token are refused; attempts are limited per key
// within the window and free again after it.
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JoinTokenError, JoinTokenSigner } from '../../core/rooms/join-token.ts';
import { AttemptLimit } from '../../core/rooms/attempt-limit.ts';

const NOW = 1_800_000_000_000;

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof JoinTokenError);
    return err.reason;
  }
  return 'accepted';
}

test('a token names room, role, kind, name and expires after its ttl', () => {
  const s = new JoinTokenSigner('0123456789abcdef0123', 30_000);
  const token = s.sign({ room: '123456', role: 'chair', kind: 'webrtc', name: 'Ann <b>' }, NOW);
  const c = s.verify(token, NOW + 29_999);
  assert.equal(c.room, '123456');
  assert.equal(c.role, 'chair');
  assert.equal(c.kind, 'webrtc');
  assert.equal(c.name, 'Ann <b>');
  assert.equal(c.exp, NOW + 30_000);
  assert.match(c.jti, /^[0-9a-f-]{36}$/);
  assert.equal(refusal(() => s.verify(token, NOW + 30_000)), 'expired');
});

test('tampered, foreign-key, malformed and oversized tokens are refused', () => {
  const s = new JoinTokenSigner('0123456789abcdef0123');
  const token = s.sign({ room: '123456', role: 'guest', kind: 'listen', name: '' }, NOW);
  const [body, mac] = token.split('.') as [string, string];
  const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, role: 'chair' })).toString('base64url');
  assert.equal(refusal(() => s.verify(`${forged}.${mac}`, NOW)), 'bad_signature');
  assert.equal(refusal(() => new JoinTokenSigner('another-secret-of-16').verify(token, NOW)), 'bad_signature');
  // Random per process when unset: two processes' keys differ.
  assert.equal(refusal(() => new JoinTokenSigner(undefined).verify(new JoinTokenSigner(undefined).sign({ room: '1', role: 'guest', kind: 'webrtc', name: '' }, NOW), NOW)), 'bad_signature');
  for (const bad of ['', 'abc', 'a.b.c', `${body}.`, '.x', 'x'.repeat(5000)]) assert.notEqual(refusal(() => s.verify(bad, NOW)), 'accepted', bad);
  // A well-signed body that is not claims is malformed.
  for (const junk of ['[1,2]', '{"room":1}', 'not json']) {
    const b = Buffer.from(junk).toString('base64url');
    const m = createHmac('sha256', '0123456789abcdef0123').update(b).digest('base64url');
    assert.equal(refusal(() => s.verify(`${b}.${m}`, NOW)), 'malformed', junk);
  }
  assert.equal(s.verify(token, NOW).kind, 'listen');
});

test('attempts: 5 per 10 minutes per key, any key at its limit refuses, the window frees them', () => {
  const l = new AttemptLimit({ max: 5, windowMs: 600_000 });
  for (let i = 0; i < 5; i++) assert.deepEqual(l.take(['link:a', 'addr:1'], NOW + i), { ok: true });
  const r = l.take(['link:a', 'addr:2'], NOW + 10);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.retryAfterMs, 600_000 - 10);
  // The address is at its limit on another link too; a fresh address on a fresh link is not.
  assert.equal(l.take(['link:b', 'addr:1'], NOW + 10).ok, false);
  assert.equal(l.take(['link:b', 'addr:3'], NOW + 10).ok, true);
  // The refused attempts were not counted: once the window passes, all five come back.
  assert.equal(l.take(['link:a', 'addr:1'], NOW + 600_000).ok, true);
  l.clear('link:a');
  assert.equal(l.take(['link:a'], NOW + 600_001).ok, true);
});

test('attempts: the remembered keys stay bounded', () => {
  const l = new AttemptLimit({ max: 1, windowMs: 600_000, maxKeys: 100 });
  for (let i = 0; i < 1000; i++) l.take([`addr:${i}`], NOW);
  // The oldest were forgotten (so they may try again); the newest are still limited.
  assert.equal(l.take(['addr:0'], NOW).ok, true);
  assert.equal(l.take(['addr:999'], NOW).ok, false);
});

test('rating: a browser leg (webrtc) takes the webrtc rate and no other; nothing else takes it', async () => {
  const { findRate, destinationClassOf } = await import('../../core/billing/rating.ts');
  const rates = [
    { id: 'in', direction: 'in' as const, destinationClass: 'access_number' as const, accessNumberId: 'a1', prefix: null, perMinuteMinor: 10, incrementS: 60 },
    { id: 'web', direction: 'webrtc' as const, destinationClass: 'webrtc' as const, accessNumberId: null, prefix: null, perMinuteMinor: 3, incrementS: 6 },
  ];
  assert.equal(findRate(rates, 'webrtc', { kind: 'webrtc' })?.id, 'web');
  assert.equal(findRate(rates, 'in', { kind: 'webrtc' }), undefined);
  assert.equal(findRate(rates, 'webrtc', { kind: 'access_number', accessNumberId: 'a1' }), undefined);
  assert.equal(findRate(rates.slice(0, 1), 'webrtc', { kind: 'webrtc' }), undefined);
  assert.equal(destinationClassOf({ kind: 'webrtc' }), 'webrtc');
});
