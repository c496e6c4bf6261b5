// RFC 4475 torture messages (test/fixtures/rfc4475): each valid message parses
// to the declared fields and survives a serialise/parse round trip; each
// invalid one throws SipParseError, with the context for a 400 exactly when
// its method and top Via can be read (placeholders for the From, To, Call-ID
// or CSeq it cannot echo, named in the index's "unreadable").
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SipParseError } from '../../bridge/sip/grammar/parse-error.ts';
import { getHeader, getHeaderValues, parseRouteSet } from '../../bridge/sip/message/headers.ts';
import type { SipMessage } from '../../bridge/sip/message/message.ts';
import { parseMessage } from '../../bridge/sip/message/parser.ts';
import { serializeMessage } from '../../bridge/sip/message/serialize.ts';

interface Check {
  path: (string | number)[];
  value: unknown;
}

interface Fields {
  method?: string;
  uriUser?: string | null;
  uriHost?: string;
  status?: number;
  reason?: string;
  callId: string;
  cseq: [number, string];
  vias: number;
  contacts: number;
  bodyLength: number;
  maxForwards?: number;
  sha256: string;
}

type Entry =
  | { file: string; section: string; name: string; title: string; expect: 'valid'; fields: Fields; checks?: Check[] }
  | {
    file: string; section: string; name: string; title: string; expect: 'invalid'; rfc: string; context: boolean; sha256: string; note?: string;
    /** Headers answered with a placeholder (bridge/sip/message/bad-request.ts); none when absent. */
    unreadable?: string[];
  };

const dir = new URL('../fixtures/rfc4475/', import.meta.url);
const index = JSON.parse(readFileSync(new URL('index.json', dir), 'utf8')) as { messages: Entry[] };

function fixture(e: Entry): Buffer {
  const bytes = readFileSync(new URL(e.file, dir));
  const sha = createHash('sha256').update(bytes).digest('hex');
  assert.equal(sha, e.expect === 'valid' ? e.fields.sha256 : e.sha256, `${e.file} changed on disk`);
  return bytes;
}

/** Walks a check path: model fields, Map keys, array indexes, and a few helper views. */
function resolve(msg: SipMessage, path: (string | number)[]): unknown {
  const [head, ...rest] = path;
  let cur: unknown;
  if (head === 'header') return getHeader(msg, String(rest[0]));
  if (head === 'headerValues') return getHeaderValues(msg, String(rest[0]));
  if (head === 'route') cur = parseRouteSet(msg.headers.filter((h) => h.name === 'Route').map((h) => h.value));
  else cur = (msg as unknown as Record<string, unknown>)[String(head)];
  for (const key of rest) {
    if (cur instanceof Map) cur = cur.get(key);
    else if (Array.isArray(cur)) cur = cur[Number(key)];
    else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[String(key)];
    else return undefined;
  }
  return cur;
}

/** Serialising rewrites the structured headers from the model; compare everything else as parsed. */
const REWRITTEN = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Contact', 'Content-Length']);
function comparable(msg: SipMessage): SipMessage {
  return { ...msg, headers: msg.headers.filter((h) => !REWRITTEN.has(h.name)) };
}

function checkFields(msg: SipMessage, f: Fields): void {
  if (f.method !== undefined) {
    assert.equal(msg.kind, 'request');
    if (msg.kind !== 'request') return;
    assert.equal(msg.method, f.method);
    assert.equal(msg.uri.user, f.uriUser ?? undefined);
    assert.equal(msg.uri.host, f.uriHost);
    assert.equal(msg.maxForwards, f.maxForwards);
  } else {
    assert.equal(msg.kind, 'response');
    if (msg.kind !== 'response') return;
    assert.equal(msg.status, f.status);
    assert.equal(msg.reason, f.reason);
  }
  assert.equal(msg.callId, f.callId);
  assert.deepEqual(msg.cseq, { seq: f.cseq[0], method: f.cseq[1] });
  assert.equal(msg.via.length, f.vias);
  assert.equal(msg.contact.length, f.contacts);
  assert.equal(msg.body.length, f.bodyLength);
}

describe('RFC 4475 §3 torture messages', () => {
  it('the index holds every message of §3.1.1 and §3.1.2', () => {
    const sections = new Set(index.messages.map((e) => e.section));
    for (let i = 1; i <= 13; i++) assert.ok(sections.has(`3.1.1.${i}`), `3.1.1.${i}`);
    for (let i = 1; i <= 19; i++) assert.ok(sections.has(`3.1.2.${i}`), `3.1.2.${i}`);
  });

  for (const e of index.messages) {
    if (e.expect === 'valid') {
      it(`§${e.section} ${e.name} (${e.title}) parses`, () => {
        const msg = parseMessage(fixture(e));
        checkFields(msg, e.fields);
        for (const c of e.checks ?? []) assert.deepEqual(resolve(msg, c.path), c.value, c.path.join('.'));
      });
      it(`§${e.section} ${e.name} survives serialise → parse`, () => {
        const msg = parseMessage(fixture(e));
        const wire = serializeMessage(msg);
        const again = parseMessage(wire);
        assert.deepEqual(comparable(again), comparable(msg));
        assert.deepEqual(serializeMessage(again), wire);
      });
    } else {
      it(`§${e.section} ${e.name} (${e.title}) is rejected${e.context ? ' with a 400 context' : ''}`, () => {
        const bytes = fixture(e);
        let caught: unknown;
        try {
          parseMessage(bytes);
        } catch (err) {
          caught = err;
        }
        assert.ok(caught instanceof SipParseError, `expected SipParseError, got ${String(caught)}`);
        if (!e.context) {
          assert.equal(caught.context, undefined);
          return;
        }
        const text = bytes.toString('latin1');
        const ctx = caught.context;
        assert.ok(ctx, 'context for a 400');
        const method = text.slice(0, text.indexOf(' '));
        const unreadable = e.unreadable ?? [];
        assert.equal(ctx.method, method);
        assert.deepEqual(ctx.unreadable, unreadable);
        assert.ok(ctx.via.length >= 1);
        if (unreadable.includes('Call-ID')) assert.match(ctx.callId, /@anonymous\.invalid$/);
        else assert.equal(ctx.callId, /^Call-ID: *(\S+)\r$/m.exec(text)?.[1]);
        if (unreadable.includes('From')) assert.equal(ctx.from.uri.host, 'anonymous.invalid');
        else assert.ok(ctx.from.params.has('tag'));
        if (unreadable.includes('CSeq')) assert.equal(ctx.cseq.method, method);
        // The status the transport answers with: 416 for an unserved Request-URI scheme, else 400.
        assert.equal(caught.status, e.rfc === '416' ? 416 : 400);
      });
    }
  }
});
