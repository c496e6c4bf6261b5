// Starts the web app on a host and port (make run: 127.0.0.1:8080).
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { closeStreamsOf, createWebApp, startBackgroundOf, type WebDeps } from './app.ts';
import { moduleLogger } from '../common/log.ts';

const log = moduleLogger('web');

export async function startWebServer(deps: WebDeps & { host: string; port: number }): Promise<{ url: string; close(): Promise<void> }> {
  const app = createWebApp(deps);
  const server = createServer(app);
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => { server.off('error', reject); resolve(); });
  });
  startBackgroundOf(app);
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const url = `http://${host}:${addr.port}`;
  log.info({ url }, 'web app listening');
  let closed: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        closeStreamsOf(app);
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      });
      return closed;
    },
  };
}
