// The one error of the SIP grammar and parser.
import { ParseError } from '../../../common/errors.ts';
import type { CSeq, NameAddr, Via } from './types.ts';

/** What a transport needs to answer a malformed request with 400 (RFC 3261 §8.2, RFC 4475 §3.1.2). */
export interface SipParseContext {
  method: string;
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
  /** Which of From, To, Call-ID and CSeq could not be read and hold placeholders (../message/bad-request.ts). */
  unreadable: string[];
}

/**
 * A malformed SIP message. `context` is set when the message was a request
 * whose method and top Via could be read, so that it can be answered with
 * 400; without it the message is dropped.
 */
export class SipParseError extends ParseError {
  /**
   * The status to answer with when there is a context: 400, or 416 for a
   * Request-URI scheme we do not serve (RFC 3261 §8.2.2.1), 505 for another
   * SIP version (§21.5.20).
   */
  constructor(message: string, readonly context?: SipParseContext, offset?: number, readonly status: 400 | 416 | 505 = 400) {
    super(message, offset);
  }
}
