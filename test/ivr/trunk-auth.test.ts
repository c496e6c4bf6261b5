// The trunk's digest credentials reach the engine: a web invite over a trunk
// with authUsername/authPassword passes both in OriginateOptions.auth (the
// fake engine records them); a trunk with only one of them passes none.
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LiveCommand } from '../../core/live/messages.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

const NUMBER = '13900139071';
const WEB = { kind: 'web', userId: 'user-1', name: 'Zhang' } as const;

describe('trunk digest credentials on calls the bridge places', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  let n = 0;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  beforeEach(() => { t = FakeIvr.start(base, { inviteNoAnswerMs: 30_000 }); });
  afterEach(async () => { await t.close(); });

  async function dialWith(auth: { authUsername: string | null; authPassword: string | null }) {
    const trunk = (await base.repos.trunks.list()).find((x) => x.enabled) ?? (await base.repos.trunks.list())[0]!;
    const saved = { authUsername: trunk.authUsername, authPassword: trunk.authPassword };
    await base.repos.trunks.update(trunk.id, auth);
    try {
      t.engine.onDial(NUMBER, { outcome: 'answer' });
      const room = await t.room(`72071${String(++n).padStart(2, '0')}`);
      await t.enter(`chair${n}`, room.number, '4321');
      const conferenceId = t.live(room.number)!.conferenceId;
      const command: LiveCommand = { type: 'invite', targets: [{ target: NUMBER }] };
      await t.drive(t.ivr.live.execute(base.seed.accountId, conferenceId, command, WEB), command.type);
      await t.run(() => t.engine.dialled.length > 0, 'dialled');
      return t.engine.dialled[0]!;
    } finally {
      await base.repos.trunks.update(trunk.id, saved);
    }
  }

  test('both set: username and password passed to originate', async () => {
    const d = await dialWith({ authUsername: 'bridge-7', authPassword: 's3cret' });
    assert.deepEqual(d.auth, { username: 'bridge-7', password: 's3cret' });
  });

  test('only a username: no credentials passed', async () => {
    const d = await dialWith({ authUsername: 'bridge-7', authPassword: null });
    assert.equal(d.auth, undefined);
  });
});
