// The gateway under measurement, alone in its own process (the bench's
// browsers and SIP UAS cost a lot of CPU themselves): started from
// test/bench/webrtc-gateway.ts, driven over IPC, reports process.cpuUsage()
// (its worker thread included).
import { WebrtcGateway, GatewayError, type WebrtcJoinRequest } from '../../../bridge/webrtc/gateway.ts';

type HostRequest =
  | { id: number; op: 'join'; req: WebrtcJoinRequest }
  | { id: number; op: 'cpu' }
  | { id: number; op: 'close' };

const opts = JSON.parse(process.argv[2] ?? '{}') as ConstructorParameters<typeof WebrtcGateway>[0];
const gw = new WebrtcGateway(opts);
await gw.start();

process.on('message', (m: HostRequest) => {
  const reply = (result: unknown): void => { process.send?.({ id: m.id, result }); };
  if (m.op === 'join') {
    gw.join(m.req).then(reply, (e: unknown) => reply({ error: e instanceof GatewayError ? e.status : String(e) }));
  } else if (m.op === 'cpu') {
    const u = process.cpuUsage();
    reply({ us: u.user + u.system, at: performance.now(), rssMiB: process.memoryUsage().rss / 2 ** 20 });
  } else {
    void gw.close().then(() => { reply(null); process.exit(0); });
  }
});
process.send?.({ id: 0, result: 'ready' });
