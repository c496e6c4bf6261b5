// Waiting for another process's socket without sleeping blindly: a port is
// taken once binding it fails with EADDRINUSE.
import dgram from 'node:dgram';
import net from 'node:net';

async function udpInUse(port: number, host: string): Promise<boolean> {
  const sock = dgram.createSocket('udp4');
  return new Promise((resolve) => {
    sock.once('error', (err: NodeJS.ErrnoException) => { sock.close(); resolve(err.code === 'EADDRINUSE'); });
    sock.bind(port, host, () => { sock.close(); resolve(false); });
  });
}

async function tcpInUse(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/** Resolves once something listens on `port` (UDP or TCP), polling every 25 ms; rejects after `timeoutMs`. */
export async function waitForPort(port: number, transport: 'udp' | 'tcp' = 'udp', timeoutMs = 5000, host = '127.0.0.1'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    if (transport === 'udp' ? await udpInUse(port, host) : await tcpInUse(port, host)) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${transport} ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls `cond` every 10 ms until it holds; rejects after `timeoutMs`. */
export async function waitUntil(cond: () => boolean, timeoutMs: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    if (cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
