// The WebRTC gateway's worker thread: Opus, DTLS-SRTP, ICE and the gateway's
// SIP user agent run here, off the thread of the bridge's SIP, IVR and HTTP.
// It serves the facade's requests (gateway-protocol.ts) with a GatewayCore and
// mirrors its counts back after every change.
import { parentPort, workerData } from 'node:worker_threads';
import { GatewayCore } from './gateway-core.ts';
import { GatewayError } from './gateway-error.ts';
import type { FromGatewayWorker, GatewayEvent, GatewayRequest, GatewayWorkerData, ToGatewayWorker } from './gateway-protocol.ts';

const port = parentPort;
if (!port) throw new Error('gateway-worker.ts runs as a worker thread');
const core = new GatewayCore(workerData as GatewayWorkerData);

function post(m: FromGatewayWorker): void { port!.postMessage(m); }
function event(ev: GatewayEvent): void { post({ ev }); }

function snapshot(): void {
  event({ type: 'counts', counts: core.counts(), listeners: core.listenerCounts() });
}

// Counts first, then the event: a listener of 'ended' sees the counts after it.
core.on('changed', snapshot);
core.on('ended', (id, reason) => { snapshot(); event({ type: 'ended', id, reason }); });

async function serve(req: GatewayRequest): Promise<unknown> {
  switch (req.op) {
    case 'start': await core.start(); return { sipPort: core.sipPort };
    case 'join': return core.join(req.req);
    case 'hangup': await core.hangup(req.id); return null;
    case 'close': await core.close(); return null;
  }
}

port.on('message', (m: ToGatewayWorker) => {
  serve(m.req).then(
    (result) => { snapshot(); post({ id: m.id, ok: true, result }); },
    (err: unknown) => {
      snapshot();
      const status = err instanceof GatewayError ? err.status : 500;
      post({ id: m.id, ok: false, status, error: (err as Error)?.message ?? String(err) });
    },
  );
});
