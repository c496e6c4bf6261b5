// The web app on a free 127.0.0.1 port over an in-memory PGlite with the
// demo seed, and an HTTP client with a cookie jar and the CSRF token.
import type { Knex } from 'knex';
import { openDatabase } from '../../core/db.ts';
import { createRepositories, type Repositories } from '../../core/repositories.ts';
import { seedDemo, type SeedResult } from '../../core/seed.ts';
import { startWebServer } from '../../web/server.ts';
import type { MailMessage, MailTransport } from '../../web/mail/mailer.ts';
import type { WebConfig } from '../../web/config.ts';
import type { WebDeps } from '../../web/app.ts';

export interface TestWeb {
  url: string;
  db: Knex;
  repos: Repositories;
  seed: SeedResult;
  /** Mails the fake transport "sent" (when started with `mail: 'capture'`). */
  sent: MailMessage[];
  clock: { now: Date };
  close(): Promise<void>;
  client(): Client;
  login(username: string, password: string): Promise<Client>;
}

export interface Response {
  status: number;
  headers: Headers;
  text: string;
  json: <T = any>() => T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export class Client {
  private cookies = new Map<string, string>();
  csrf = '';
  constructor(readonly base: string) {}

  private remember(h: Headers): void {
    for (const c of h.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = decodeURIComponent(pair!.slice(i + 1));
      if (/Max-Age=0/i.test(c)) this.cookies.delete(name); else this.cookies.set(name, value);
    }
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('; ');
  }

  async request(method: string, path: string, opts: { body?: unknown; csrf?: boolean; headers?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (this.cookies.size > 0) headers.cookie = this.cookieHeader;
    if ((opts.csrf ?? true) && this.csrf) headers['x-csrf-token'] = this.csrf;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.base + path, { method, headers, redirect: 'manual', ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}) });
    this.remember(res.headers);
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) };
  }

  get(path: string) { return this.request('GET', path); }
  post(path: string, body: unknown = {}) { return this.request('POST', path, { body }); }
  patch(path: string, body: unknown = {}) { return this.request('PATCH', path, { body }); }
  put(path: string, body: unknown = {}) { return this.request('PUT', path, { body }); }
  delete(path: string) { return this.request('DELETE', path); }

  async login(username: string, password: string): Promise<Response> {
    const r = await this.get('/api/auth/csrf');
    this.csrf = r.json<{ csrfToken: string }>().csrfToken;
    const res = await this.post('/api/auth/login', { username, password });
    if (res.status === 200) this.csrf = res.json<{ csrfToken: string }>().csrfToken;
    return res;
  }
}

export interface TestWebOptions {
  mail?: 'capture' | 'outbox';
  config?: Partial<WebConfig>;
  now?: Date;
  /** The live bus (e.g. a LocalLiveBus over a FakeLiveHost); without it the live routes answer 503. */
  live?: WebDeps['live'];
  liveTuning?: WebDeps['liveTuning'];
  /** The WebRTC gateway (a fake in web tests) and the join tokens' signer. */
  browserJoin?: WebDeps['browserJoin'];
}

export async function startTestWeb(opts: TestWebOptions = {}): Promise<TestWeb> {
  const db = await openDatabase({ inMemory: true });
  const repos = createRepositories(db, { defaultRegion: 'CN' });
  const clock = { now: opts.now ?? new Date() };
  const seed = await seedDemo(db, { now: clock.now });
  const sent: MailMessage[] = [];
  const mailer: MailTransport | undefined = opts.mail === 'capture' ? { send: async (m) => { sent.push(m); } } : undefined;
  const web = await startWebServer({
    repos, host: '127.0.0.1', port: 0, now: () => clock.now,
    config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 1000, ...opts.config },
    ...(mailer ? { mailer } : {}),
    ...(opts.live ? { live: opts.live } : {}),
    ...(opts.liveTuning ? { liveTuning: opts.liveTuning } : {}),
    ...(opts.browserJoin ? { browserJoin: opts.browserJoin } : {}),
  });
  return {
    url: web.url, db, repos, seed, sent, clock,
    close: async () => { await web.close(); await db.destroy(); },
    client: () => new Client(web.url),
    login: async (username, password) => {
      const c = new Client(web.url);
      const r = await c.login(username, password);
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.text}`);
      return c;
    },
  };
}
