// Calls waiting in the IVR per source address (ivr/call/waiting-limit.ts):
// over the limit a new call is refused before the answer with Q.850 34
// (503), its CDR closed; a caller who joins a room or hangs up frees the
// place; the carriers' addresses have their own limit. On the fake engine.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CallerScript } from '../../bridge/fake/script.ts';
import { Q850, sipFromQ850 } from '../../bridge/q850.ts';
import { DEMO } from '../../core/seed.ts';
import { WaitingLimit } from '../../ivr/call/waiting-limit.ts';
import { ivrConfig } from '../../ivr/services/config.ts';
import { FakeIvr, FakeIvrDb } from '../support/fake-ivr.ts';

const EN = '4008001000';
const ROOM = DEMO.room.number;
const SCANNER = '198.51.100.5';

describe('WaitingLimit', () => {
  test('counts per address, releases once, forgets an address at 0; 0 means no limit', () => {
    const w = new WaitingLimit({ perSource: 2, perCarrier: 0 }, ['192.0.2.1']);
    const a = w.enter('198.51.100.1');
    const b = w.enter('198.51.100.1');
    assert.ok(a && b);
    assert.equal(w.enter('198.51.100.1'), undefined);
    assert.ok(w.enter('198.51.100.2'), 'another address has its own count');
    a(); a();
    assert.equal(w.count('198.51.100.1'), 1, 'a second release does nothing');
    b();
    assert.equal(w.count('198.51.100.1'), 0);
    assert.equal(w.sources, 1);
    for (let i = 0; i < 10_000; i++) assert.ok(w.enter('192.0.2.1'), 'the carrier has no limit');
  });

  test('the settings are checked', () => {
    assert.throws(() => ivrConfig({ waiting: { perSource: -1, perCarrier: 0 } }), /ivr.waiting.perSource/);
    assert.throws(() => ivrConfig({ waiting: { perSource: 1.5, perCarrier: 0 } }), /ivr.waiting.perSource/);
  });
});

describe('calls waiting in the IVR, on the fake engine', () => {
  let base: FakeIvrDb;
  let t: FakeIvr;
  before(async () => { base = await FakeIvrDb.open(); });
  after(async () => { await base.close(); });
  afterEach(async () => { await t.close(); });

  test('the third call from one address is refused with 503 before the answer; a join or a hang-up frees a place', async () => {
    t = FakeIvr.start(base, { waiting: { perSource: 2, perCarrier: 0 } });
    const joiner = t.call('13900000101', EN, new CallerScript().onPrompt('enter-room', `${ROOM}#`, { delayMs: 5000 }).onPrompt('enter-pin', `${DEMO.room.guestPin}#`), SCANNER);
    const idle = t.call('13900000102', EN, new CallerScript(), SCANNER);
    await t.run(() => joiner.leg !== undefined && idle.leg !== undefined, 'both answered');
    const third = t.call('13900000103', EN, new CallerScript(), SCANNER);
    const s3 = await t.ended(third);
    assert.equal(third.rejected, Q850.NO_CIRCUIT_AVAILABLE);
    assert.equal(sipFromQ850(third.rejected), 503);
    assert.equal(third.leg, undefined, 'never answered');
    assert.equal(s3.outcome, 'refused:waiting');
    const cdr = await base.cdr(s3.cdrId);
    assert.deepEqual({ state: cdr.state, q850: cdr.q850 }, { state: 'closed', q850: Q850.NO_CIRCUIT_AVAILABLE });
    const other = t.call('13900000104', EN, new CallerScript(), '198.51.100.6');
    await t.run(() => other.leg !== undefined, 'another address is answered');
    await t.inRoom(joiner, ROOM);
    assert.equal(t.ivr.waiting.count(SCANNER), 1, 'the joiner left the waiting count');
    const fourth = t.call('13900000105', EN, new CallerScript(), SCANNER);
    await t.run(() => fourth.leg !== undefined, 'a place was free');
    idle.leg!.remoteHangup();
    await t.ended(idle);
    assert.equal(t.ivr.waiting.count(SCANNER), 1, 'the hang-up freed its place');
    for (const c of [fourth, other, joiner]) c.leg!.remoteHangup();
    await t.run(() => t.calls.length === 5, 'every call ended');
    assert.equal(t.ivr.waiting.sources, 0);
  });

  test('a carrier\'s address has the carriers\' limit', async () => {
    t = FakeIvr.start(base, { waiting: { perSource: 1, perCarrier: 3 } });
    const calls = [1, 2, 3].map((i) => t.call(`1390000020${i}`, EN, new CallerScript(), '127.0.0.1'));
    await t.run(() => calls.every((c) => c.leg !== undefined), 'three carrier calls answered');
    const fourth = t.call('13900000204', EN, new CallerScript(), '127.0.0.1');
    assert.equal((await t.ended(fourth)).outcome, 'refused:waiting');
    for (const c of calls) c.leg!.remoteHangup();
    await t.run(() => t.calls.length === 4, 'every call ended');
  });
});
