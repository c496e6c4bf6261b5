// The live bus in one process (`make run`): commands are direct calls to the
// IVR's LiveHost, events its own listeners. No copy, no serialisation; the
// host's answers are the same objects the PostgreSQL bus would decode.
import { NotFoundError } from '../errors.ts';
import { matches, type LiveBus, type LiveHost, type LiveListener, type LiveSubscription, type Unsubscribe } from './live.ts';
import type { LiveActor, LiveCommand, LiveCommandResult, LiveSnapshot } from './messages.ts';

export class LocalLiveBus implements LiveBus {
  constructor(private readonly host: LiveHost) {}

  async snapshot(accountId: string, conferenceId: string): Promise<LiveSnapshot> {
    const s = this.host.snapshot(accountId, conferenceId);
    if (!s) throw new NotFoundError('conference', conferenceId);
    return s;
  }

  command(accountId: string, conferenceId: string, command: LiveCommand, actor: LiveActor): Promise<LiveCommandResult> {
    return this.host.execute(accountId, conferenceId, command, actor);
  }

  subscribe(filter: LiveSubscription, listener: LiveListener): Unsubscribe {
    return this.host.subscribe((e) => { if (matches(filter, e)) listener(e); });
  }

  async close(): Promise<void> { /* the host is the IVR's to close */ }
}
