// The messages between the gateway's control-thread facade (gateway.ts) and
// its worker thread (gateway-worker.ts): requests with ids and their results,
// and events — a session ended, the counts changed.
import type { GatewayCounts, WebrtcJoinRequest, WebrtcSession } from './gateway-types.ts';

/** The worker's options (plain data: no logger, no functions cross threads). */
export interface GatewayWorkerData {
  /** The bridge's SIP address (UDP). */
  bridge: { host: string; port: number };
  /** The one address for SIP, RTP to the bridge and ICE host candidates. */
  bindHost: string;
  /** Ports for both media sides: the lower half for RTP/RTCP pairs to the bridge, the upper half for ICE. */
  rtpPortMin: number;
  rtpPortMax: number;
  /** The gateway's SIP port on bindHost (default: a free one, chosen at start()). */
  sipPort?: number;
  /** Sessions (browsers) at most, listeners included; beyond it join() fails with 503. Default 500. */
  maxSessions?: number;
  /** The bridge's 200 OK and our ICE gathering within this, else 504; ICE+DTLS connected within it after the answer. Default 15 000 ms. */
  joinTimeoutMs?: number;
  /** No RTP from a sending browser (or ICE disconnected) this long ends its session. Default 10 000 ms. */
  mediaTimeoutMs?: number;
  /** Offer G.722 (pt 9) before PCMU to the bridge. Default true. */
  offerG722?: boolean;
}

export type GatewayRequest =
  | { op: 'start' }
  | { op: 'join'; req: WebrtcJoinRequest }
  | { op: 'hangup'; id: string }
  | { op: 'close' };

export interface GatewayResults {
  start: { sipPort: number };
  join: WebrtcSession;
  hangup: null;
  close: null;
}

export interface CountsSnapshot { counts: GatewayCounts; listeners: Record<string, number> }

export type GatewayEvent =
  | { type: 'ended'; id: string; reason: string }
  | ({ type: 'counts' } & CountsSnapshot);

export interface ToGatewayWorker { id: number; req: GatewayRequest }

export type FromGatewayWorker =
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; status: number; error: string }
  | { id?: undefined; ev: GatewayEvent };
