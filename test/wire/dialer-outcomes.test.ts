// The dialer's outcomes on the wire, with sipp as the carrier trunk: ringing
// without an answer ends `no_answer` at inviteNoAnswerMs (sipp sees the
// CANCEL and sends 487); invite-cancel while ringing puts a CANCEL on the wire
// (`cancelled`); 503 and 408 from trunk A fail over to its failoverTrunkId
// (trunk B answers); the Request-URI the carrier receives follows the trunk's
// dial plan. One chair (baresip) holds the room open for all the invites.
// Ports: engine SIP 19710, RTP 49600–49799; the phone SIP 19720, RTP 19730;
// sipp 19740–19749, media 19750–19769.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LiveEvent, LiveInvite } from '../../core/live/messages.ts';
import type { Trunk } from '../../core/telephony/store.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { Phone } from '../support/ivr-phones.ts';
import { startSipp } from '../support/sipp.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 19710;
const NO_ANSWER_MS = 4000;
const work = mkdtempSync(join(tmpdir(), 'dialer-outcomes-'));
let bridge: IvrBridge;
let chair: Phone;
let conferenceId: string;
let trunkA: Trunk;
let trunkB: Trunk;
const events: { at: number; e: LiveEvent }[] = [];
const WEB = { kind: 'web', userId: 'wire-user', name: 'Wire' } as const;

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 49600, rtpMax: 49799, workers: 2, config: { callerId: '4008001000', inviteNoAnswerMs: NO_ANSWER_MS } });
  bridge.ivr.live.subscribe((e) => events.push({ at: Date.now(), e }));
  trunkA = (await bridge.repos.trunks.list()).find((t) => t.name === 'demo-carrier')!;
  trunkB = await bridge.repos.trunks.create({ name: 'zz-wire-second', host: '127.0.0.1', port: 19749, enabled: true });
  await bridge.repos.rooms.create(bridge.seed.accountId, { name: 'dialer room', number: '7013101', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
  chair = await Phone.start({ work, name: 'chair', toneHz: 440, sipPort: 19720, rtpBase: 19730 });
  await chair.dial(`sip:4008001000@${bridge.engine.sipAddress}`);
  await chair.keys('7013101#4321#');
  await waitUntil(() => bridge.ivr.rooms.byNumber('7013101')?.list().some((v) => v.from === chair.name) ?? false, 20_000, 'the chair in the room');
  conferenceId = bridge.ivr.rooms.byNumber('7013101')!.conferenceId;
});
after(async () => {
  await chair?.quit().catch(() => undefined);
  await bridge?.close();
  rmSync(work, { recursive: true, force: true });
});

const inviteEvents = (id: string) => events.flatMap(({ at, e }) => (e.type === 'invite' && e.invite.id === id ? [{ at, invite: e.invite }] : []));
const latest = (id: string): LiveInvite | undefined => inviteEvents(id).at(-1)?.invite;
const stateAt = (id: string, state: string) => inviteEvents(id).find((x) => x.invite.state === state)?.at;

async function invite(target: string): Promise<string> {
  const r = await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite', targets: [{ target }] }, WEB);
  return r.invites![0]!.id;
}

/** The Request-URIs of the INVITEs sipp received (from its -trace_msg log). */
function requestUris(dir: string): string[] {
  const log = readdirSync(dir).filter((f) => f.endsWith('_messages.log')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  return [...log.matchAll(/^INVITE (\S+) SIP\/2\.0/gm)].map((m) => m[1]!);
}

test('ringing without an answer: no_answer at inviteNoAnswerMs ± 1 s, and the carrier gets the CANCEL (487)', { timeout: 60_000 }, async () => {
  const uas = startSipp({ scenario: 'uas-no-answer.xml', localPort: 19740, mediaPort: 19750, calls: 1, timeoutS: 40, recvTimeoutMs: 30_000, dir: mkdtempSync(join(work, 'na-')) });
  await bridge.repos.trunks.update(trunkA.id, { port: 19740, failoverTrunkId: null, dialPlanId: null });
  const id = await invite('13900139101');
  await waitUntil(() => latest(id)?.state === 'no_answer', 20_000, 'no_answer');
  const waited = stateAt(id, 'no_answer')! - stateAt(id, 'calling')!;
  console.log(`# no_answer ${waited} ms after calling (inviteNoAnswerMs ${NO_ANSWER_MS})`);
  assert.ok(Math.abs(waited - NO_ANSWER_MS) <= 1000, `no_answer after ${waited} ms`);
  assert.ok(inviteEvents(id).some((x) => x.invite.state === 'ringing'), 'it rang first');
  const r = await uas.done;
  assert.equal(r.code, 0, r.summary); // the scenario only passes with CANCEL → 200, 487, ACK
});

test('invite-cancel while ringing: CANCEL on the wire, row cancelled', { timeout: 60_000 }, async () => {
  const uas = startSipp({ scenario: 'uas-no-answer.xml', localPort: 19741, mediaPort: 19752, calls: 1, timeoutS: 40, recvTimeoutMs: 30_000, dir: mkdtempSync(join(work, 'cancel-')) });
  await bridge.repos.trunks.update(trunkA.id, { port: 19741 });
  const id = await invite('13900139102');
  await waitUntil(() => latest(id)?.state === 'ringing', 10_000, 'ringing');
  await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite-cancel', inviteId: id }, WEB);
  await waitUntil(() => latest(id)?.state === 'cancelled', 5_000, 'cancelled');
  const row = await bridge.repos.invites.get(bridge.seed.accountId, id);
  assert.equal(row.state, 'cancelled');
  const r = await uas.done;
  assert.equal(r.code, 0, r.summary);
  assert.ok(stateAt(id, 'cancelled')! - stateAt(id, 'ringing')! < NO_ANSWER_MS, 'cancelled before the no-answer timer');
});

for (const [status, port] of [[503, 19742], [408, 19743]] as const) {
  test(`${status} from trunk A: the call goes to its failover trunk B, which answers`, { timeout: 60_000 }, async () => {
    const a = startSipp({ scenario: `uas-${status}.xml`, localPort: port, calls: 1, timeoutS: 40, recvTimeoutMs: 30_000, dir: mkdtempSync(join(work, `a${status}-`)) });
    const b = startSipp({ scenario: 'uas-answer.xml', localPort: 19749, mediaPort: 19760, calls: 1, timeoutS: 40, recvTimeoutMs: 30_000, dir: mkdtempSync(join(work, `b${status}-`)) });
    await bridge.repos.trunks.update(trunkA.id, { port, failoverTrunkId: trunkB.id });
    const id = await invite(`1390013920${status === 503 ? 3 : 4}`);
    await waitUntil(() => latest(id)?.state === 'answered', 20_000, 'answered on trunk B').catch(async (e: unknown) => {
      const [ra, rb] = await Promise.all([a.stop(500), b.stop(500)]);
      throw new Error(`${String(e)}; states ${inviteEvents(id).map((x) => x.invite.state).join(',')}; A: ${ra.summary} ${ra.errors}; B: ${rb.summary} ${rb.errors}`);
    });
    assert.ok(!inviteEvents(id).some((x) => ['failed', 'busy', 'rejected', 'no_answer'].includes(x.invite.state)), 'no final failure before the failover');
    const ra = await a.done;
    assert.equal(ra.code, 0, ra.summary);
    await bridge.ivr.live.execute(bridge.seed.accountId, conferenceId, { type: 'invite-cancel', inviteId: id }, WEB).catch(() => undefined);
    const rb = await b.stop(8000);
    assert.equal(rb.successful + rb.failed, 1, rb.summary); // trunk B got the one call
    await bridge.repos.trunks.update(trunkA.id, { failoverTrunkId: null });
  });
}

test('the Request-URI the carrier receives follows the trunk dial plan', { timeout: 60_000 }, async () => {
  const plan = await bridge.repos.trunks.saveDialPlan({ name: 'wire national', rules: [
    { pattern: '^\\+86(\\d+)$', replacement: '0$1', description: 'China: national form' },
    { pattern: '^\\+(\\d+)$', replacement: '9900$1', description: 'others: prefix 9900' },
  ] });
  const dir = mkdtempSync(join(work, 'plan-'));
  const uas = startSipp({ scenario: 'uas-busy.xml', localPort: 19744, calls: 2, timeoutS: 40, recvTimeoutMs: 30_000, dir, extraArgs: ['-trace_msg'] });
  await bridge.repos.trunks.update(trunkA.id, { port: 19744, dialPlanId: plan.id, failoverTrunkId: null });
  const one = await invite('+8613900139105');
  await waitUntil(() => latest(one)?.state === 'busy', 15_000, 'the first busy');
  const two = await invite('+14155550123');
  await waitUntil(() => latest(two)?.state === 'busy', 15_000, 'the second busy');
  const r = await uas.done;
  assert.equal(r.code, 0, r.summary);
  const uris = requestUris(dir);
  console.log(`# R-URIs at the carrier: ${uris.join(', ')}`);
  assert.deepEqual(uris.map((u) => u.replace(/^sip:([^@]+)@.*$/, '$1')), ['013900139105', '990014155550123']);
  await bridge.repos.trunks.update(trunkA.id, { dialPlanId: null });
});
