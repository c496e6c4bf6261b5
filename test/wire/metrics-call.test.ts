// /metrics during a real call, on the whole product: the app process
// (BRIDGE_ROLE=all, PGlite, the demo room) and a sipp caller that dials the
// English access number, keys the room and the chair PIN in RFC 4733 digits,
// and talks (a tone) in the room. While it is in the room a scrape of the web
// port's /metrics finds the call up, its conference and member, RTP packets
// in and out (and rising between two scrapes), the media tick histogram, the
// INVITE counted in and its 200 out, and the event-loop lag; after the
// hang-up the call is counted as joined and nothing is up any more.
// Ports: SIP 17701, web 17751, RTP 42500–42599; sipp SIP 17710, media 42750.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO } from '../../core/seed.ts';
import { startApp } from '../support/app-process.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { sample } from '../support/prom-text.ts';
import { startSipp } from '../support/sipp.ts';

const SIP_PORT = 17701;
const WEB = 'http://127.0.0.1:17751';
const dir = mkdtempSync(join(tmpdir(), 'metrics-call-'));
const app = startApp({
  BRIDGE_DATA_DIR: join(dir, 'data'), BRIDGE_SEED_DEMO: 'true', BRIDGE_SIP_PORT: String(SIP_PORT), BRIDGE_WEB_PORT: '17751',
  BRIDGE_RTP_PORT_MIN: '42500', BRIDGE_RTP_PORT_MAX: '42599', BRIDGE_MEDIA_WORKERS: '1', DATABASE_URL: '',
}, { killAfterMs: 170_000 });
after(async () => {
  await app.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Polls `cond` every `everyMs` until it holds; throws after `timeoutMs`. */
async function waitUntil(cond: () => Promise<boolean>, timeoutMs: number, what: string, everyMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 10_000; i++) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function scrape(): Promise<string> {
  const res = await fetch(`${WEB}/metrics`);
  assert.equal(res.status, 200);
  return res.text();
}

test('a scrape during a call through the IVR into the room finds the call, its packets, its conference and its SIP', { timeout: 150_000 }, async () => {
  await app.ready(90_000);
  const before = await scrape();
  assert.equal(sample(before, 'bridge_calls_up', { direction: 'in' }), 0);
  const invitesBefore = sample(before, 'bridge_sip_requests_total', { direction: 'in', method: 'INVITE' }) ?? 0;

  const pcap = join(dir, 'caller.pcap');
  makePcap(pcap, ['silence:0.5', `dtmf:${DEMO.room.number}#:100:100`, 'silence:0.5', `dtmf:${DEMO.room.chairPin}#:100:100`, 'tone:440:14']);
  const sipp = startSipp({
    scenario: 'uac-pcap.xml', remote: `127.0.0.1:${SIP_PORT}`, localPort: 17710, mediaPort: 42750,
    service: '4008001000', calls: 1, durationMs: 18_000, keys: { pcap }, timeoutS: 90, recvTimeoutMs: 45_000,
  });
  try {
    // In the room: the member is up (bounded wait, scraping once a second).
    let during = '';
    await waitUntil(async () => {
      during = await scrape();
      return (sample(during, 'bridge_conference_members') ?? 0) >= 1;
    }, 40_000, 'the caller to join the room', 1000);
    assert.equal(sample(during, 'bridge_calls_up', { direction: 'in' }), 1, 'the call is up');
    assert.equal(sample(during, 'bridge_conferences_up'), 1, 'its conference');
    assert.equal(sample(during, 'bridge_conference_members'), 1, 'its member');
    assert.equal(sample(during, 'bridge_ivr_calls_active'), 1);
    assert.equal(sample(during, 'bridge_sip_requests_total', { direction: 'in', method: 'INVITE' }), invitesBefore + 1, 'the INVITE counted');
    assert.ok((sample(during, 'bridge_sip_responses_total', { direction: 'out', method: 'INVITE', status: '200' }) ?? 0) >= 1, 'its 200 counted');
    assert.ok((sample(during, 'bridge_sip_requests_total', { direction: 'in', method: 'ACK' }) ?? 0) >= 1, 'the ACK counted');
    const in1 = sample(during, 'bridge_rtp_packets_total', { direction: 'in' }) ?? 0;
    const out1 = sample(during, 'bridge_rtp_packets_total', { direction: 'out' }) ?? 0;
    assert.ok(in1 > 50, `RTP in: ${in1}`);
    assert.ok(out1 > 50, `RTP out: ${out1}`);
    assert.ok((sample(during, 'bridge_media_tick_seconds_count') ?? 0) > 50, 'media ticks timed');
    assert.equal(sample(during, 'bridge_media_workers', { state: 'answering' }), 1);
    assert.ok(sample(during, 'nodejs_eventloop_lag_seconds') !== undefined, 'event-loop lag present');
    assert.ok((sample(during, 'bridge_db_query_seconds_count', { outcome: 'ok' }) ?? 0) > 0, 'database queries timed');

    // Two seconds on, the packet counters have risen (the caller talks, the bridge sends the mix).
    await new Promise((r) => setTimeout(r, 2000));
    const t0 = performance.now();
    const later = await scrape();
    const scrapeMs = performance.now() - t0;
    assert.ok(scrapeMs < 2000, `a scrape during the call took ${scrapeMs.toFixed(1)} ms`);
    const in2 = sample(later, 'bridge_rtp_packets_total', { direction: 'in' }) ?? 0;
    const out2 = sample(later, 'bridge_rtp_packets_total', { direction: 'out' }) ?? 0;
    console.log(`# RTP in ${in1} → ${in2}, out ${out1} → ${out2} in ~2 s; one scrape ${scrapeMs.toFixed(1)} ms, ${later.length} bytes`);
    assert.ok(in2 - in1 >= 40, `RTP in rose by ${in2 - in1} in 2 s (50/s sent)`);
    assert.ok(out2 - out1 >= 40, `RTP out rose by ${out2 - out1} in 2 s`);
  } finally {
    const r = await sipp.done;
    assert.equal(r.code, 0, r.summary);
  }

  // After the hang-up: counted as joined, nothing up.
  let end = '';
  await waitUntil(async () => {
    end = await scrape();
    return sample(end, 'bridge_calls_total', { outcome: 'joined' }) === 1 && sample(end, 'bridge_calls_up', { direction: 'in' }) === 0;
  }, 20_000, 'the call to end in the metrics', 500);
  assert.equal(sample(end, 'bridge_conference_members'), 0);
  assert.ok((sample(end, 'bridge_sip_requests_total', { direction: 'in', method: 'BYE' }) ?? 0) >= 1, 'the BYE counted');
  const ready = await fetch(`${WEB}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual((await ready.json() as { checks: Record<string, string> }).checks, { database: 'ok', sip: 'ok', media: 'ok', draining: 'ok' });
});
