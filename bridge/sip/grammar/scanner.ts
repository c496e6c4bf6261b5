// The lexical floor of the SIP grammar (RFC 3261 §7.3.1, §25.1): whitespace,
// header folding, list splitting, and a Scanner — a cursor over one header
// value that the readers of URIs, name-addrs, Via and parameters share.
import { TOKEN } from './char-classes.ts';
import { SipParseError } from './parse-error.ts';

export const SP = 0x20;
export const HTAB = 0x09;

export function isWsp(c: number): boolean {
  return c === SP || c === HTAB;
}

/** RFC 3261 §7.3.1: a CRLF followed by whitespace is folding and is read as one SP. */
export function unfold(value: string): string {
  return value.includes('\r') || value.includes('\n') ? value.replace(/\r\n[ \t]+/g, ' ') : value;
}

export function trimWsp(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isWsp(s.charCodeAt(a))) a++;
  while (b > a && isWsp(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/**
 * Splits a header value at the commas that separate list elements (RFC 3261
 * §7.3.1), ignoring commas inside quoted strings and <…>. Elements are
 * trimmed; empty elements are kept so that callers can reject them.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let start = 0;
  let inQuote = false;
  let inAngle = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuote) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inQuote = false;
    } else if (c === 0x22 && !inAngle) {
      inQuote = true;
    } else if (c === 0x3c) {
      inAngle = true;
    } else if (c === 0x3e) {
      inAngle = false;
    } else if (c === 0x2c && !inAngle) {
      out.push(trimWsp(value.slice(start, i)));
      start = i + 1;
    }
  }
  out.push(trimWsp(value.slice(start)));
  return out;
}

/** A cursor over one header value; `fail` throws a SipParseError naming what was being read. */
export class Scanner {
  pos = 0;
  constructor(readonly text: string, readonly what: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.pos < this.text.length ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Skips SP/HTAB (LWS after unfolding); returns whether any was skipped. */
  skipWs(): boolean {
    const from = this.pos;
    while (this.pos < this.text.length && isWsp(this.text.charCodeAt(this.pos))) this.pos++;
    return this.pos > from;
  }

  /** Consumes `ch` if it is next, after optional whitespace on both sides (SWS ch SWS). */
  eat(ch: number): boolean {
    const from = this.pos;
    this.skipWs();
    if (this.peek() !== ch) {
      this.pos = from;
      return false;
    }
    this.pos++;
    this.skipWs();
    return true;
  }

  expect(ch: number, label: string): void {
    if (!this.eat(ch)) this.fail(`expected ${label}`);
  }

  /** Reads a maximal run of characters of `cls`. */
  take(cls: Uint8Array): string {
    const from = this.pos;
    const text = this.text;
    let i = from;
    for (let c = text.charCodeAt(i); i < text.length && c < 128 && cls[c] === 1; c = text.charCodeAt(i)) i++;
    this.pos = i;
    return text.slice(from, i);
  }

  takeToken(label: string): string {
    const t = this.take(TOKEN);
    if (t.length === 0) this.fail(`expected ${label}`);
    return t;
  }

  /**
   * quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE (RFC 3261 §25.1).
   * Returns the raw text (with quotes) and the unescaped content.
   */
  takeQuoted(): { raw: string; value: string } {
    const from = this.pos;
    if (this.peek() !== 0x22) this.fail('expected a quoted string');
    let value = '';
    for (let i = from + 1; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 0x22) {
        this.pos = i + 1;
        return { raw: this.text.slice(from, this.pos), value };
      }
      if (c === 0x5c) {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        const next = this.text.charCodeAt(i + 1);
        if (i + 1 >= this.text.length || next > 0x7f || next === 0x0a || next === 0x0d) this.fail('bad quoted-pair');
        value += this.text[i + 1];
        i++;
      } else if ((c < 0x20 && c !== HTAB) || c === 0x7f) {
        this.fail('control character in quoted string');
      } else {
        value += this.text[i];
      }
    }
    return this.fail('unterminated quoted string');
  }

  expectEnd(): void {
    this.skipWs();
    if (!this.done) this.fail(`unexpected "${this.text.slice(this.pos, this.pos + 12)}"`);
  }

  fail(message: string): never {
    throw new SipParseError(`${this.what}: ${message}`);
  }
}
