// Q.850 release causes and their mapping to and from SIP status codes
// (RFC 3398 §7.2.4.1 and §8.2.6.1; 488/606 → 88 as carriers commonly do).
export const Q850 = {
  UNALLOCATED_NUMBER: 1,
  NO_ROUTE_DESTINATION: 3,
  NORMAL_CLEARING: 16,
  USER_BUSY: 17,
  NO_USER_RESPONSE: 18,
  NO_ANSWER: 19,
  CALL_REJECTED: 21,
  NUMBER_CHANGED: 22,
  EXCHANGE_ROUTING_ERROR: 25,
  DESTINATION_OUT_OF_ORDER: 27,
  INVALID_NUMBER_FORMAT: 28,
  NORMAL_UNSPECIFIED: 31,
  NO_CIRCUIT_AVAILABLE: 34,
  NETWORK_OUT_OF_ORDER: 38,
  TEMPORARY_FAILURE: 41,
  SWITCH_CONGESTION: 42,
  RESOURCE_UNAVAILABLE: 47,
  SERVICE_UNAVAILABLE: 63,
  BEARER_CAPABILITY_NOT_IMPLEMENTED: 65,
  SERVICE_NOT_IMPLEMENTED: 79,
  INCOMPATIBLE_DESTINATION: 88,
  RECOVERY_ON_TIMER_EXPIRE: 102,
  INTERWORKING: 127,
} as const;

export type Q850Cause = number;

const SIP_TO_Q850: Record<number, number> = {
  400: 41, 401: 21, 402: 21, 403: 21, 404: 1, 405: 63, 406: 79, 407: 21, 408: 102, 410: 22,
  413: 127, 414: 127, 415: 79, 416: 127, 420: 127, 421: 127, 423: 127,
  480: 18, 481: 41, 482: 25, 483: 25, 484: 28, 485: 1, 486: 17, 487: 16, 488: 88,
  500: 41, 501: 79, 502: 38, 503: 41, 504: 102, 505: 127, 513: 127,
  600: 17, 603: 21, 604: 1, 606: 88,
};

/** The Q.850 cause for a SIP final response status (RFC 3398 §8.2.6.1). */
export function q850FromSip(status: number): Q850Cause {
  const exact = SIP_TO_Q850[status];
  if (exact !== undefined) return exact;
  if (status >= 600) return Q850.CALL_REJECTED;
  if (status >= 500) return Q850.TEMPORARY_FAILURE;
  return Q850.INTERWORKING;
}

const Q850_TO_SIP: Record<number, number> = {
  1: 404, 2: 404, 3: 404, 16: 480, 17: 486, 18: 408, 19: 480, 20: 480, 21: 403, 22: 410, 23: 410,
  26: 404, 27: 502, 28: 484, 29: 501, 31: 480, 34: 503, 38: 503, 41: 503, 42: 503, 44: 503,
  47: 503, 55: 403, 57: 403, 58: 503, 63: 488, 65: 488, 79: 501, 87: 403, 88: 488, 102: 504, 127: 500,
};

/** The SIP status to refuse a call with, for a Q.850 cause (RFC 3398 §7.2.4.1). */
export function sipFromQ850(cause: Q850Cause): number {
  return Q850_TO_SIP[cause] ?? 500;
}
