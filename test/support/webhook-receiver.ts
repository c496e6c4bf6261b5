// A webhook receiver for the tests: node:http on 127.0.0.1, an ephemeral
// port. It keeps every request (method, path, headers, raw body exactly as
// received) and answers with the status `answer` gives for it (200 unless
// told otherwise). `waitFor` waits for a condition on what came, bounded.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received { method: string; path: string; headers: IncomingHttpHeaders; raw: Buffer; at: number }

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** The status to answer the n-th request (0-based) with; default 200. */
  answer: (n: number, r: Received) => number | { status: number; headers?: Record<string, string> } = () => 200;
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(): Promise<WebhookReceiver> {
    let self: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const r: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, raw: Buffer.concat(chunks), at: Date.now() };
        const n = self!.received.length;
        self!.received.push(r);
        const a = self!.answer(n, r);
        const { status, headers } = typeof a === 'number' ? { status: a, headers: {} } : a;
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        res.end(status >= 400 ? `error ${status}` : 'ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    self = new WebhookReceiver(server, `http://127.0.0.1:${port}`);
    return self;
  }

  get port(): number { return Number(new URL(this.url).port); }

  /** The JSON bodies received, in order. */
  bodies<T = { id: string; type: string; data: Record<string, unknown> }>(): T[] {
    return this.received.map((r) => JSON.parse(r.raw.toString('utf8')) as T);
  }

  async waitFor(what: string, cond: (r: Received[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond(this.received)) {
      if (Date.now() > end) throw new Error(`webhook receiver: timed out waiting for ${what} (${this.received.length} received)`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
