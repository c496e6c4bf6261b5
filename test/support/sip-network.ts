// An in-memory SIP network for the user agent's unit tests: endpoints keyed
// by "host:port"; every message goes through serialise → parse on the way,
// as on the wire, and is logged (time, from, to, method or status).
import type { SipMessage } from '../../bridge/sip/message/message.ts';
import { parseMessage } from '../../bridge/sip/message/parser.ts';
import { serializeMessage } from '../../bridge/sip/message/serialize.ts';
import type { Destination } from '../../bridge/sip/transport/types.ts';
import type { FakeClock } from './step-clock.ts';

type Handler = (msg: SipMessage, source: Destination) => void;

/** A network of endpoints keyed by "host:port"; messages go through serialise → parse. */
export class Network {
  readonly log: Array<{ at: number; from: string; to: string; line: string }> = [];
  private readonly endpoints = new Map<string, Handler[]>();
  /** Drop messages matching this (e.g. to lose an ACK). */
  drop: ((msg: SipMessage) => boolean) | undefined;
  constructor(readonly clock: FakeClock) {}

  endpoint(host: string, port: number) {
    const key = `${host}:${port}`;
    const handlers: Handler[] = [];
    this.endpoints.set(key, handlers);
    return {
      on: (_e: 'message', fn: Handler) => { handlers.push(fn); },
      send: (msg: SipMessage, dest: Destination) => {
        const bytes = serializeMessage(msg);
        const parsed = parseMessage(bytes);
        const line = parsed.kind === 'request' ? `${parsed.method}` : `${parsed.status} ${parsed.cseq.method}`;
        this.log.push({ at: this.clock.now(), from: key, to: `${dest.address}:${dest.port}`, line });
        if (this.drop?.(parsed)) return;
        // Delivered asynchronously at the same fake instant, like a fast network.
        queueMicrotask(() => {
          for (const h of this.endpoints.get(`${dest.address}:${dest.port}`) ?? []) h(parsed, { transport: 'udp', address: host, port });
        });
      },
    };
  }

  lines(from?: string): string[] { return this.log.filter((l) => !from || l.from === from).map((l) => l.line); }
}
