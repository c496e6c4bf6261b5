// Several nodes behind Kamailio (#18), on the wire: Kamailio (Debian's, with
// deploy/kamailio/kamailio.cfg) on 127.0.0.1:5060 in front of three bridge
// processes (app/main.ts) on 127.0.0.2, .3 and .4 sharing one PostgreSQL.
// baresip phones dial the access number through Kamailio, which spreads them
// over the nodes; the room is mixed on one node and the others relay their
// callers there (ivr/flows/relay.ts). Checked: everyone hears everyone
// (Goertzel); the console (a web process, BRIDGE_ROLE=web) lists all of them
// and mutes one whose call is on another node than the room's; *2 by the chair refuses a guest who lands
// on another node; killing a node (SIGKILL) ends only its calls, Kamailio
// sends it nothing more within 5 s, and a survivor closes its CDRs.
// Ports: Kamailio 127.0.0.1:5060; nodes 127.0.0.{2,3,4}:5060, RTP 33200–33999
// on each node's address, the web process 17392 (its unused SIP port 17393); phones SIP 15110–15199 (+1 TLS,
// +2 ctrl), RTP 33000–33199.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DEMO } from '../../core/seed.ts';
import { readSamples, slice, steadyToneDb } from '../support/audio-check.ts';
import { startApp, type AppProcess } from '../support/app-process.ts';
import { Baresip } from '../support/baresip.ts';
import { closeTestDatabases, testPostgres } from '../support/db.ts';
import { startKamailio, type KamailioProcess } from '../support/kamailio.ts';

const NODES = [
  { id: 'node-a', host: '127.0.0.2' },
  { id: 'node-b', host: '127.0.0.3' },
  { id: 'node-c', host: '127.0.0.4' },
] as const;
/** The web process (BRIDGE_ROLE=web): the console, reaching every node through PostgreSQL. */
const WEB_PORT = 17392;
let web: AppProcess;
const ROOM = DEMO.room.number;
const work = mkdtempSync(join(tmpdir(), 'cluster-'));
const apps = new Map<string, AppProcess>();
const phones: Baresip[] = [];
let kamailio: KamailioProcess;
let db: pg.Client;
let dbUrl: string;
let token: string;

function startNode(n: (typeof NODES)[number]): AppProcess {
  const app = startApp({
    BRIDGE_ROLE: 'bridge', BRIDGE_NODE_ID: n.id, DATABASE_URL: dbUrl, BRIDGE_SEED_DEMO: 'true', BRIDGE_DATA_DIR: join(work, n.id),
    BRIDGE_SIP_HOST: n.host, BRIDGE_SIP_PORT: '5060', BRIDGE_RTP_HOST: n.host, BRIDGE_RTP_PORT_MIN: '33200', BRIDGE_RTP_PORT_MAX: '33999',
    BRIDGE_WEB_JOIN_SECRET: 'cluster-test-secret',
    // Every call comes from Kamailio's address (deploy/kamailio/README.md): a carrier's, for the per-source limits.
    BRIDGE_CARRIER_ADDRESSES: '127.0.0.1', BRIDGE_CLUSTER_HEARTBEAT_MS: '500', BRIDGE_CLUSTER_STALE_MS: '3000',
  }, { killAfterMs: 600_000 });
  apps.set(n.id, app);
  return app;
}

before(async () => {
  const cluster = await testPostgres();
  dbUrl = await cluster.createDatabase(`cluster${process.pid}`);
  web = startApp({ BRIDGE_ROLE: 'web', DATABASE_URL: dbUrl, BRIDGE_SEED_DEMO: 'true', BRIDGE_DATA_DIR: join(work, 'web'), BRIDGE_WEB_PORT: String(WEB_PORT), BRIDGE_SIP_PORT: '17393' }, { killAfterMs: 600_000 });
  await Promise.all([...NODES.map((n) => startNode(n).ready(120_000)), web.ready(120_000)]);
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  kamailio = startKamailio({ listen: { host: '127.0.0.1', port: 5060 }, nodes: NODES.map((n) => `${n.host}:5060`) });
  await kamailio.ready(15_000);
  token = await apiToken(); // the demo owner's, for the console on the web process
});

after(async () => {
  if (process.env.CLUSTER_TEST_DUMP) for (const [id, a] of apps) writeFileSync(`${process.env.CLUSTER_TEST_DUMP}-${id}.log`, a.output());
  if (process.env.CLUSTER_TEST_DUMP) for (const p of phones) writeFileSync(`${process.env.CLUSTER_TEST_DUMP}-phone-${p.dir.split('/').pop()}.log`, p.log);
  await Promise.allSettled(phones.map((p) => p.quit()));
  await kamailio?.stop();
  for (const a of apps.values()) await a.stop();
  await web?.stop();
  await db?.end();
  await closeTestDatabases();
  rmSync(work, { recursive: true, force: true });
});

/** Logs the demo owner in on the web process and makes an API token with the live scope. */
async function apiToken(): Promise<string> {
  const base = `http://127.0.0.1:${WEB_PORT}`;
  const cookies = (res: Response) => res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const pre = await fetch(`${base}/api/auth/csrf`);
  const preCookie = cookies(pre);
  const preCsrf = ((await pre.json()) as { csrfToken: string }).csrfToken;
  const login = await fetch(`${base}/api/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: preCookie, 'x-csrf-token': preCsrf },
    body: JSON.stringify({ username: DEMO.owner.username, password: DEMO.owner.password }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const cookie = cookies(login);
  const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;
  const res = await fetch(`${base}/api/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
    body: JSON.stringify({ name: 'cluster test', scopes: ['read', 'live'], expiresInDays: 1 }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  return ((await res.json()) as { token: string }).token;
}

async function api<T>(path: string, body?: unknown): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${WEB_PORT}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${path}: ${res.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Polls an async condition every 250 ms until it holds; fails after `timeoutMs`. */
async function pollUntil(ok: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (!(await ok().catch((err: unknown) => { last = err; return false; }))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

interface Caller { name: string; tone: number; sip: Baresip }
let slot = 0;

async function call(name: string, tone: number, pin: string, opts: { expectJoin?: boolean } = {}): Promise<Caller> {
  const s = slot++;
  const sipPort = 15110 + 3 * s;
  const wav = join(work, `${name}.wav`);
  execFileSync('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', wav, 'synth', '150', 'sine', String(tone), 'vol', '0.25'], { timeout: 10_000 });
  const sip = await Baresip.start({ dir: join(work, name), user: name, sipPort, ctrlPort: sipPort + 2, rtpPorts: `${33000 + 10 * s}-${33009 + 10 * s}`, source: wav, lifetimeS: 200 });
  phones.push(sip);
  const r = await sip.ctrl.command('dial', 'sip:4008001000@127.0.0.1:5060');
  assert.ok(r.ok, `${name}: dial`);
  await sip.ctrl.waitEvent('CALL_ESTABLISHED', 20_000);
  await sip.ctrl.dtmf(`${ROOM}#${pin}#`, 250);
  const c = { name, tone, sip };
  if (opts.expectJoin !== false) {
    await pollUntil(async () => (await participants()).some((p) => p.number === name), 30_000, `${name} in the room`).catch(async (err: unknown) => {
      const live = conferenceId ? await api<unknown>(`/api/live/${conferenceId}`).catch((e: unknown) => String(e)) : 'no conference';
      throw new Error(`${(err as Error).message}; the console says ${JSON.stringify(live).slice(0, 1500)}`);
    });
  }
  return c;
}

interface Snapshot { snapshot: { participants: Array<{ id: string; number: string; muted: boolean }>; locked?: boolean } }
let conferenceId = '';

async function participants(): Promise<Array<{ id: string; number: string; muted: boolean }>> {
  if (!conferenceId) {
    const r = await db.query("SELECT id FROM conferences WHERE room_number = $1 AND ended_at IS NULL", [ROOM]);
    if (r.rows.length === 0) return [];
    conferenceId = String(r.rows[0].id);
  }
  return (await api<Snapshot>(`/api/live/${conferenceId}`)).snapshot.participants;
}

/**
 * What `c` heard in [from, to] (epoch ms). baresip can start a new recording
 * in the middle of a call (CI once saw the last file begin after the window
 * when the host node was lost): each file is placed in time by its last write
 * (its end) and its length, and the one covering most of the window is used.
 */
function heardIn(c: Caller, from: number, to: number): Int16Array {
  let best: Int16Array = new Int16Array(0);
  for (const f of c.sip.decodedRecordings()) {
    const x = readSamples(f);
    const start = statSync(f).mtimeMs - x.length / 8;
    const part = slice(x, Math.max(0, from - start), Math.max(0, to - start));
    if (part.length > best.length) best = part;
  }
  return best;
}

/**
 * Power (dB) of `hz` in what `c` heard in [from, to] (epoch ms): the median over
 * 100 ms blocks (steadyToneDb). One Goertzel over the whole window lost up to
 * 40 dB to phase jumps (a jitter buffer conceals or drops a frame) while every
 * 250 ms block held the tone 30–49 dB over the floor.
 */
function levelOf(c: Caller, hz: number, from: number, to: number): number {
  const x = heardIn(c, from, to);
  assert.ok(x.length >= 8000, `${c.name}: ${x.length / 8} ms heard (recordings: ${c.sip.decodedRecordings().map((f) => `${f.split('/').pop()} ${readSamples(f).length / 8} ms, last written ${Math.round(Date.now() - statSync(f).mtimeMs)} ms ago`).join('; ')}); baresip said: ${c.sip.log.replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '').slice(-1500)}`);
  return steadyToneDb(x, hz, 100);
}

/** For a failure message: `o`'s tone over the floor in `c`'s window, per 250 ms block (dB, rounded). */
function blocks(c: Caller, o: Caller, from: number, to: number): string {
  const x = heardIn(c, from, to);
  const out: number[] = [];
  for (let s = 0; s + 2000 <= x.length; s += 2000) {
    const b = x.subarray(s, s + 2000);
    out.push(Math.round(steadyToneDb(b, o.tone, 250) - steadyToneDb(b, c.tone, 250)));
  }
  return out.join(' ');
}

/** How far above its own tone (absent from its mix: the floor) `c` hears `o`'s tone, dB. */
function heardDb(c: Caller, o: Caller, from: number, to: number): number {
  return levelOf(c, o.tone, from, to) - levelOf(c, c.tone, from, to);
}

async function window(ms: number): Promise<[number, number]> {
  const from = Date.now() + 500;
  await new Promise((r) => setTimeout(r, ms)); // audio flows; not a synchronisation
  return [from, Date.now() - 300];
}

/** Which node answered each caller's call (its CDR leg). */
async function nodeOf(name: string): Promise<string> {
  const r = await db.query("SELECT node_id FROM call_legs WHERE caller = $1 AND direction = 'in' AND access_number IS NOT NULL ORDER BY started_at LIMIT 1", [name]);
  return String(r.rows[0]?.node_id ?? '');
}

test('one room over three nodes behind Kamailio: all hear each other, the console mutes across nodes, the lock holds everywhere, a lost node ends only its calls', { timeout: 420_000 }, async () => {
  const chair = await call('chair', 440, DEMO.room.chairPin);
  const g1 = await call('guest1', 770, DEMO.room.guestPin);
  const g2 = await call('guest2', 1100, DEMO.room.guestPin);
  const g3 = await call('guest3', 1400, DEMO.room.guestPin);
  const all = [chair, g1, g2, g3];
  const where = new Map<string, string>();
  for (const c of all) where.set(c.name, await nodeOf(c.name));
  const host = String((await db.query('SELECT node_id FROM conferences WHERE id = $1', [conferenceId])).rows[0].node_id);
  console.log(`# calls landed on: ${[...where].map(([n, id]) => `${n}@${id}`).join(', ')}; the room is mixed on ${host}`);
  assert.equal(new Set(where.values()).size, 3, 'Kamailio spread the four calls over the three nodes');

  // Everyone hears everyone else, whichever node the call landed on.
  let [from, to] = await window(4000);
  for (const c of all) {
    for (const o of all) {
      if (o === c) continue;
      const d = heardDb(c, o, from, to);
      assert.ok(d > 30, `${c.name} (${where.get(c.name)}) hears ${o.name} (${where.get(o.name)}): ${d.toFixed(1)} dB over its own tone`);
    }
  }
  // A relayed caller's media goes straight to the host (ivr/flows/relay.ts): its node says so, and the callers still heard each other above.
  for (const c of all) {
    if (where.get(c.name) === host) continue;
    const said = apps.get(where.get(c.name)!)!.output().split('\n').some((l) => l.includes(`"from":"${c.name}"`) && l.includes('media goes straight to the host'));
    assert.ok(said, `${c.name}'s media, relayed from ${where.get(c.name)}, goes straight to ${host}`);
  }
  console.log(`# chair hears ${[g1, g2, g3].map((o) => `${o.tone} Hz ${levelOf(chair, o.tone, from, to).toFixed(1)} dB`).join(', ')}, own ${levelOf(chair, chair.tone, from, to).toFixed(1)} dB`);

  // The console (the web process) lists all four and mutes a guest whose call is on another node than the host.
  const list = await participants();
  assert.deepEqual(list.map((p) => p.number).sort(), ['chair', 'guest1', 'guest2', 'guest3']);
  const target = [g1, g2, g3].find((c) => where.get(c.name) !== host)!;
  const pid = list.find((p) => p.number === target.name)!.id;
  await api(`/api/live/${conferenceId}/participants/${pid}/mute`, { muted: true });
  await pollUntil(async () => (await participants()).find((p) => p.id === pid)?.muted === true, 10_000, 'muted on the console');
  [from, to] = await window(3000);
  const mutedDb = heardDb(chair, target, from, to);
  console.log(`# ${target.name} (on ${where.get(target.name)}) muted from the web's console: the chair hears it ${mutedDb.toFixed(1)} dB over its own (absent) tone`);
  assert.ok(mutedDb < 10, `the chair no longer hears ${target.name}`);

  // *2: the chair locks the room; a guest who lands on another node than the chair's is refused.
  await chair.sip.ctrl.dtmf('*2', 300);
  await pollUntil(async () => (await db.query('SELECT locked FROM conferences WHERE id = $1', [conferenceId])).rows[0].locked === true, 15_000, 'the room locked');
  let late: Caller | undefined;
  for (let i = 0; i < 3 && !late; i++) {
    const c = await call(`late${i}`, 1700, DEMO.room.guestPin, { expectJoin: false });
    if ((await nodeOf(c.name)) !== where.get('chair')) late = c;
    else await c.sip.ctrl.command('hangup');
  }
  assert.ok(late, 'a late guest landed on another node than the chair');
  await late.sip.ctrl.waitEvent('CALL_CLOSED', 30_000);
  assert.ok(!(await participants()).some((p) => p.number === late!.name), 'the late guest never joined');
  console.log(`# the late guest on ${await nodeOf(late.name)} was refused by the lock set on ${where.get('chair')}`);

  // Kill the node that mixes the room (SIGKILL): its own calls end; the callers relayed from the other
  // nodes enter the room again on the survivor that takes the conference over, and go on hearing each other.
  const victim = host;
  const lost = all.filter((c) => where.get(c.name) === victim);
  const kept = all.filter((c) => where.get(c.name) !== victim);
  assert.ok(kept.length >= 2, 'two callers on the other nodes');
  const app = apps.get(victim)!;
  app.child.kill('SIGKILL');
  const killedAt = Date.now();
  await app.exited;
  await new Promise((r) => setTimeout(r, 1000));
  // Kamailio takes it out within 5 s: a call placed a second after the kill lands on a survivor.
  const probe = await call('probe', 1900, DEMO.room.chairPin, { expectJoin: false });
  const probeNode = await nodeOf('probe');
  console.log(`# ${victim} killed; a call placed 1 s later landed on ${probeNode}`);
  assert.notEqual(probeNode, victim);
  const outAt = kamailio.lines.find((l) => l.at >= killedAt && l.line.includes(NODES.find((n) => n.id === victim)!.host) && /inactive|probing|down/i.test(l.line));
  if (outAt) console.log(`# Kamailio marked ${victim} out ${outAt.at - killedAt} ms after the kill`);
  assert.ok(outAt && outAt.at - killedAt <= 5000, `Kamailio took ${victim} out within 5 s`);
  // A survivor hosts the room: it took the conference over, or (when a sweeper ended it first) the first
  // caller back started it again; the kept callers (and the probe) are in it.
  let newHost = '';
  await pollUntil(async () => {
    const r = await db.query('SELECT id, node_id FROM conferences WHERE room_number = $1 AND ended_at IS NULL', [ROOM]);
    if (r.rows.length !== 1 || r.rows[0].node_id === victim) return false;
    [conferenceId, newHost] = [String(r.rows[0].id), String(r.rows[0].node_id)];
    return true;
  }, 20_000, 'a survivor hosting the room');
  await pollUntil(async () => {
    const names = (await participants()).map((p) => p.number);
    return [...kept, probe].every((c) => names.includes(c.name));
  }, 30_000, 'the kept callers and the probe in the room again');
  console.log(`# ${newHost} took the room over ${Date.now() - killedAt} ms after the kill; in it: ${(await participants()).map((p) => p.number).join(', ')}`);
  [from, to] = await window(3000);
  for (const c of kept) for (const o of kept) {
    if (o === c) continue;
    const d = heardDb(c, o, from, to);
    assert.ok(d > 30, `${c.name} hears ${o.name} after ${victim} was lost (${d.toFixed(1)} dB over its own tone; per 250 ms: ${blocks(c, o, from, to)})`);
  }
  // A survivor closes the dead node's CDRs at their last checkpoint.
  await pollUntil(async () => (await db.query("SELECT count(*)::int AS n FROM call_legs WHERE node_id = $1 AND state = 'open'", [victim])).rows[0].n === 0, 30_000, `${victim}'s CDRs closed`);
  const closed = await db.query("SELECT caller, closed_by_recovery, q850_cause FROM call_legs WHERE node_id = $1 AND caller = ANY($2)", [victim, lost.map((c) => c.name)]);
  console.log(`# ${victim}'s legs closed by a survivor: ${closed.rows.map((r) => `${r.caller} recovery=${r.closed_by_recovery} cause=${r.q850_cause}`).join(', ')}`);
  assert.ok(closed.rows.length >= lost.length && closed.rows.every((r) => r.closed_by_recovery === true));
  await probe.sip.ctrl.command('hangup');
});
