// What the web needs of the WebRTC gateway (bridge/webrtc/gateway.ts, wired
// by app/): answer a browser's offer with one SIP call to the bridge, hang it
// up, count a listen-in link's browsers, and tell when a session ended. The
// web sees only this shape (web imports nothing of bridge/).
export interface BrowserJoinRequest {
  offerSdp: string;
  /** The Request-URI user the gateway dials: the room number. */
  to: string;
  headers: Record<string, string>;
  fromName?: string;
  /** Listen-in: browsers of one key share one SIP leg; the browser only receives. */
  listenKey?: string;
}

export interface BrowserGateway {
  join(req: BrowserJoinRequest): Promise<{ id: string; answerSdp: string }>;
  hangup(id: string): Promise<void>;
  listeners(listenKey: string): number;
  on(event: 'ended', fn: (id: string, reason: string) => void): unknown;
}

/** A refusal of the gateway with the SIP status it met (403 refused, 486/480 …, 504 timeout, 400 bad SDP). */
export function gatewayStatusOf(err: unknown): number | null {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' && (err as Error).name === 'GatewayError' ? s : null;
}
