// One webhook request: POST the body to the endpoint's URL over http or
// https, connecting only to an address the AddressGuard allows. The name is
// resolved through the guard (the `lookup` handed to the socket), so the
// connection goes to the address that was checked while the Host header and
// the TLS SNI and certificate check keep the URL's name; the socket's remote
// address is checked again on connect. Redirects are not followed (a 3xx is
// the answer). The whole exchange is bounded by `timeoutMs`; at most 2 KB of
// the answer is read (for the log), the rest is dropped.
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressGuard } from './address-guard.ts';

export interface PostResult {
  /** The HTTP status, or null when no answer came (then `error`). */
  status: number | null;
  error: string | null;
  durationMs: number;
  /** The start of the answer's body (for the log). */
  snippet: string;
  /** The address was forbidden: not sent, and not worth retrying. */
  refused?: boolean;
}

const SNIPPET_BYTES = 2048;

/** A `lookup` that resolves through the guard: refuses when any address of the name is forbidden. */
function guardedLookup(guard: AddressGuard): LookupFunction {
  return (hostname, options, callback) => {
    guard.check(hostname).then((addresses) => {
      const family = typeof options === 'object' && options.family ? options.family : 0;
      const usable = addresses.filter((a) => family === 0 || isIP(a) === family);
      if (usable.length === 0) { callback(Object.assign(new Error(`no usable address for ${hostname}`), { code: 'ENOTFOUND' }), '', 4); return; }
      if (typeof options === 'object' && options.all) {
        (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, usable.map((a) => ({ address: a, family: isIP(a) })));
      } else {
        callback(null, usable[0]!, isIP(usable[0]!));
      }
    }, (err: unknown) => callback(err as NodeJS.ErrnoException, '', 4));
  };
}

export async function postWebhook(guard: AddressGuard, url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostResult> {
  const started = performance.now();
  const done = (r: Omit<PostResult, 'durationMs'>): PostResult => ({ ...r, durationMs: Math.round(performance.now() - started) });
  let u: URL;
  try { u = new URL(url); } catch { return done({ status: null, error: 'invalid URL', snippet: '' }); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return done({ status: null, error: `unsupported scheme ${u.protocol}`, snippet: '' });
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
  // An IP literal is not looked up: checked here (and on connect below).
  if (isIP(host)) {
    const why = guard.refusal(host);
    if (why) return done({ status: null, error: `forbidden address ${host}: ${why}`, snippet: '', refused: true });
  }
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    const finish = (r: Omit<PostResult, 'durationMs'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(done(r));
    };
    const req = lib.request(u, {
      method: 'POST', lookup: guardedLookup(guard), agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'conference-bridge-webhooks/1', ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < SNIPPET_BYTES) chunks.push(c.subarray(0, SNIPPET_BYTES - size));
        size += c.length;
        if (size >= SNIPPET_BYTES) res.destroy();
      });
      const end = () => finish({ status: res.statusCode ?? null, error: null, snippet: Buffer.concat(chunks).toString('utf8') });
      res.on('end', end);
      res.on('close', end);
      res.on('error', end);
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish({ status: null, error: `no answer within ${timeoutMs} ms`, snippet: '' });
    }, timeoutMs);
    req.on('socket', (socket) => {
      socket.once('connect', () => {
        const remote = socket.remoteAddress ?? '';
        const why = guard.refusal(remote);
        if (why) {
          req.destroy();
          finish({ status: null, error: `forbidden address ${remote}: ${why}`, snippet: '', refused: true });
        }
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => finish({
      status: null, error: (err.code ? `${err.code}: ` : '') + err.message, snippet: '', ...(err.name === 'ValidationError' ? { refused: true } : {}),
    }));
    req.end(body);
  });
}
