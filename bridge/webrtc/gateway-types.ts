// What the gateway's callers pass and get (the API the web/IVR side is built
// against: keep these shapes; add, do not change).

export interface WebrtcJoinRequest {
  offerSdp: string;               // the browser's complete offer (ICE gathering complete; no trickle)
  to: string;                     // user part of the Request-URI sent to the bridge (e.g. the access number)
  headers: Record<string, string>;// extra SIP headers on the INVITE, e.g. { 'X-Bridge-Join': token }
  fromName?: string;              // display name in From
  listenKey?: string;             // listen-in: browsers with the same key share ONE SIP leg and ONE Opus
                                  // encoder (fan-out of the same packets, each PC its own SRTP); recvonly browser
}

export interface WebrtcSession { id: string; answerSdp: string }

export interface GatewayCounts {
  /** Browsers, listeners included (those still joining too). */
  sessions: number;
  /** Browsers on a listen key. */
  listeners: number;
  /** SIP calls to the bridge that are up (answered, not yet ended). */
  legs: number;
}
