// Webhooks from a REAL call: the bridge (embedded engine and IVR) and the
// web app in one process over one PGlite, as `make run` has them, the web
// hearing the IVR's live bus. A baresip phone dials the English access
// number, enters a room as chair, presses *7 (recording), talks and hangs
// up. A real HTTP server on 127.0.0.1 (allowed by this test's
// BRIDGE_WEBHOOK_ALLOW) receives meeting.started, participant.joined,
// participant.left and meeting.ended in that order, each with a signature
// verifySignature accepts, and recording.ready for the finished recording.
// Ports: bridge SIP 18000, RTP 36000–36499; phone SIP 18020 (+1, +2 ctrl),
// RTP 36500–36509; web and receiver on ephemeral ports.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import { LocalLiveBus } from '../../core/live/local-bus.ts';
import { verifySignature } from '../../core/webhooks/signature.ts';
import { startWebServer } from '../../web/server.ts';
import { IvrBridge } from '../support/ivr-bridge.ts';
import { Phone } from '../support/ivr-phones.ts';
import { waitUntil } from '../support/ports.ts';
import { Client } from '../support/web.ts';
import { WebhookReceiver } from '../support/webhook-receiver.ts';

const EN_ACCESS = '4008001000';
const SIP_PORT = 18000;
const FAST = { allow: ['127.0.0.1/32'], retryBaseMs: 300, retryMaxMs: 1200, retryForMs: 60_000, timeoutMs: 3000, pollMs: 100 };
type Body = { id: string; type: string; occurredAt: string; accountId: string; data: Record<string, unknown> };

describe('webhooks from a real call', () => {
  const work = mkdtempSync(join(tmpdir(), 'webhooks-wire-'));
  let bridge: IvrBridge;
  let live: LocalLiveBus;
  let web: { url: string; close(): Promise<void> };
  let rx: WebhookReceiver;
  let secret: string;

  before(async () => {
    rx = await WebhookReceiver.start();
    bridge = await IvrBridge.start({ sipPort: SIP_PORT, rtpMin: 36000, rtpMax: 36499 });
    live = new LocalLiveBus(bridge.ivr.live);
    web = await startWebServer({
      repos: bridge.repos, live, host: '127.0.0.1', port: 0,
      config: { defaultRegion: 'CN', secureCookies: false, licensedPorts: 100, webhooks: FAST, publicUrl: 'https://bridge.example' },
    });
    const owner = new Client(web.url);
    assert.equal((await owner.login(DEMO.owner.username, DEMO.owner.password)).status, 200);
    const r = await owner.post('/api/webhooks', {
      url: `${rx.url}/bridge-events`, description: 'wire test',
      events: ['meeting.started', 'meeting.ended', 'participant.joined', 'participant.left', 'recording.ready', 'invite.state_changed', 'balance.low'],
    });
    assert.equal(r.status, 201, r.text);
    secret = r.json<{ secret: string }>().secret;
  });
  after(async () => {
    await web?.close();
    await live?.close();
    await bridge?.close();
    await rx?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('a chair dials in, records, hangs up: started, joined, left, ended arrive in order, signed; then recording.ready', async () => {
    const accountId = bridge.seed.accountId;
    const room = await bridge.repos.rooms.create(accountId, { name: 'Webhook board', number: '7019001', chairPin: '4321', guestPin: '8765' }, { now: new Date() });
    const chair = await Phone.start({ work, name: 'hookchair', toneHz: 440, sipPort: 18020, rtpBase: 36500, lifetimeS: 90 });
    try {
      await chair.dial(`sip:${EN_ACCESS}@127.0.0.1:${SIP_PORT}`);
      await chair.keys(`${room.number}#4321#`);
      await waitUntil(() => bridge.ivr.rooms.byNumber(room.number)?.list().some((p) => p.role === 'chair' && p.away === null) ?? false, 30_000, 'the chair in the room');
      // Joined is pushed while the call goes on.
      await rx.waitFor('participant.joined', () => rx.bodies().some((b) => b.type === 'participant.joined'));
      await new Promise((r) => setTimeout(r, 3000)); // the joiner's prompts play out before the menu key
      await chair.keys('*7');
      await waitUntil(() => bridge.ivr.rooms.byNumber(room.number)?.recording === true, 20_000, 'recording on');
      await new Promise((r) => setTimeout(r, 4000)); // "recording started" plays, then something is recorded
      await chair.hangup();
    } finally {
      await chair.quit();
    }
    await rx.waitFor('meeting.ended and recording.ready', () => {
      const types = rx.bodies().map((b) => b.type);
      return types.includes('meeting.ended') && types.includes('recording.ready');
    }, 30_000);

    const got = rx.received.map((r) => ({ r, body: JSON.parse(r.raw.toString('utf8')) as Body }));
    for (const { r, body } of got) {
      assert.equal(r.path, '/bridge-events');
      assert.equal(r.headers['x-bridge-event'], body.type);
      assert.match(String(r.headers['x-bridge-delivery']), /^[0-9a-f-]{36}$/);
      assert.deepEqual(verifySignature(secret, String(r.headers['x-bridge-signature']), r.raw), { ok: true, timestamp: Number(/t=(\d+)/.exec(String(r.headers['x-bridge-signature']))![1]) }, body.type);
      assert.equal(body.accountId, accountId);
    }
    const lifecycle = got.map((g) => g.body).filter((b) => b.type.startsWith('meeting.') || b.type.startsWith('participant.'));
    assert.deepEqual(lifecycle.map((b) => b.type), ['meeting.started', 'participant.joined', 'participant.left', 'meeting.ended'], 'in order, once each');
    const [started, joined, left, ended] = lifecycle as [Body, Body, Body, Body];
    const conferenceId = started.data.conferenceId as string;
    assert.ok(conferenceId);
    for (const b of [joined, left, ended]) assert.equal(b.data.conferenceId, conferenceId);
    assert.equal(started.data.roomNumber, room.number);
    assert.equal(started.data.roomName, 'Webhook board');
    const participant = joined.data.participant as { id: string; role: string; accessNumber: string | null };
    assert.equal(participant.role, 'chair');
    assert.equal(participant.accessNumber, EN_ACCESS);
    assert.equal(left.data.participantId, participant.id);
    assert.equal(left.data.reason, 'hangup');
    assert.equal(new Set(got.map((g) => g.body.id)).size, got.length, 'every event its own id');
    // The conference the database has is the one the events name.
    const conf = await bridge.repos.conferences.get(accountId, conferenceId);
    assert.equal(conf.roomId, room.id);

    const ready = got.map((g) => g.body).filter((b) => b.type === 'recording.ready');
    assert.equal(ready.length, 1, 'one recording.ready');
    const rec = (await bridge.repos.recordings.list(accountId, { conferenceId }))[0]!;
    assert.equal(ready[0]!.data.recordingId, rec.id);
    assert.equal(ready[0]!.data.durationMs, rec.durationMs);
    assert.ok((rec.durationMs ?? 0) > 0 && rec.endedAt !== null, `recorded ${rec.durationMs} ms`);
    assert.equal(ready[0]!.data.sizeBytes, rec.sizeBytes);
    assert.equal(ready[0]!.data.audioUrl, `https://bridge.example/api/recordings/${rec.id}/audio.wav`);

    // The owner's log has them all delivered with a 200 each.
    const rows = await bridge.repos.webhooks.listDeliveries(accountId);
    assert.ok(rows.length >= 5 && rows.every((d) => d.status === 'delivered' && d.lastStatus === 200), JSON.stringify(rows.map((d) => [d.eventType, d.status])));
  });
});
