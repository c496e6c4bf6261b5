// The 400 context of a request with a broken Call-ID, From, To or CSeq
// (bridge/sip/message/bad-request.ts): every such request whose top Via can
// be read gets a context, the 400 built from it is itself a well-formed
// response that echoes the Via (branch) and the CSeq method, and what could
// not be read is named and replaced by the documented placeholders.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SipParseError, type SipParseContext } from '../../bridge/sip/grammar/parse-error.ts';
import { parseMessage } from '../../bridge/sip/message/parser.ts';
import { createResponse } from '../../bridge/sip/message/responses.ts';
import { serializeMessage } from '../../bridge/sip/message/serialize.ts';
import { BROKEN, brokenInvite } from '../support/broken-requests.ts';

function contextOf(buf: Buffer): SipParseContext | undefined {
  try {
    parseMessage(buf);
  } catch (err) {
    assert.ok(err instanceof SipParseError, String(err));
    return err.context;
  }
  assert.fail('the request parsed');
}

const at = { host: '192.0.2.7', port: 5070, tag: 't1' };

describe('a request with a broken Call-ID, From, To or CSeq', () => {
  for (const b of BROKEN) {
    it(`${b.header}: ${b.what} → a 400 that echoes the Via and the CSeq method`, () => {
      const branch = `z9hG4bK-${b.header}-${b.what.length}`;
      const ctx = contextOf(brokenInvite(b, { ...at, branch }));
      assert.ok(ctx, 'a context for a 400');
      assert.deepEqual(ctx.unreadable, [b.header]);
      const wire = serializeMessage(createResponse(ctx, 400, { reason: 'Bad Request (test)' }));
      const res = parseMessage(wire);
      assert.equal(res.kind, 'response');
      assert.equal(res.via[0]?.params.get('branch'), branch);
      assert.equal(res.via[0]?.host, at.host);
      assert.equal(res.cseq.method, 'INVITE');
      assert.ok(res.to.params.has('tag'), 'To gets a tag');
      if (b.header === 'From') assert.equal(res.from.uri.host, 'anonymous.invalid');
      else assert.equal(res.from.params.get('tag'), 'f-t1');
      if (b.header === 'To') assert.equal(res.to.uri.host, 'anonymous.invalid');
      else assert.equal(res.to.uri.user, '4008001000');
      if (b.header === 'Call-ID') assert.match(res.callId, /@anonymous\.invalid$/);
      else assert.equal(res.callId, 'broken-t1@127.0.0.1');
    });
  }

  it('CSeq: the number is the first CSeq\'s leading digits when below 2^31, else 0', () => {
    const seqOf = (lines: string[]) => contextOf(brokenInvite({ header: 'CSeq', what: '', lines }, { ...at, branch: 'z9hG4bKs' }))?.cseq;
    assert.deepEqual(seqOf([]), { seq: 0, method: 'INVITE' });
    assert.deepEqual(seqOf(['CSeq: 9']), { seq: 9, method: 'INVITE' });
    assert.deepEqual(seqOf(['CSeq: 2147483647']), { seq: 2147483647, method: 'INVITE' });
    assert.deepEqual(seqOf(['CSeq: 2147483648 INVITE']), { seq: 0, method: 'INVITE' });
    assert.deepEqual(seqOf(['CSeq: 36893488147419103232 INVITE']), { seq: 0, method: 'INVITE' });
    assert.deepEqual(seqOf(['CSeq: 7 INVITE', 'CSeq: 8 INVITE']), { seq: 7, method: 'INVITE' });
    assert.deepEqual(seqOf(['CSeq: -5 INVITE']), { seq: 0, method: 'INVITE' });
  });

  it('a broken CSeq of an OPTIONS is answered with the request line\'s method', () => {
    const ctx = contextOf(brokenInvite({ header: 'CSeq', what: '', lines: ['CSeq: x'] }, { ...at, branch: 'z9hG4bKo', method: 'OPTIONS' }));
    assert.deepEqual(ctx?.cseq, { seq: 0, method: 'OPTIONS' });
  });

  it('echoes the Vias that parse from the top, stopping at the first that does not', () => {
    const good = brokenInvite(BROKEN[0]!, { ...at, branch: 'z9hG4bKtop' }).toString('latin1');
    const twoVias = good.replace('Max-Forwards', 'Via: SIP/2.0/TCP 192.0.2.8;branch=z9hG4bK2, SIP/2.0/UDP ;;,\r\nVia: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bK3\r\nMax-Forwards');
    const ctx = contextOf(Buffer.from(twoVias, 'latin1'));
    assert.deepEqual(ctx?.via.map((v) => v.params.get('branch')), ['z9hG4bKtop', 'z9hG4bK2']);
  });

  it('has no context when the top Via is missing, malformed or not UTF-8, or the message is a response', () => {
    const good = brokenInvite(BROKEN[0]!, { ...at, branch: 'z9hG4bKv' }).toString('latin1');
    const topVia = /^Via: .*\r\n/m;
    assert.equal(contextOf(Buffer.from(good.replace(topVia, ''), 'latin1')), undefined);
    assert.equal(contextOf(Buffer.from(good.replace(topVia, 'Via: SIP/2.0/UDP\r\n'), 'latin1')), undefined);
    assert.equal(contextOf(Buffer.from(good.replace(topVia, 'Via: SIP/2.0/UDP h\xe9\xff;branch=z9hG4bKx\r\n'), 'latin1')), undefined);
    assert.equal(contextOf(Buffer.from(good.replace(/^INVITE [^\r]*/, 'SIP/2.0 200 OK'), 'latin1')), undefined);
  });

  it('does not copy bytes that were not UTF-8: such a From becomes the placeholder', () => {
    const good = brokenInvite(BROKEN[0]!, { ...at, branch: 'z9hG4bKu' }).toString('latin1');
    const ctx = contextOf(Buffer.from(good.replace(/^From: .*$/m, 'From: <sip:\xff@x>;tag=1'), 'latin1'));
    assert.deepEqual(ctx?.unreadable, ['From', 'Call-ID']);
    assert.equal(ctx?.from.uri.host, 'anonymous.invalid');
  });
});
