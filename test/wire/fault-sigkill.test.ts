// SIGKILL of the bridge with calls up (issue 15), all real: the product's
// process (app/main.ts) on a throw-away PostgreSQL; two baresip phones in the
// demo room and a sipp caller still in the IVR when the process is killed.
// On restart the CDR journal (core/cdr/recorder.ts) closes every leg the
// crash left open — at its last checkpoint, Q.850 41, closed_by_recovery —
// and none is lost.
// The same restart proves the dead letter on the whole process: the journal
// also holds a leg of an account the database does not know (as after a
// restore of the database from an older backup). The bridge starts anyway,
// sets that leg aside (cdr_dead_letters, one log line), and a later call's
// CDR is written.
// Ports: app SIP 17652, web 17691, RTP 41600–41699; phones SIP 17680/17685
// (+1, +2), RTP 41720–41739; sipp SIP 17675–17679, media 41900–41999.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import { legToJson } from '../../core/cdr/leg.ts';
import { eventually, legRows, startFaultStack, type FaultStack } from '../support/fault-app.ts';
import { listen, Phone } from '../support/ivr-phones.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { startSipp } from '../support/sipp.ts';

const SIP = 17652;
const EN = `sip:4008001000@127.0.0.1:${SIP}`;
const work = mkdtempSync(join(tmpdir(), 'fault-kill-'));
let stack: FaultStack;
const phones: Phone[] = [];

before(async () => { stack = await startFaultStack({ sip: SIP, web: 17691, rtpMin: 41600, rtpMax: 41699 }); });
after(async () => {
  await Promise.allSettled(phones.map((p) => p.quit()));
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

test('SIGKILL with calls up: on restart every CDR is closed (41, by recovery); a journalled leg the database refuses is set aside and later CDRs are written', { timeout: 180_000 }, async (ctx) => {
  const chair = await Phone.start({ work, name: 'chair', toneHz: 440, sipPort: 17680, rtpBase: 41720, lifetimeS: 150 });
  const guest = await Phone.start({ work, name: 'guest', toneHz: 770, sipPort: 17685, rtpBase: 41730, lifetimeS: 150 });
  phones.push(chair, guest);
  for (const [p, pin] of [[chair, DEMO.room.chairPin], [guest, DEMO.room.guestPin]] as const) {
    await p.dial(EN);
    await p.keys(`${DEMO.room.number}#${pin}#`);
  }
  const pcap = join(work, 'in-ivr.pcap');
  makePcap(pcap, ['silence:60']);
  const inIvr = startSipp({ scenario: 'uac-pcap-expect-bye.xml', remote: `127.0.0.1:${SIP}`, localPort: 17675, mediaPort: 41900, service: '4008001000', calls: 1, keys: { pcap }, timeoutS: 90, recvTimeoutMs: 80_000 });
  await eventually(async () => {
    const open = (await legRows(stack.db)).filter((l) => l.state === 'open');
    return open.length === 3 && open.filter((l) => l.role !== null).length === 2;
  }, 30_000, 'two phones in the room and a caller in the IVR, their CDRs open in the database');
  await new Promise((r) => setTimeout(r, 3000)); // the join prompts
  const [from, to] = await listen(3000);
  assert.ok(chair.levelOf(770, from, to) - chair.levelOf(440, from, to) > 20, 'the meeting is up: the chair hears the guest');

  const killedAt = Date.now();
  stack.app.child.kill('SIGKILL');
  await stack.app.exited;
  assert.equal(stack.app.child.signalCode, 'SIGKILL');
  const before = await legRows(stack.db);
  assert.equal(before.filter((l) => l.state === 'open').length, 3, 'the crash left three CDRs open');

  // The database was restored from a backup older than the journal: one journalled leg's account is unknown to it.
  const ghost = { id: randomUUID(), account: randomUUID() };
  appendFileSync(join(stack.dataDir, 'cdr-journal.jsonl'), JSON.stringify({ t: 'snapshot', leg: legToJson({
    id: ghost.id, nodeId: 'fault-node', accountId: ghost.account, conferenceId: null, roomId: null, roomNumber: '888888', direction: 'in',
    caller: '+8613900000001', callee: '4006701018', accessNumberId: null, accessNumber: '4006701018', role: 'guest', displayName: '',
    startedAt: new Date(killedAt - 60_000), answeredAt: new Date(killedAt - 59_000), endedAt: null, lastCheckpointAt: new Date(killedAt - 45_000),
    q850Cause: null, state: 'open', closedByRecovery: false,
  }) }) + '\n');

  await stack.restart();
  const restartMs = Date.now() - killedAt;
  const closed = await eventually(async () => {
    const rows = (await legRows(stack.db)).filter((l) => before.some((b) => b.id === l.id));
    return rows.every((l) => l.state === 'closed') ? rows : undefined;
  }, 30_000, 'the three CDRs closed by recovery');
  for (const l of closed) {
    assert.deepEqual([l.q850_cause, l.closed_by_recovery], [41, true], `leg ${l.id}`);
    assert.ok(l.ended_at && l.ended_at.getTime() <= killedAt, 'closed at its last checkpoint, before the kill');
  }
  const dead = await eventually(async () => stack.db('cdr_dead_letters').where({ leg_id: ghost.id }).first() as Promise<Record<string, unknown> | undefined>, 20_000, 'the refused leg set aside');
  assert.equal(dead.error_code, '23503');
  assert.equal((await stack.db('call_legs').where({ id: ghost.id })).length, 0);
  const reported = stack.app.output().split('\n').filter((l) => l.includes(ghost.id) && l.includes('dead letter'));
  assert.equal(reported.length, 1, 'one log line for the refused leg');
  assert.ok(!readFileSync(join(stack.dataDir, 'cdr-journal.jsonl'), 'utf8').includes(ghost.id), 'the journal compacted past it');

  // The phones' calls died with the process; a new call after the restart gets its CDR written.
  await chair.hangup();
  await guest.hangup();
  const legsBefore = (await legRows(stack.db)).length;
  await chair.dial(EN);
  await chair.keys(`${DEMO.room.number}#${DEMO.room.chairPin}#`);
  await eventually(async () => (await legRows(stack.db)).filter((l) => l.state === 'open' && l.role === 'chair').length === 1, 30_000, 'the chair back in the room');
  await chair.hangup();
  const rows = await eventually(async () => {
    const all = await legRows(stack.db);
    return all.length === legsBefore + 1 && all.every((l) => l.state === 'closed') ? all : undefined;
  }, 20_000, 'the new call\'s CDR closed');
  const fresh = rows.find((l) => !before.some((b) => b.id === l.id))!;
  assert.deepEqual([fresh.role, fresh.q850_cause, fresh.closed_by_recovery], ['chair', 16, false]);
  await inIvr.stop(1000);
  ctx.diagnostic(`restarted and ready ${restartMs} ms after the SIGKILL; 3 CDRs closed by recovery, 1 leg dead-lettered (${String(dead.error_code)}), a later call's CDR written`);
});
