// Cutting SIP messages out of a byte stream (TCP, TLS), RFC 3261 §18.3.
//
//   *CRLF  start-line *message-header CRLF  <Content-Length bytes of body>
//
// CRLFs before a start line are skipped (RFC 3261 §7.5; RFC 5626 §4.4.1
// double-CRLF keep-alives). Content-Length is mandatory over a stream; a
// header block without a valid one cannot be framed and the connection is
// unusable, so push() throws SipParseError and the transport closes it.
import { canonicalHeaderName } from '../grammar/header-names.ts';
import { SipParseError } from '../grammar/parse-error.ts';
import { skipLeadingCrlf } from '../message/parser.ts';

/** A header block longer than this without its empty line is refused. */
export const MAX_STREAM_HEADER_BLOCK = 16 * 1024;
/** A larger Content-Length is refused. */
export const MAX_STREAM_BODY = 64 * 1024;

const CRLF_CRLF = Buffer.from('\r\n\r\n');

export class StreamFramer {
  /** Bytes received and not yet framed are data[start, end). */
  private data: Buffer = Buffer.alloc(4096);
  private start = 0;
  private end = 0;
  /** Where the search for the end of the header block resumes. */
  private searchFrom = 0;
  /** Once the header block is read: the whole message length. */
  private messageLength: number | undefined;
  private failure: SipParseError | undefined;

  /** Buffers `chunk` and returns every message it completed, in order. After a throw the framer stays failed. */
  push(chunk: Buffer): Buffer[] {
    if (this.failure) throw this.failure;
    this.append(chunk);
    const out: Buffer[] = [];
    try {
      for (let m = this.next(); m !== undefined; m = this.next()) out.push(m);
    } catch (err) {
      if (err instanceof SipParseError) this.failure = err;
      throw err;
    }
    return out;
  }

  /** Bytes held that are not yet part of a returned message. */
  get buffered(): number {
    return this.end - this.start;
  }

  private append(chunk: Buffer): void {
    if (this.end + chunk.length > this.data.length) {
      const used = this.end - this.start;
      const size = Math.max(this.data.length, 2 * (used + chunk.length));
      const next = size > this.data.length ? Buffer.alloc(size) : this.data;
      this.data.copy(next, 0, this.start, this.end);
      this.data = next;
      this.searchFrom -= this.start;
      this.start = 0;
      this.end = used;
    }
    chunk.copy(this.data, this.end);
    this.end += chunk.length;
  }

  private next(): Buffer | undefined {
    if (this.messageLength === undefined) {
      if (this.start === this.searchFrom) {
        this.start = skipLeadingCrlf(this.data.subarray(0, this.end), this.start);
        this.searchFrom = this.start;
      }
      if (this.start === this.end) return undefined;
      const view = this.data.subarray(this.start, this.end);
      const headEnd = view.indexOf(CRLF_CRLF, Math.max(0, this.searchFrom - this.start - 3));
      if (headEnd < 0) {
        this.searchFrom = this.end;
        if (view.length > MAX_STREAM_HEADER_BLOCK) throw new SipParseError('header block too long');
        return undefined;
      }
      if (headEnd > MAX_STREAM_HEADER_BLOCK) throw new SipParseError('header block too long');
      this.messageLength = headEnd + 4 + streamContentLength(view.subarray(0, headEnd));
    }
    if (this.end - this.start < this.messageLength) return undefined;
    const message = Buffer.from(this.data.subarray(this.start, this.start + this.messageLength));
    this.start += this.messageLength;
    this.searchFrom = this.start;
    this.messageLength = undefined;
    return message;
  }
}

/** The one Content-Length of a header block (RFC 3261 §18.3: required over streams). */
function streamContentLength(head: Buffer): number {
  // latin1 keeps one character per byte; only ASCII names and digits matter here.
  const text = head.toString('latin1').replace(/\r\n[ \t]+/g, ' ');
  let value: string | undefined;
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0 || canonicalHeaderName(line.slice(0, colon).trim()) !== 'Content-Length') continue;
    if (value !== undefined) throw new SipParseError('more than one Content-Length');
    value = line.slice(colon + 1).trim();
  }
  if (value === undefined) throw new SipParseError('Content-Length is required over a stream');
  if (!/^\d{1,10}$/.test(value)) throw new SipParseError('Content-Length: not a number');
  const n = Number(value);
  if (n > MAX_STREAM_BODY) throw new SipParseError('Content-Length: too large');
  return n;
}
