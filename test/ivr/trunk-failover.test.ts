// Failover to a second trunk (issue 13): a trunk that answers 503 (Q.850 34)
// has the call tried once on its failover trunk (its own host and port, its
// own dial plan); a callee's busy (486) on the first trunk is final — no
// second call. Web invites on the fake engine; the first trunk is the demo
// seed's (127.0.0.1:5080), the second one made here (127.0.0.1:5090).
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Q850 } from '../../bridge/q850.ts';
import type { LiveCommand } from '../../core/live/messages.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

const WEB = { kind: 'web', userId: 'user-1', name: 'Zhang' } as const;

describe('failover to a second trunk', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let n = 0;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base, { inviteNoAnswerMs: 30_000 }); });
  afterEach(async () => { await t.close(); });

  async function inviteWithFailover(number: string): Promise<void> {
    const first = (await base.repos.trunks.list()).find((x) => x.enabled && x.port === 5080)!;
    const second = await base.repos.trunks.create({ name: `z-backup-${++n}`, host: '127.0.0.1', port: 5090, maxConcurrent: 10, maxCallsPerSecond: 10 });
    await base.repos.trunks.update(first.id, { failoverTrunkId: second.id });
    try {
      const room = await t.room(`72081${String(n).padStart(2, '0')}`);
      await t.enter(`chair${n}`, room.number, '4321');
      const conferenceId = t.live(room.number)!.conferenceId;
      const command: LiveCommand = { type: 'invite', targets: [{ target: number }] };
      await t.drive(t.ivr.live.execute(base.seed.accountId, conferenceId, command, WEB), command.type);
      await t.run(() => t.engine.dialled.length > 0 && t.engine.dialled.every((d) => d.state !== 'calling' && d.state !== 'ringing'), 'the calls settled');
      await t.run(() => false, 'a little longer', 5_000).catch(() => undefined); // a failover call would start in this time
    } finally {
      await base.repos.trunks.update(first.id, { failoverTrunkId: null });
      await base.repos.trunks.delete(second.id);
    }
  }

  test('503 from the first trunk: the call goes to the second trunk and is answered there', async () => {
    t.engine.onDial(':5080', { outcome: { fail: Q850.NO_CIRCUIT_AVAILABLE } });
    t.engine.onDial(':5090', { outcome: 'answer' });
    await inviteWithFailover('13900139081');
    assert.equal(t.engine.dialled.length, 2, t.engine.dialled.map((d) => d.uri).join(' '));
    assert.match(t.engine.dialled[0]!.uri, /@127\.0\.0\.1:5080/);
    assert.deepEqual(t.engine.dialled[0]!.state, { failed: Q850.NO_CIRCUIT_AVAILABLE });
    assert.match(t.engine.dialled[1]!.uri, /@127\.0\.0\.1:5090/);
    assert.equal(t.engine.dialled[1]!.state, 'answered');
  });

  test('486 from the callee on the first trunk: final, no second call', async () => {
    t.engine.onDial(':5080', { outcome: 'busy' });
    t.engine.onDial(':5090', { outcome: 'answer' });
    await inviteWithFailover('13900139082');
    assert.equal(t.engine.dialled.length, 1, t.engine.dialled.map((d) => d.uri).join(' '));
    assert.deepEqual(t.engine.dialled[0]!.state, { failed: Q850.USER_BUSY });
  });
});
