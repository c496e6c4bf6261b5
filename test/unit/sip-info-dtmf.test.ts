// DTMF in SIP INFO bodies (application/dtmf-relay, application/dtmf): the
// digit a phone pressed, or nothing for a body that does not hold one.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DTMF, DTMF_RELAY, MAX_INFO_DTMF_BODY, formatInfoDtmf, parseInfoDtmf } from '../../bridge/sip/message/info-dtmf.ts';

describe('application/dtmf-relay', () => {
  test('Signal and Duration lines → the digit and its duration', () => {
    assert.deepEqual(parseInfoDtmf(DTMF_RELAY, 'Signal=5\r\nDuration=160\r\n'), { digit: '5', durationMs: 160 });
  });

  test('spaces around "=", LF line ends, any case of the names, lower-case a–d', () => {
    assert.deepEqual(parseInfoDtmf(DTMF_RELAY, 'signal = d\nduration = 250\n'), { digit: 'D', durationMs: 250 });
    assert.deepEqual(parseInfoDtmf(DTMF_RELAY, '  Signal= #  \r\n'), { digit: '#', durationMs: undefined });
  });

  test('RFC 4733 event codes 10–15 stand for * # A B C D', () => {
    const got = ['10', '11', '12', '13', '14', '15'].map((code) => parseInfoDtmf(DTMF_RELAY, `Signal=${code}\r\nDuration=100\r\n`)?.digit);
    assert.deepEqual(got, ['*', '#', 'A', 'B', 'C', 'D']);
  });

  test('every keypad digit round-trips through formatInfoDtmf', () => {
    for (const digit of '0123456789*#ABCD') {
      assert.deepEqual(parseInfoDtmf(DTMF_RELAY, formatInfoDtmf(digit)), { digit, durationMs: 160 });
    }
    assert.equal(formatInfoDtmf('7'), 'Signal=7\r\nDuration=160\r\n');
  });

  test('bad bodies → no digit', () => {
    for (const body of [
      '', 'Duration=160\r\n', 'Signal=\r\n', 'Signal=55\r\n', 'Signal=E\r\n', 'Signal=16\r\n', 'Signal=5 6\r\n',
      'Signal=!\r\n', 'Signal=__proto__\r\n', 'Signal=constructor\r\n', 'hello',
    ]) {
      assert.equal(parseInfoDtmf(DTMF_RELAY, body), undefined, JSON.stringify(body));
    }
  });

  test('a Duration that is not 1–6 digits is left out, the digit still counts', () => {
    assert.deepEqual(parseInfoDtmf(DTMF_RELAY, 'Signal=1\r\nDuration=1234567\r\n'), { digit: '1', durationMs: undefined });
    assert.deepEqual(parseInfoDtmf(DTMF_RELAY, 'Signal=1\r\nDuration=-5\r\n'), { digit: '1', durationMs: undefined });
  });
});

describe('application/dtmf', () => {
  test('a bare digit, with or without surrounding whitespace', () => {
    assert.deepEqual(parseInfoDtmf(DTMF, '5'), { digit: '5' });
    assert.deepEqual(parseInfoDtmf(DTMF, ' * \r\n'), { digit: '*' });
    assert.deepEqual(parseInfoDtmf(DTMF, 'b'), { digit: 'B' });
  });

  test('a Signal= line, and the event codes 10–15', () => {
    assert.deepEqual(parseInfoDtmf(DTMF, 'Signal=9'), { digit: '9' });
    assert.deepEqual(parseInfoDtmf(DTMF, '11'), { digit: '#' });
  });

  test('bad bodies → no digit', () => {
    for (const body of ['', '  ', '55', 'x', '16', 'Signal=', '5\r\n6']) {
      assert.equal(parseInfoDtmf(DTMF, body), undefined, JSON.stringify(body));
    }
  });
});

test('other content types carry no digit, whatever the body', () => {
  assert.equal(parseInfoDtmf('application/sdp', 'Signal=5\r\n'), undefined);
  assert.equal(parseInfoDtmf(undefined, '5'), undefined);
  assert.equal(parseInfoDtmf('text/plain', '5'), undefined);
});

test('bodies are bounded: over MAX_INFO_DTMF_BODY no digit; long bodies are read in linear time', () => {
  const pad = ' '.repeat(MAX_INFO_DTMF_BODY - 'Signal=5\r\n'.length);
  assert.deepEqual(parseInfoDtmf(DTMF_RELAY, `Signal=5\r\n${pad}`), { digit: '5', durationMs: undefined });
  assert.equal(parseInfoDtmf(DTMF_RELAY, `Signal=5\r\n${pad} `), undefined);
  assert.equal(parseInfoDtmf(DTMF, `5${' '.repeat(MAX_INFO_DTMF_BODY)}`), undefined);
  // 60 KB of newlines once took 12 s in the old regular expressions: now refused at once, and even
  // at the bound a worst-case body costs well under a millisecond each.
  const started = performance.now();
  for (const body of ['\n'.repeat(60_000), '\n'.repeat(MAX_INFO_DTMF_BODY), `${'\r\n'.repeat(500)}Signal=#`]) {
    for (let i = 0; i < 100; i++) { parseInfoDtmf(DTMF_RELAY, body); parseInfoDtmf(DTMF, body); }
  }
  const ms = performance.now() - started;
  assert.ok(ms < 500, `600 worst-case bodies in ${ms.toFixed(0)} ms`);
  assert.deepEqual(parseInfoDtmf(DTMF_RELAY, `${'\r\n'.repeat(500)}Signal=#`), { digit: '#', durationMs: undefined });
});
