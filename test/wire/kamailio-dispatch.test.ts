// Kamailio in front of three bridge nodes (issue #18, deploy/kamailio/):
// Debian's kamailio with the project's kamailio.cfg on 127.0.0.1:17400, three
// embedded engines on 127.0.0.2/3/4:17401 (RTP 30000–30099 on each address;
// the app's per-source limits, 127.0.0.1 listed as a carrier's address),
// sipp callers on 127.0.0.1:17410–17449 (media 17450–17499). Shows:
//  - OPTIONS to Kamailio → 200, REGISTER → 405, Max-Forwards 0 → 483;
//  - calls are spread over all three nodes (round-robin); the caller's BYE
//    reaches the node that answered (record-route / loose-route), and a
//    node's BYE reaches the caller through Kamailio;
//  - a node closed is out within 5 s (its address then turns silent: a UDP
//    socket takes its port and only counts what arrives), calls meanwhile
//    fail over and all succeed; it is back once a node answers there again;
//  - a draining node (refuseNewCalls: INVITE and OPTIONS → 503) is marked
//    down by the OPTIONS pings within 5 s and gets no new calls; an idle
//    node that dies is marked down by the pings alone within 5 s;
//  - a flood from 127.0.0.2:17440 is dropped by pike while a caller from
//    127.0.0.1 gets through.
// KAMAILIO_TEST_DUMP=<file> writes Kamailio's log there (a debugging aid).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { TestEngine } from '../support/media-engine.ts';
import { startKamailio, type KamailioProcess } from '../support/kamailio.ts';
import { runSipp, startSipp, type SippResult } from '../support/sipp.ts';
import { waitUntil } from '../support/ports.ts';
import { Q850 } from '../../bridge/q850.ts';

const PROXY = { host: '127.0.0.1', port: 17400 };
const REMOTE = `${PROXY.host}:${PROXY.port}`;
const NODE_HOSTS = ['127.0.0.2', '127.0.0.3', '127.0.0.4'] as const;
const NODE_PORT = 17401;
/** Calls to this number are held until the caller hangs up. */
const HOLD = '7000';
/** Calls to this number are ended by the node after 300 ms. */
const NODE_HANGS_UP = '7001';

const nodes = new Map<string, TestEngine>();
let kamailio: KamailioProcess;
let sippSlot = 0;
/** A fresh sipp port and media port for each run (17410–17419, 17450–17489). */
function sippPorts(): { localPort: number; mediaPort: number } {
  const slot = sippSlot++;
  assert.ok(slot < 10, 'out of sipp ports');
  return { localPort: 17410 + slot, mediaPort: 17450 + 4 * slot }; // sipp binds the media port and the one 2 above
}

async function startNode(host: string): Promise<TestEngine> {
  // As deploy/kamailio/README.md says: the app's per-source limits, with Kamailio's address as a carrier's.
  const e = new TestEngine({
    host, sipPort: NODE_PORT, rtpMin: 30000, rtpMax: 30099,
    sip: { requestsPerS: 20, carrierRequestsPerS: 500 }, carrierAddresses: [PROXY.host],
  });
  e.handle(HOLD, (leg) => new Promise((resolve) => leg.on('hangup', resolve)));
  e.handle(NODE_HANGS_UP, async (leg) => {
    await new Promise((r) => setTimeout(r, 300));
    await leg.hangup(Q850.NORMAL_CLEARING);
  });
  await e.start();
  nodes.set(host, e);
  return e;
}

const node = (host: string): TestEngine => {
  const e = nodes.get(host);
  if (!e) throw new Error(`no node on ${host}`);
  return e;
};
/** Calls a node was offered, to `number` (INVITEs that reached it). */
const offered = (host: string, number: string): number => node(host).to(number).length;
const countsOf = (number: string): Record<string, number> => Object.fromEntries(NODE_HOSTS.map((h) => [h, nodes.has(h) ? offered(h, number) : 0]));

/** Kamailio's "INVITE <call-id> from … to sip:<node>" lines (debug 2) at or after `since`, by node. */
function routedSince(since: number): string[] {
  return kamailio.lines.filter((l) => l.at >= since).flatMap((l) => {
    const m = /INVITE \S+ from \S+ to sip:([\d.]+):\d+/.exec(l.line);
    return m ? [m[1]!] : [];
  });
}

function callers(o: { service: string; calls: number; rate: number; holdMs?: number; scenario?: string; timeoutS?: number }): Promise<SippResult> {
  return runSipp({
    scenario: o.scenario ?? 'uac-call-proxied.xml', remote: REMOTE, ...sippPorts(), service: o.service,
    calls: o.calls, rate: o.rate, limit: 20, durationMs: o.holdMs ?? 300, timeoutS: o.timeoutS ?? 40, recvTimeoutMs: 8000,
  });
}

before(async () => {
  for (const h of NODE_HOSTS) await startNode(h);
  kamailio = startKamailio({ listen: PROXY, nodes: NODE_HOSTS.map((h) => `${h}:${NODE_PORT}`) });
  await kamailio.ready(10_000);
});

after(async () => {
  if (process.env.KAMAILIO_TEST_DUMP) (await import('node:fs')).writeFileSync(process.env.KAMAILIO_TEST_DUMP, kamailio.lines.map((l) => `${l.at} ${l.line}`).join('\n'));
  const code = await kamailio?.stop();
  console.log(`# kamailio exited with ${code}`);
  await Promise.allSettled([...nodes.values()].map((e) => e.close()));
});

/** One request from 127.0.0.1:17449 to Kamailio; the status line of the first final answer (bounded wait). */
async function ask(method: string, opts: { uri?: string; maxForwards?: number } = {}): Promise<string> {
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(17449, '127.0.0.1', () => r()));
  const n = Math.floor(Math.random() * 1e9);
  const uri = opts.uri ?? `sip:${REMOTE}`;
  const msg = [
    `${method} ${uri} SIP/2.0`,
    `Via: SIP/2.0/UDP 127.0.0.1:17449;branch=z9hG4bKsanity${n};rport`,
    `From: <sip:sanity@127.0.0.1:17449>;tag=s${n}`,
    `To: <${uri}>`,
    `Call-ID: sanity-${n}`,
    `CSeq: 1 ${method}`,
    `Contact: <sip:sanity@127.0.0.1:17449>`,
    `Max-Forwards: ${opts.maxForwards ?? 70}`,
    'Content-Length: 0', '', '',
  ].join('\r\n');
  try {
    return await new Promise<string>((resolveAnswer, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final answer to ${method} within 3 s`)), 3000);
      sock.on('message', (m) => {
        const line = m.toString().split('\r\n', 1)[0]!;
        if (!/^SIP\/2\.0 1\d\d /.test(line)) { clearTimeout(timer); resolveAnswer(line); }
      });
      sock.send(msg, PROXY.port, PROXY.host);
    });
  } finally {
    sock.close();
  }
}

test('sanity: OPTIONS to Kamailio itself → 200, REGISTER → 405 (no registrar), Max-Forwards 0 → 483', async () => {
  assert.match(await ask('OPTIONS'), /^SIP\/2\.0 200 /);
  assert.match(await ask('REGISTER'), /^SIP\/2\.0 405 /);
  assert.match(await ask('INVITE', { uri: `sip:${HOLD}@${REMOTE}`, maxForwards: 0 }), /^SIP\/2\.0 483 /);
  assert.equal(NODE_HOSTS.reduce((n, h) => n + offered(h, HOLD), 0), 0, 'the INVITE with Max-Forwards 0 reached no node');
});

test('calls spread over the three nodes; BYEs follow the Route set both ways', async () => {
  const r = await callers({ service: HOLD, calls: 30, rate: 10 });
  assert.equal(r.code, 0, r.summary);
  assert.equal(r.successful, 30, r.summary);
  const counts = countsOf(HOLD);
  console.log(`# 30 calls by node: ${JSON.stringify(counts)}`);
  for (const h of NODE_HOSTS) assert.ok(counts[h]! >= 8, `node ${h} got ${counts[h]} of 30 calls: ${JSON.stringify(counts)}`);
  // The caller's BYE went to Kamailio with the Route set and reached the node that answered: that node's leg ended by the remote side.
  for (const h of NODE_HOSTS) {
    await waitUntil(() => node(h).to(HOLD).every((c) => c.done), 5000, `every call on ${h} to end`);
    for (const c of node(h).to(HOLD)) assert.equal(c.hangup?.by, 'remote', `call ${c.call.callId} on ${h}: ${JSON.stringify(c.hangup)}`);
  }
  // The node's BYE: sent to the caller's Contact through Kamailio (its Record-Route), 200 back the same way.
  const b = await callers({ service: NODE_HANGS_UP, calls: 6, rate: 6, scenario: 'uac-expect-bye.xml' });
  assert.equal(b.successful, 6, b.summary);
  const byes = kamailio.lines.filter((l) => /BYE \S+ from 127\.0\.0\.[234]:17401/.test(l.line)).length;
  assert.ok(byes >= 6, `Kamailio relayed ${byes} BYEs from the nodes`);
  for (const h of NODE_HOSTS) assert.ok(offered(h, NODE_HANGS_UP) >= 1, `node ${h} answered none of the node-hangs-up calls`);
});

test('a node that stops answering is out within 5 s (calls fail over meanwhile) and back when it answers again', async () => {
  const dead = '127.0.0.3';
  // Calls keep coming while the node goes away: 5/s for 8 s.
  const load = startSipp({
    scenario: 'uac-call-proxied.xml', remote: REMOTE, ...sippPorts(), service: HOLD, calls: 40, rate: 5, limit: 20, durationMs: 200, timeoutS: 40, recvTimeoutMs: 8000,
  });
  await waitUntil(() => offered(dead, HOLD) >= 10 + 1, 5000, 'a call on the node under load');
  // Calls up on the node when it dies die with it (its close() sends their BYEs, crossing the callers' own): those may fail, no other.
  const inFlight = node(dead).to(HOLD).filter((c) => !c.done).length;
  const killedAt = Date.now();
  await node(dead).close();
  nodes.delete(dead);
  // Its address turns silent: whatever arrives there is counted, nothing is answered.
  const silent = dgram.createSocket('udp4');
  const arrivals: Array<{ at: number; method: string }> = [];
  silent.on('message', (m) => arrivals.push({ at: Date.now(), method: m.toString().split(' ', 1)[0]! }));
  await new Promise<void>((resolveBind, reject) => { silent.once('error', reject); silent.bind(NODE_PORT, dead, () => resolveBind()); });
  let passed = false;
  try {
    const down = await kamailio.waitForLine(/node down: .*sip:127\.0\.0\.3:17401/, killedAt, 5000);
    const r = await load.done;
    assert.ok(r.failed <= inFlight, `${r.failed} calls failed, ${inFlight} were up on the node when it died: ${r.summary}`);
    assert.equal(r.successful + r.failed, 40, `every new call succeeds, failing over from the dead node: ${r.summary}`);
    const invites = arrivals.filter((a) => a.method === 'INVITE');
    const lastInvite = invites.at(-1)?.at ?? killedAt;
    const routedAfterDown = routedSince(down.at + 1).filter((h) => h === dead).length;
    console.log(`# ${inFlight} calls up on the node when it died, ${r.failed} failed; killed → marked down ${down.at - killedAt} ms; INVITEs to the dead node after the kill: ${invites.length}, the last ${lastInvite - killedAt} ms after; OPTIONS there: ${arrivals.filter((a) => a.method === 'OPTIONS').length}`);
    assert.ok(down.at - killedAt <= 5000);
    assert.ok(lastInvite - killedAt <= 5000, `INVITEs reached the dead node until ${lastInvite - killedAt} ms after the kill`);
    assert.equal(routedAfterDown, 0, 'no INVITE routed to the node once it was down');
    assert.ok(routedSince(down.at + 1).length >= 10, 'calls went on to the other nodes');
    passed = true;
  } finally {
    await load.stop(1000);
    await new Promise<void>((r) => silent.close(() => r()));
    // On a failure: Kamailio's log since the kill (the failure's story), and a node back on the address so the tests after this one still mean what they say.
    if (!passed) {
      console.log(kamailio.lines.filter((l) => l.at >= killedAt - 500).slice(0, 80).map((l) => `# +${l.at - killedAt} ms ${l.line}`).join('\n'));
      await startNode(dead);
    }
  }
  // Back: a node on that address again; the next OPTIONS answered 200 puts it up.
  const restartedAt = Date.now();
  await startNode(dead);
  const up = await kamailio.waitForLine(/node up: .*sip:127\.0\.0\.3:17401/, restartedAt, 5000);
  console.log(`# restarted → marked up ${up.at - restartedAt} ms`);
  const r = await callers({ service: HOLD, calls: 9, rate: 9 });
  assert.equal(r.successful, 9, r.summary);
  assert.ok(offered(dead, HOLD) >= 2, `the restarted node took ${offered(dead, HOLD)} of 9 calls`);
});

test('a draining node is out by its pings within 5 s and gets no new calls', async () => {
  const draining = '127.0.0.4';
  const before = offered(draining, HOLD);
  const drainAt = Date.now();
  node(draining).engine.refuseNewCalls({ retryAfterS: 30 });
  // No call meanwhile: the OPTIONS pings alone (answered 503 now) take it out.
  const down = await kamailio.waitForLine(/node down: OPTIONS sip:127\.0\.0\.4:17401/, drainAt, 5000);
  console.log(`# drain → marked down by the pings ${down.at - drainAt} ms`);
  const r = await callers({ service: HOLD, calls: 12, rate: 6 });
  assert.equal(r.successful, 12, `every call succeeds on the other nodes: ${r.summary}`);
  assert.equal(offered(draining, HOLD), before, 'the draining node answered no new call');
  assert.equal(routedSince(drainAt).filter((h) => h === draining).length, 0, 'no INVITE was routed to the draining node');
  assert.ok(offered('127.0.0.2', HOLD) > 0 && offered('127.0.0.3', HOLD) > 0);
});

test('an idle node that dies is out by its pings within 5 s', async () => {
  const dead = '127.0.0.2';
  const diedAt = Date.now();
  await node(dead).close();
  nodes.delete(dead);
  const down = await kamailio.waitForLine(/node down: OPTIONS sip:127\.0\.0\.2:17401/, diedAt, 5000);
  console.log(`# idle node closed → marked down by the pings ${down.at - diedAt} ms`);
  // Only 127.0.0.3 is left (127.0.0.4 drains): every call goes there, none is tried on the others.
  const before = offered('127.0.0.3', HOLD);
  const since = Date.now();
  const r = await callers({ service: HOLD, calls: 6, rate: 6 });
  assert.equal(r.successful, 6, r.summary);
  assert.equal(offered('127.0.0.3', HOLD) - before, 6);
  assert.deepEqual([...new Set(routedSince(since))], ['127.0.0.3']);
});

test('a flood from one address is dropped while another address gets through', async () => {
  const FLOOD_RATE = 400;
  const FLOOD_S = 5;
  const flood = startSipp({
    scenario: 'flood-invite.xml', remote: REMOTE, localIp: '127.0.0.2', localPort: 17440, mediaPort: 17490, service: 'flood',
    rate: FLOOD_RATE, calls: FLOOD_RATE * FLOOD_S, limit: 5000, timeoutS: FLOOD_S + 4, recvTimeoutMs: 2000,
  });
  // Once the flood runs: a caller from 127.0.0.1 (its own pike bucket).
  await kamailio.waitForLine(/INVITE \S+ from 127\.0\.0\.2:17440/, 0, 5000);
  const r = await callers({ service: HOLD, calls: 10, rate: 5 });
  const f = await flood.stop(3000);
  assert.equal(r.successful, 10, `the other address's calls went through during the flood: ${r.summary}`);
  // Flood INVITEs that reached a node (offered to the 'flood' number; the nodes answer 404).
  const reached = [...nodes.values()].reduce((n, e) => n + e.to('flood').length, 0);
  const sent = f.successful + f.failed; // calls sipp started (one INVITE each, before retransmissions)
  console.log(`# flood: ${sent} INVITEs sent from 127.0.0.2:17440 (${FLOOD_RATE}/s), ${reached} reached a node; sipp: ${f.successful} answered, ${f.failed} unanswered`);
  assert.ok(sent >= FLOOD_RATE, `the flood ran (${sent} calls started)`);
  assert.ok(reached > 0, 'the first requests of the flood got through');
  assert.ok(reached < sent / 10, `${reached} flood INVITEs reached the nodes`);
});
