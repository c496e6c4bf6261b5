// Fuzz target: DTMF in SIP INFO bodies (bridge/sip/message/info-dtmf.ts):
// application/dtmf-relay ("Signal=5\r\nDuration=160") and application/dtmf
// ("5"), read as the call leg reads them (the body decoded as UTF-8).
// Seeds: what Cisco-style phones, PBXs and the bridge itself send.
// Structure: Signal/Duration lines with generated spacing, case, values
// and line ends. Property: parseInfoDtmf never throws; it returns nothing or
// one keypad digit with, for dtmf-relay, a whole duration of at most 6
// digits; a body is read in bounded time whatever its size (up to a whole
// SIP datagram).
import fc from 'fast-check';
import { DTMF, DTMF_RELAY, formatInfoDtmf, parseInfoDtmf } from '../../../bridge/sip/message/info-dtmf.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const DIGITS = '0123456789*#ABCD';
const CONTENT_TYPES = [DTMF_RELAY, DTMF, 'text/plain', undefined];

const line = fc.tuple(fc.constantFrom('Signal', 'signal', 'SIGNAL', 'Duration', 'duration', 'Volume', 'X'), fc.constantFrom('=', ' = ', '= ', ':', '=\t'),
  fc.oneof(fc.constantFrom(...DIGITS.split(''), '10', '11', '15', '16', 'a', '**', '', '160', '999999', '1000000', '-5', '1e3'), fc.string({ maxLength: 6 })))
  .map(([k, s, v]) => `${k}${s}${v}`);
const structured = fc.tuple(fc.array(line, { maxLength: 5 }), fc.constantFrom('\r\n', '\n', '\r', ' '), fc.boolean())
  .map(([ls, eol, trailing]) => Buffer.from(ls.join(eol) + (trailing ? eol : ''), 'utf8'));

function run(input: Buffer): void {
  const body = input.toString('utf8');
  for (const ct of CONTENT_TYPES) {
    const r = parseInfoDtmf(ct, body);
    if (r === undefined) continue;
    if (ct !== DTMF_RELAY && ct !== DTMF) throw new InvariantError(`a digit from content type ${String(ct)}`);
    if (r.digit.length !== 1 || !DIGITS.includes(r.digit)) throw new InvariantError(`digit ${JSON.stringify(r.digit)}`);
    if (r.durationMs !== undefined && (!Number.isInteger(r.durationMs) || r.durationMs < 0 || r.durationMs > 999_999)) {
      throw new InvariantError(`duration ${r.durationMs}`);
    }
  }
}

export const infoDtmfTarget: FuzzTarget = {
  name: 'info-dtmf',
  seeds: ['Signal=5\r\nDuration=160\r\n', 'Signal= 11\r\nDuration= 250\r\n', 'signal=#\nduration=100\n', '5', ' * \r\n', 'Signal=10',
    formatInfoDtmf('D', 320)].map((s) => Buffer.from(s, 'utf8')),
  structured,
  dictionary: ['\r\n', '\n', '\r', ' ', '\t', '=', 'Signal', 'Duration', '\x00', '\xff', '\xc3\xa9', '\u3000'],
  expected: () => false,
  run,
};
