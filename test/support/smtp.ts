// A real SMTP server for mail tests (npm smtp-server) on 127.0.0.1: keeps
// every message it accepts (envelope and raw text), can refuse recipients
// with a permanent 550, and can be stopped and started again on the same port
// (SMTP "down", then back).
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
  subject: string;
}

export interface MimePart { contentType: string; body: string }

/** The leaf parts of a MIME message, decoded (base64, quoted-printable); enough for the mails nodemailer writes. */
export function mimeParts(raw: string): MimePart[] {
  const boundaries = [...raw.matchAll(/boundary="?([^";\r\n]+)"?/gi)].map((m) => m[1]!);
  if (boundaries.length === 0) return [];
  const esc = (b: string) => b.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const chunks = raw.split(new RegExp(`\\r?\\n--(?:${boundaries.map(esc).join('|')})(?:--)?\\r?\\n`));
  const out: MimePart[] = [];
  for (const chunk of chunks.slice(1)) {
    const split = chunk.search(/\r?\n\r?\n/);
    if (split < 0) continue;
    const headers = chunk.slice(0, split).replace(/\r?\n[ \t]/g, ' ');
    const contentType = /^Content-Type:\s*([^;\r\n]+)/im.exec(headers)?.[1]?.trim().toLowerCase() ?? '';
    if (contentType.startsWith('multipart/')) continue;
    const encoding = /^Content-Transfer-Encoding:\s*(\S+)/im.exec(headers)?.[1]?.toLowerCase() ?? '7bit';
    const body = chunk.slice(split).replace(/^\r?\n\r?\n/, '');
    const decoded = encoding === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable' ? Buffer.from(body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8')
        : body;
    out.push({ contentType, body: decoded });
  }
  return out;
}

/** The mail's text part and its .ics (the first text/calendar part). */
export function textAndIcs(raw: string): { text: string; ics: string } {
  const parts = mimeParts(raw);
  return { text: parts.find((p) => p.contentType === 'text/plain')?.body ?? '', ics: parts.find((p) => p.contentType === 'text/calendar')?.body ?? '' };
}

export interface TestSmtp {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedMail[];
  /** Resolves when `n` messages have arrived; rejects after timeoutMs. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** RFC 2047 encoded-words in a header (nodemailer writes non-ASCII subjects that way). */
export function decodeHeader(v: string): string {
  return v.replace(/\r?\n[ \t]/g, ' ').replace(/=\?utf-8\?([BQ])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toUpperCase() === 'B' ? Buffer.from(text, 'base64').toString('utf8')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'));
}

function subjectOf(raw: string): string {
  const m = /^Subject: (.*(?:\r?\n[ \t].*)*)/im.exec(raw);
  return m ? decodeHeader(m[1]!).trim() : '';
}

export async function startTestSmtp(opts: { refuse?: (rcpt: string) => boolean; port?: number } = {}): Promise<TestSmtp> {
  const received: ReceivedMail[] = [];
  const waiters: Array<() => void> = [];
  let server: SMTPServer | undefined;
  let port = opts.port ?? 0;

  const make = (): SMTPServer => new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'], logger: false, size: 5_000_000,
    onRcptTo(address, _session, cb) {
      if (opts.refuse?.(address.address)) {
        const err = new Error(`mailbox ${address.address} unavailable`) as Error & { responseCode: number };
        err.responseCode = 550;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address), raw, subject: subjectOf(raw),
        });
        for (const w of waiters.splice(0)) w();
        cb();
      });
    },
  });

  const start = async (): Promise<void> => {
    const s = make();
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => { s.off('error', reject); resolve(); });
    });
    const addr = s.server.address();
    if (typeof addr === 'object' && addr) port = addr.port;
    server = s;
  };
  await start();

  return {
    get port() { return port; },
    get url() { return `smtp://127.0.0.1:${port}`; },
    received,
    waitFor(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (received.length >= n) { clearTimeout(timer); resolve(received.slice()); } else waiters.push(check);
        };
        const timer = setTimeout(() => reject(new Error(`SMTP: ${received.length} of ${n} mails after ${timeoutMs} ms`)), timeoutMs);
        check();
      });
    },
    async stop() {
      const s = server;
      server = undefined;
      if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    start,
  };
}
