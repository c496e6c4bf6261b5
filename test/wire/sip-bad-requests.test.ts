// Requests with a broken Call-ID, From, To or CSeq (RFC 4475 §3.1.2 style:
// missing, malformed, given twice; test/support/broken-requests.ts) sent over
// UDP and TCP to a running bridge (the embedded engine and the IVR): each
// gets a 400 that echoes its Via (branch, received/rport) and CSeq method, so
// the sender stops retransmitting; a broken ACK gets nothing; and the bridge
// still takes a good call afterwards (sipp dials the room, types the PIN, joins).
// Ports: bridge SIP 17600, RTP 38100–38199; raw socket 17601; sipp 17602, media 38500–38519.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { DEMO } from '../../core/seed.ts';
import type { SipResponse } from '../../bridge/sip/message/message.ts';
import { parseMessage } from '../../bridge/sip/message/parser.ts';
import { StreamFramer } from '../../bridge/sip/transport/framing.ts';
import { BROKEN, brokenInvite } from '../support/broken-requests.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { sippCall } from '../support/ivr-calls.ts';
import { waitUntil } from '../support/ports.ts';

const SIP_PORT = 17600;
const RAW_PORT = 17601;
let bridge: IvrBridge;
let sock: dgram.Socket;
const responses = new Map<string, SipResponse[]>();

before(async () => {
  bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 38100, rtpMax: 38199, workers: 1 });
  sock = dgram.createSocket('udp4');
  sock.on('message', (buf) => {
    const m = parseMessage(buf); // a malformed answer would throw and fail the test
    assert.equal(m.kind, 'response');
    const branch = String(m.via[0]?.params.get('branch'));
    responses.set(branch, [...(responses.get(branch) ?? []), m as SipResponse]);
  });
  await new Promise<void>((r) => sock.bind(RAW_PORT, '127.0.0.1', r));
});
after(async () => {
  sock?.close();
  await bridge?.close();
});

test('every broken request gets a 400 over UDP, with its Via and CSeq method echoed', { timeout: 30_000 }, async () => {
  const sent: Array<{ branch: string; header: string; what: string }> = [];
  for (const [i, b] of BROKEN.entries()) {
    const branch = `z9hG4bK-udp-${i}`;
    sock.send(brokenInvite(b, { host: '127.0.0.1', port: RAW_PORT, branch, tag: `u${i}` }), SIP_PORT, '127.0.0.1');
    sent.push({ branch, header: b.header, what: b.what });
  }
  await waitUntil(() => sent.every((s) => responses.has(s.branch)), 10_000, 'a response to every broken request');
  for (const s of sent) {
    const [res] = responses.get(s.branch)!;
    assert.ok(res);
    assert.equal(res.status, 400, `${s.header} ${s.what}: ${res.status} ${res.reason}`);
    assert.match(res.reason, /^Bad Request \(/);
    assert.equal(res.cseq.method, 'INVITE');
    assert.equal(res.via[0]?.params.get('rport'), String(RAW_PORT), 'rport filled in (RFC 3581)');
    assert.ok(res.to.params.get('tag'), 'To has a tag');
    console.log(`# ${s.header} ${s.what}: ${res.status} ${res.reason}`);
  }
  console.log(`# ${sent.length} broken INVITEs over UDP → ${sent.length} × 400`);
  assert.equal(bridge.engine.calls.length + bridge.calls.length, 0, 'none reached the IVR');
});

test('a broken ACK is never answered; a broken OPTIONS is', { timeout: 30_000 }, async () => {
  const b = BROKEN.find((x) => x.header === 'Call-ID' && x.what === 'missing')!;
  sock.send(brokenInvite(b, { host: '127.0.0.1', port: RAW_PORT, branch: 'z9hG4bK-ack', tag: 'a', method: 'ACK' }), SIP_PORT, '127.0.0.1');
  sock.send(brokenInvite(b, { host: '127.0.0.1', port: RAW_PORT, branch: 'z9hG4bK-opt', tag: 'o', method: 'OPTIONS' }), SIP_PORT, '127.0.0.1');
  await waitUntil(() => responses.has('z9hG4bK-opt'), 5_000, 'the 400 to the OPTIONS');
  assert.equal(responses.get('z9hG4bK-opt')![0]!.cseq.method, 'OPTIONS');
  await new Promise((r) => setTimeout(r, 1000)); // sent before the OPTIONS; one more second for stragglers
  assert.equal(responses.has('z9hG4bK-ack'), false);
});

test('over TCP too: a 400 on the same connection, and the connection stays usable', { timeout: 30_000 }, async () => {
  const conn = net.connect({ host: '127.0.0.1', port: SIP_PORT });
  await new Promise<void>((r, j) => { conn.once('connect', r); conn.once('error', j); });
  const framer = new StreamFramer();
  const got: SipResponse[] = [];
  conn.on('data', (chunk) => { for (const m of framer.push(chunk)) got.push(parseMessage(m) as SipResponse); });
  const picks = BROKEN.filter((b) => b.what === 'missing');
  for (const [i, b] of picks.entries()) {
    const wire = brokenInvite(b, { host: '127.0.0.1', port: conn.localPort!, branch: `z9hG4bK-tcp-${i}`, tag: `t${i}` });
    conn.write(Buffer.from(wire.toString('latin1').replace('SIP/2.0/UDP', 'SIP/2.0/TCP'), 'latin1'));
  }
  await waitUntil(() => got.length >= picks.length, 10_000, 'a 400 to every request over TCP');
  conn.destroy();
  assert.deepEqual(got.map((r) => r.status), picks.map(() => 400));
  assert.deepEqual(got.map((r) => r.via[0]?.params.get('branch')).sort(), picks.map((_, i) => `z9hG4bK-tcp-${i}`).sort());
});

test('the bridge still takes a good call: sipp dials the room, types the chair PIN and joins', { timeout: 60_000 }, async () => {
  const c = await sippCall({
    bridge, sipPort: SIP_PORT, to: DEMO.room.number, localPort: 17602, mediaPort: 38504, scenario: 'uac-pcap.xml', durationMs: 6000,
    segments: ['silence:1', `dtmf:${DEMO.room.chairPin}#:100:100`, 'tone:440:3'],
  });
  assert.equal(c.summary.outcome, 'joined');
  assert.equal(c.result.code, 0);
});
