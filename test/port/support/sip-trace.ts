// What sipp saw on the wire, from its -trace_msg log: each message received,
// its first line and headers, so a test can check the status and the Reason
// (RFC 3326) or Retry-After (RFC 3261 §20.33) the engine under test sent.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PORT_SCENARIOS = resolve(import.meta.dirname, '../scenarios');

export interface TracedMessage {
  /** "SIP/2.0 486 Busy Here" or "BYE sip:… SIP/2.0". */
  firstLine: string;
  status?: number;
  method?: string;
  header(name: string): string | undefined;
  /** The body, lines joined with \n. */
  body: string;
}

/** The messages sipp received (not those it sent), in order, from the *_messages.log files of `dir`. */
export function receivedMessages(dir: string): TracedMessage[] {
  const logs = readdirSync(dir).filter((f) => f.endsWith('_messages.log')).map((f) => readFileSync(join(dir, f), 'utf8'));
  const out: TracedMessage[] = [];
  for (const log of logs) {
    for (const block of log.split(/^-{20,}.*$/m)) {
      const m = /message received \[\d+\] bytes :\s*\n\s*\n?([\s\S]*)/.exec(block);
      if (!m) continue;
      const lines = m[1]!.split(/\r?\n/);
      const firstLine = lines[0]!.trim();
      if (firstLine === '') continue;
      const headers = new Map<string, string>();
      let bodyAt = lines.length;
      for (const [n, l] of lines.slice(1).entries()) {
        if (l.trim() === '') { bodyAt = n + 2; break; }
        const i = l.indexOf(':');
        if (i > 0) {
          const name = l.slice(0, i).trim().toLowerCase();
          if (!headers.has(name)) headers.set(name, l.slice(i + 1).trim());
        }
      }
      const status = /^SIP\/2\.0 (\d{3})/.exec(firstLine)?.[1];
      out.push({
        firstLine,
        ...(status ? { status: Number(status) } : { method: firstLine.split(' ')[0] }),
        header: (name) => headers.get(name.toLowerCase()),
        body: lines.slice(bodyAt).join('\n').trim(),
      });
    }
  }
  return out;
}

/** The Q.850 cause of a Reason header value ("Q.850;cause=17;text=…"), if any. */
export function reasonCause(value: string | undefined): number | undefined {
  const m = /Q\.850\s*;\s*cause\s*=\s*(\d+)/i.exec(value ?? '');
  return m ? Number(m[1]) : undefined;
}
