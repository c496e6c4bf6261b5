// PgEventSender without a database: a fake listening connection records what
// would be NOTIFYed. Every event queued is sent, in order, whatever tick it
// is queued on (an event queued just as the drain loop ends once stayed
// queued until the next event came); while the connection is down events are
// dropped, not held; a failed send drops the queue and sending resumes.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../../common/events.ts';
import { moduleLogger } from '../../common/log.ts';
import type { LiveEvent } from '../../core/live/messages.ts';
import { PgEventSender } from '../../core/live/pg-event-sender.ts';
import type { PgListener, PgListenerEvents } from '../../core/live/pg-listener.ts';

class FakeWire extends TypedEmitter<PgListenerEvents> {
  connected = true;
  failNext = false;
  readonly sent: string[] = [];
  async query(_text: string, values: unknown[]): Promise<unknown> {
    if (this.failNext) { this.failNext = false; throw new Error('connection reset'); }
    this.sent.push(values[1] as string);
    return { rows: [] };
  }
  up(): void { this.connected = true; this.emit('up'); }
  down(): void { this.connected = false; this.emit('down'); }
}

const event = (n: number): LiveEvent => ({ type: 'warning', conferenceId: 'c', accountId: 'a', at: 't', minutesLeft: n });
const sentNumbers = (w: FakeWire): number[] => w.sent.map((p) => (JSON.parse(p) as { minutesLeft: number }).minutesLeft);

function setUp(): { wire: FakeWire; sender: PgEventSender } {
  const wire = new FakeWire();
  return { wire, sender: new PgEventSender(wire as unknown as PgListener, moduleLogger('test')) };
}

describe('PgEventSender', () => {
  it('sends every event in order, whichever microtask it is queued on', async () => {
    const { wire, sender } = setUp();
    for (let i = 0; i < 200; i++) {
      sender.send(event(i));
      for (let t = 0; t < i % 7; t++) await Promise.resolve();
    }
    await sender.idle();
    assert.deepEqual(sentNumbers(wire), Array.from({ length: 200 }, (_, i) => i));
  });

  it('drops events while the connection is down, and sends again once it is up', async () => {
    const { wire, sender } = setUp();
    sender.send(event(1));
    await sender.idle();
    wire.down();
    sender.send(event(2));
    wire.up();
    sender.send(event(3));
    await sender.idle();
    assert.deepEqual(sentNumbers(wire), [1, 3]);
  });

  it('a failed send drops what is queued; later events go out', async () => {
    const { wire, sender } = setUp();
    wire.failNext = true;
    sender.send(event(1));
    sender.send(event(2));
    await sender.idle();
    sender.send(event(3));
    await sender.idle();
    assert.deepEqual(sentNumbers(wire), [3]);
  });
});
