// The room form's auto-invite lines (web/rooms/room-input.ts): "TARGET
// [dtmf=KEYS] [name]", the DTMF checked, and the line written back the same way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ValidationError } from '../../core/errors.ts';
import { autoInviteLine, normaliseAutoInvites } from '../../web/rooms/room-input.ts';

test('a video-meeting line keeps its DTMF; a plain line has none; both round-trip', () => {
  const out = normaliseAutoInvites(['sip:123@video.example.com dtmf=123456#,,9999# Weekly Zoom', '13900139001 张伟', { target: 'sip:9@v.example.com', dtmf: '1#' }], 'CN');
  assert.deepEqual(out, [
    { target: 'sip:123@video.example.com', name: 'Weekly Zoom', dtmf: '123456#,,9999#' },
    { target: '+8613900139001', name: '张伟', dtmf: '' },
    { target: 'sip:9@v.example.com', name: '', dtmf: '1#' },
  ]);
  assert.equal(autoInviteLine(out[0]!), 'sip:123@video.example.com dtmf=123456#,,9999# Weekly Zoom');
  assert.deepEqual(normaliseAutoInvites(out.map(autoInviteLine), 'CN'), out);
});

test('bad DTMF is refused with its line number', () => {
  assert.throws(() => normaliseAutoInvites(['13900139001', 'sip:1@v.example.com dtmf=12x#'], 'CN'),
    (e: unknown) => e instanceof ValidationError && /line 2/.test(e.message));
});
