// The messages between the gateway's control-thread facade (gateway.ts) and
// its worker thread (gateway-worker.ts): requests with ids and their results,
// and events — a session ended, the counts changed.
import type { GatewayCounts, WebrtcJoinRequest, WebrtcSession } from './gateway-types.ts';

/** The worker's options (plain data: no logger, no functions cross threads). */
export interface GatewayWorkerData {
  bridge: { host: string; port: number };
  bindHost: string;
  rtpPortMin: number;
  rtpPortMax: number;
  sipPort?: number;
  maxSessions?: number;
  joinTimeoutMs?: number;
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
