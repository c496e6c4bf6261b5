// Building responses to requests (RFC 3261 §8.2.6) and the reason phrases.
import type { CSeq, NameAddr, Via } from '../grammar/types.ts';
import { newTag } from './identifiers.ts';
import type { HeaderField, SipResponse } from './message.ts';

export const REASON_PHRASES: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily',
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 410: 'Gone',
  413: 'Request Entity Too Large', 415: 'Unsupported Media Type', 416: 'Unsupported URI Scheme',
  420: 'Bad Extension', 421: 'Extension Required', 422: 'Session Interval Too Small', 480: 'Temporarily Unavailable',
  481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops', 484: 'Address Incomplete',
  486: 'Busy Here', 487: 'Request Terminated', 488: 'Not Acceptable Here', 491: 'Request Pending',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? (status < 200 ? 'Progress' : status < 300 ? 'OK' : 'Error');
}

/** The parts of a request a response is built from (a parsed request, or the context of a bad one). */
export interface ResponseBase {
  via: Via[];
  from: NameAddr;
  to: NameAddr;
  callId: string;
  cseq: CSeq;
}

/**
 * RFC 3261 §8.2.6.2: a response copies Via, From, To, Call-ID and CSeq, and
 * adds a To tag to every response but 100 when the request had none.
 */
export function createResponse(
  req: ResponseBase,
  status: number,
  opts: { reason?: string; toTag?: string; headers?: HeaderField[]; body?: Buffer; contact?: NameAddr[] } = {},
): SipResponse {
  let to = req.to;
  if (status > 100 && !to.params.has('tag')) {
    to = { ...to, params: new Map(to.params).set('tag', opts.toTag ?? newTag()) };
  }
  return {
    kind: 'response',
    status,
    reason: opts.reason ?? reasonPhrase(status),
    via: req.via,
    from: req.from,
    to,
    callId: req.callId,
    cseq: req.cseq,
    contact: opts.contact ?? [],
    headers: opts.headers ?? [],
    body: opts.body ?? Buffer.alloc(0),
  };
}
