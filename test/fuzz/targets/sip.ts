// Fuzz target: the SIP parser (bridge/sip/message/parser.ts and the grammar
// under bridge/sip/grammar/). Seeds: the typical messages of
// test/fixtures/sip/, every RFC 4475 torture message, and responses the
// bridge itself builds (createResponse → serializeMessage). Structure:
// requests and responses assembled from generated Via, From/To, Call-ID,
// CSeq, Contact and extension headers in long and compact forms.
// Property: parseMessage returns a message or throws SipParseError; an
// accepted message serialises to bytes it accepts again, as the same message
// (RFC 3261 §7) when that form is within the size limit; a SipParseError with a context has a Via to answer to.
import { readFileSync, readdirSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { SipParseError } from '../../../bridge/sip/grammar/parse-error.ts';
import { MAX_MESSAGE_SIZE } from '../../../bridge/sip/grammar/scalar-headers.ts';
import type { SipMessage } from '../../../bridge/sip/message/message.ts';
import { parseMessage } from '../../../bridge/sip/message/parser.ts';
import { createResponse } from '../../../bridge/sip/message/responses.ts';
import { serializeMessage } from '../../../bridge/sip/message/serialize.ts';
import { InvariantError, type FuzzTarget } from '../target.ts';

const FIXTURES = new URL('../../fixtures/', import.meta.url);

function fixtureSeeds(): Buffer[] {
  const out: Buffer[] = [];
  const sip = new URL('sip/', FIXTURES);
  for (const f of readdirSync(sip).filter((n) => n.endsWith('.dat')).sort()) out.push(readFileSync(new URL(f, sip)));
  const rfc = new URL('rfc4475/', FIXTURES);
  for (const f of readdirSync(rfc).filter((n) => n.endsWith('.dat')).sort()) out.push(readFileSync(new URL(f, rfc)));
  return out;
}

/** What the bridge sends back to a typical INVITE: 100, 180, 200 with SDP, 400, 486, 503 with Retry-After. */
function bridgeSeeds(invite: Buffer): Buffer[] {
  const req = parseMessage(invite);
  const sdp = Buffer.from('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=conference-bridge\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n'
    + 'm=audio 40000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n');
  return [
    createResponse(req, 100),
    createResponse(req, 180, { toTag: 'b1a2' }),
    createResponse(req, 200, { toTag: 'b1a2', body: sdp, headers: [{ name: 'Content-Type', value: 'application/sdp' }] }),
    createResponse(req, 400, { reason: 'Missing Call-ID' }),
    createResponse(req, 486, { toTag: 'x' }),
    createResponse(req, 503, { headers: [{ name: 'Retry-After', value: '30' }] }),
  ].map(serializeMessage);
}

const token = fc.stringMatching(/^[A-Za-z0-9.!%*_+`'~-]{1,12}$/);
const host = fc.oneof(
  fc.constantFrom('example.com', 'bridge.test', 'a.b-c.example.org'),
  fc.ipV4(),
  fc.ipV6().map((a) => `[${a}]`),
);
/** URI user and parameter characters (RFC 3261 §25.1 unreserved, no escapes). */
const uriToken = fc.stringMatching(/^[A-Za-z0-9._~-]{1,10}$/);
const port = fc.option(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 1, max: 65535 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 99999 }) })
  .map((p) => `:${p}`), { nil: '' });
const param = fc.tuple(token, fc.option(fc.oneof(token, fc.string({ maxLength: 6 }).map((s) => `"${s.replace(/["\\\r\n]/g, '')}"`)), { nil: undefined }))
  .map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`));
const params = fc.array(param, { maxLength: 3 }).map((ps) => ps.join(''));
const uriParams = fc.array(fc.tuple(uriToken, fc.option(uriToken, { nil: undefined })).map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`)), { maxLength: 3 })
  .map((ps) => ps.join(''));
const uri = fc.tuple(fc.constantFrom('sip', 'sips', 'tel', 'SIP'), fc.option(uriToken.map((u) => `${u}@`), { nil: '' }), host, port, uriParams)
  .map(([s, u, h, p, ps]) => (s === 'tel' ? `tel:+${Math.abs(h.length * 7919)}${ps}` : `${s}:${u}${h}${p}${ps}`));
const display = fc.option(fc.oneof(token, fc.string({ maxLength: 12 }).map((s) => `"${s.replace(/["\\\r\n]/g, '')}"`)), { nil: '' });
const nameAddr = fc.tuple(display, uri, params).map(([d, u, ps]) => `${d}${d ? ' ' : ''}<${u}>${ps}`);
const sep = fc.constantFrom(': ', ':', ' : ', ':\t', ':\r\n ');
const METHODS = ['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'REGISTER', 'INFO', 'UPDATE', 'PRACK', 'REFER', 'NOTIFY', 'MESSAGE'];
const method = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...METHODS) }, { weight: 1, arbitrary: token });

const via = fc.tuple(fc.constantFrom('UDP', 'TCP', 'TLS', 'udp', 'SCTP'), host, port, token, fc.boolean(), params)
  .map(([t, h, p, b, rport, ps]) => `SIP/2.0/${t} ${h}${p};branch=z9hG4bK${b}${rport ? ';rport' : ''}${ps}`);
const extension = fc.oneof(
  fc.tuple(token, fc.string({ maxLength: 40 })).map(([n, v]) => [`X-${n}`, v.replace(/[\r\n]/g, ' ')] as const),
  fc.constantFrom(['Subject', 'hello'] as const, ['User-Agent', 'fuzz/1.0'] as const, ['Allow', 'INVITE, ACK, BYE'] as const,
    ['Supported', 'timer, replaces'] as const, ['Session-Expires', '1800;refresher=uac'] as const, ['Expires', '3600'] as const,
    ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT'] as const, ['Retry-After', '30'] as const, ['Record-Route', '<sip:p.example.com;lr>'] as const),
);

/** A request or response assembled header by header; its CSeq method matches most of the time. */
const structured: fc.Arbitrary<Buffer> = fc.record({
  m: method, response: fc.boolean(), status: fc.integer({ min: 100, max: 699 }), ruri: uri,
  vias: fc.array(via, { minLength: 1, maxLength: 3 }), from: nameAddr, to: nameAddr, callId: fc.tuple(token, fc.option(host, { nil: '' })),
  seq: fc.oneof({ weight: 9, arbitrary: fc.nat(2 ** 31 - 1) }, { weight: 1, arbitrary: fc.constant(2 ** 31) }), cseqMethod: fc.option(method, { freq: 8, nil: undefined }),
  mf: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }), contacts: fc.array(nameAddr, { maxLength: 2 }),
  ext: fc.array(extension, { maxLength: 4 }), compact: fc.boolean(), sep, body: fc.option(fc.string({ maxLength: 200 }), { nil: '' }),
  lengthDelta: fc.option(fc.integer({ min: -3, max: 3 }), { freq: 6, nil: 0 }),
}).map((r) => {
  const n = (long: string, short: string): string => (r.compact ? short : long);
  const lines = [r.response ? `SIP/2.0 ${r.status} Reason` : `${r.m} ${r.ruri} SIP/2.0`];
  for (const v of r.vias) lines.push(`${n('Via', 'v')}${r.sep}${v}`);
  lines.push(`${n('From', 'f')}${r.sep}${r.from}`, `${n('To', 't')}${r.sep}${r.to}`);
  lines.push(`${n('Call-ID', 'i')}${r.sep}${r.callId[0]}${r.callId[1] ? `@${r.callId[1]}` : ''}`);
  lines.push(`CSeq${r.sep}${r.seq} ${r.cseqMethod ?? r.m}`);
  if (r.mf !== undefined) lines.push(`Max-Forwards: ${r.mf}`);
  for (const c of r.contacts) lines.push(`${n('Contact', 'm')}: ${c}`);
  for (const [k, v] of r.ext) lines.push(`${k}: ${v}`);
  const body = Buffer.from(r.body, 'utf8');
  if (body.length > 0) lines.push(`${n('Content-Type', 'c')}: application/sdp`);
  lines.push(`${n('Content-Length', 'l')}: ${Math.max(0, body.length + r.lengthDelta)}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'utf8'), body]);
});

/** Headers the serialiser writes from the model (so their raw entries may differ). */
const REWRITTEN = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Contact', 'Content-Length']);
function comparable(msg: SipMessage): SipMessage {
  return { ...msg, headers: msg.headers.filter((h) => !REWRITTEN.has(h.name)) };
}

function run(input: Buffer): void {
  let msg: SipMessage;
  try {
    msg = parseMessage(input);
  } catch (err) {
    if (err instanceof SipParseError && err.context && err.context.via.length === 0) {
      throw new InvariantError('a SipParseError with a context but no Via to answer to');
    }
    throw err;
  }
  if (msg.body.length > input.length) throw new InvariantError('body longer than the message');
  let wire: Buffer;
  try {
    wire = serializeMessage(msg);
  } catch (err) {
    throw new InvariantError(`an accepted message does not serialise: ${String(err)}`);
  }
  // The serialiser writes canonical names and "Name: value" (a compact or
  // unspaced header grows), so a message near the 65,535-byte limit can
  // serialise past it; the round trip is promised within the limit.
  if (wire.length > MAX_MESSAGE_SIZE) return;
  let again: SipMessage;
  try {
    again = parseMessage(wire);
  } catch (err) {
    throw new InvariantError(`the serialised form of an accepted message is rejected: ${String(err)}`);
  }
  if (!isDeepStrictEqual(comparable(again), comparable(msg))) throw new InvariantError('parse → serialise → parse changed the message');
}

const seeds = fixtureSeeds();
const invite = readFileSync(new URL('sip/invite-sdp.dat', FIXTURES));

export const sipTarget: FuzzTarget = {
  name: 'sip',
  seeds: [...seeds, ...bridgeSeeds(invite)],
  structured,
  dictionary: ['\r\n', '\r\n ', ' ', '\t', ':', ';', ',', '"', '\\', '<', '>', '@', '%', '%00', '[', ']', '=', '?', '*',
    '\x00', '\xff', '\xc3\x80', 'Via: ', 'CSeq: 1 INVITE', 'Content-Length: ', 'l: 99999', 'SIP/2.0', ';branch=', ';tag='],
  expected: (err) => err instanceof SipParseError,
  run,
};
