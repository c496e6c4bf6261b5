// Bounded, seeded fuzzing of the SIP parser, serialiser and stream framer.
// Seeds: the valid RFC 4475 messages and typical INVITE / 200 / BYE / OPTIONS.
// Properties: parseMessage returns a message or throws SipParseError, never
// anything else; what it returns serialises to bytes it accepts again, to the
// same message; StreamFramer and the URI / name-addr / Via parsers likewise
// only throw SipParseError. The seed is printed; SIP_FUZZ_SEED=<n> replays a run.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseNameAddr } from '../../bridge/sip/grammar/name-addr.ts';
import { SipParseError } from '../../bridge/sip/grammar/parse-error.ts';
import { parseUri } from '../../bridge/sip/grammar/uri.ts';
import { parseVia } from '../../bridge/sip/grammar/via.ts';
import type { SipMessage } from '../../bridge/sip/message/message.ts';
import { parseMessage } from '../../bridge/sip/message/parser.ts';
import { serializeMessage } from '../../bridge/sip/message/serialize.ts';
import { StreamFramer } from '../../bridge/sip/transport/framing.ts';

const SEED = Number(process.env.SIP_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const MAX_CASES = Number(process.env.SIP_FUZZ_CASES ?? 20_000);
const MAX_MS = 20_000;

/** mulberry32: small, fast, seedable. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function loadSeeds(): Buffer[] {
  const seeds: Buffer[] = [];
  const sip = new URL('../fixtures/sip/', import.meta.url);
  for (const f of readdirSync(sip).filter((n) => n.endsWith('.dat'))) seeds.push(readFileSync(new URL(f, sip)));
  const rfc = new URL('../fixtures/rfc4475/', import.meta.url);
  const index = JSON.parse(readFileSync(new URL('index.json', rfc), 'utf8')) as { messages: { file: string; expect: string }[] };
  for (const e of index.messages) if (e.expect === 'valid') seeds.push(readFileSync(new URL(e.file, rfc)));
  return seeds;
}

const SEEDS = loadSeeds();
const INTERESTING = Buffer.from('\r\n \t:;,"<>%\\@[]=?/*\x00\xff\xc3\x800123456789');
const HUGE = ['4294967296', '2147483648', '99999999999999999999999', '-1', '0', '65536', '256', '1e9', ''];

class Mutator {
  constructor(private readonly rand: () => number) {}

  int(n: number): number {
    return Math.floor(this.rand() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }

  mutate(input: Buffer): Buffer {
    let b = input;
    const rounds = 1 + this.int(4);
    for (let r = 0; r < rounds; r++) b = this.once(b);
    return b;
  }

  private once(b: Buffer): Buffer {
    const at = this.int(b.length + 1);
    switch (this.int(10)) {
      case 0: { // flip a bit
        if (b.length === 0) return b;
        const c = Buffer.from(b);
        const i = this.int(c.length);
        c[i] = (c[i] ?? 0) ^ (1 << this.int(8));
        return c;
      }
      case 1: { // insert interesting bytes
        const ins = Buffer.from(Array.from({ length: 1 + this.int(4) }, () => INTERESTING[this.int(INTERESTING.length)] ?? 0));
        return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
      }
      case 2: // delete a range
        return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + this.int(16))]);
      case 3: // truncate
        return b.subarray(0, at);
      case 4: { // duplicate a header line
        const lines = b.toString('latin1').split('\r\n');
        const i = 1 + this.int(Math.max(1, lines.length - 1));
        lines.splice(i, 0, lines[i] ?? '');
        return Buffer.from(lines.join('\r\n'), 'latin1');
      }
      case 5: { // remove a CR, an LF or a CRLF
        const s = b.toString('latin1');
        const i = s.indexOf('\r\n', at);
        if (i < 0) return b;
        const drop = this.pick([[i, i + 1], [i + 1, i + 2], [i, i + 2]] as const);
        return Buffer.concat([b.subarray(0, drop[0]), b.subarray(drop[1])]);
      }
      case 6: { // a huge or odd number in place of a number
        const s = b.toString('latin1');
        const m = /\d+/g;
        m.lastIndex = at;
        const found = m.exec(s);
        if (!found) return b;
        return Buffer.concat([b.subarray(0, found.index), Buffer.from(this.pick(HUGE)), b.subarray(found.index + found[0].length)]);
      }
      case 7: { // a random Content-Length
        const s = b.toString('latin1');
        const v = this.pick(['0', String(this.int(2000)), String(b.length), '-5', 'x', '70000']);
        return Buffer.from(s.replace(/(Content-Length|\r\nl)\s*:[^\r]*/i, `$1: ${v}`), 'latin1');
      }
      case 8: { // swap two lines
        const lines = b.toString('latin1').split('\r\n');
        const i = this.int(lines.length);
        const j = this.int(lines.length);
        [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? ''];
        return Buffer.from(lines.join('\r\n'), 'latin1');
      }
      default: // splice in a piece of another seed
        {
          const other = this.pick(SEEDS);
          const from = this.int(other.length);
          return Buffer.concat([b.subarray(0, at), other.subarray(from, from + 1 + this.int(64)), b.subarray(at)]);
        }
    }
  }
}

const REWRITTEN = new Set(['Via', 'From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Contact', 'Content-Length']);
function comparable(msg: SipMessage): SipMessage {
  return { ...msg, headers: msg.headers.filter((h) => !REWRITTEN.has(h.name)) };
}

/** Runs `body` on fresh cases until the case or time budget is spent; returns how many ran. */
function budget(maxCases: number, maxMs: number, body: (i: number) => void): number {
  const start = Date.now();
  let i = 0;
  for (; i < maxCases && Date.now() - start < maxMs; i++) body(i);
  return i;
}

function onlyParseErrors(what: string, input: Buffer | string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof SipParseError) return;
    const shown = typeof input === 'string' ? JSON.stringify(input) : input.toString('base64');
    assert.fail(`${what} threw ${String(err)} (seed ${SEED}) on ${shown}`);
  }
}

describe(`SIP fuzz (seed ${SEED}; replay with SIP_FUZZ_SEED=${SEED})`, () => {
  it('parseMessage returns a message or throws SipParseError; accepted messages round-trip', { timeout: 120_000 }, () => {
    const m = new Mutator(prng(SEED));
    let accepted = 0;
    let slowest = 0;
    const ran = budget(MAX_CASES, MAX_MS, () => {
      const input = m.mutate(m.pick(SEEDS));
      const t0 = performance.now();
      let msg: SipMessage | undefined;
      onlyParseErrors('parseMessage', input, () => {
        msg = parseMessage(input);
      });
      slowest = Math.max(slowest, performance.now() - t0);
      if (!msg) return;
      accepted++;
      const wire = serializeMessage(msg);
      let again: SipMessage;
      try {
        again = parseMessage(wire);
      } catch (err) {
        assert.fail(`serialised form of an accepted message was rejected: ${String(err)} (seed ${SEED}) on ${input.toString('base64')}`);
      }
      assert.deepEqual(comparable(again), comparable(msg), `round trip (seed ${SEED}) on ${input.toString('base64')}`);
    });
    console.log(`parseMessage: ${ran} cases, ${accepted} accepted, slowest ${slowest.toFixed(2)} ms (seed ${SEED})`);
    assert.ok(ran >= Math.min(MAX_CASES, 1000), 'the fuzz ran');
    assert.ok(accepted > 0 && accepted < ran, 'mutations produced both accepted and rejected messages');
  });

  it('StreamFramer only throws SipParseError, whatever the stream and its chunking', { timeout: 60_000 }, () => {
    const m = new Mutator(prng(SEED ^ 0x5eed));
    let framed = 0;
    const ran = budget(Math.ceil(MAX_CASES / 4), MAX_MS / 2, () => {
      const parts = Array.from({ length: 1 + m.int(4) }, () => (m.int(3) === 0 ? m.mutate(m.pick(SEEDS)) : m.pick(SEEDS)));
      if (m.int(4) === 0) parts.splice(m.int(parts.length + 1), 0, Buffer.from('\r\n\r\n'));
      const stream = m.int(2) === 0 ? m.mutate(Buffer.concat(parts)) : Buffer.concat(parts);
      const framer = new StreamFramer();
      onlyParseErrors('StreamFramer', stream, () => {
        for (let at = 0; at < stream.length;) {
          const n = 1 + m.int(m.int(2) === 0 ? 8 : 2000);
          for (const msg of framer.push(stream.subarray(at, at + n))) {
            framed++;
            onlyParseErrors('parseMessage after framing', msg, () => parseMessage(msg));
          }
          at += n;
        }
      });
    });
    console.log(`StreamFramer: ${ran} streams, ${framed} messages framed (seed ${SEED})`);
    assert.ok(framed > 0);
  });

  it('parseUri, parseNameAddr and parseVia only throw SipParseError', { timeout: 60_000 }, () => {
    const m = new Mutator(prng(SEED ^ 0xbeef));
    const uris = ['sip:alice:pw@[2001:db8::1]:5060;transport=tcp;lr?subject=hi%20there&x=y', 'tel:+1-555-0100;ext=7', 'sips:%61b@example.com;n%61me=v'];
    const names = ['"A \\"B\\"" <sip:a@example.com;lr>;tag=x;q=0.5', 'tok1 tok2<sip:b@example.com>', 'sip:c@example.com;tag=1;+sip.instance="<urn:x>"'];
    const vias = ['SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1;rport;received=192.0.2.9, SIP / 2.0 / TCP [::1];ttl=5;maddr=h.example.com'];
    const ran = budget(MAX_CASES, MAX_MS / 2, () => {
      const kind = m.int(3);
      const source = kind === 0 ? m.pick(uris) : kind === 1 ? m.pick(names) : m.pick(vias);
      const text = m.mutate(Buffer.from(source, 'latin1')).toString('latin1');
      const fn = kind === 0 ? parseUri : kind === 1 ? parseNameAddr : parseVia;
      onlyParseErrors(fn.name, text, () => fn(text));
    });
    console.log(`grammar: ${ran} values (seed ${SEED})`);
  });
});
