// Per-source limits on new SIP requests (bridge/sip/request-limiter.ts and
// the user agent's use of it): the token bucket, the carriers' own limit, the
// log line once per period with the count, the bounded table of sources, the
// metric; and on two user agents: a new INVITE over the limit gets a
// stateless 503 with Retry-After and never reaches the application, while
// retransmissions and requests of running calls (BYE, INFO) pass.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerInviteSession } from '../../bridge/sip/dialog/server-invite-session.ts';
import { parseUri } from '../../bridge/sip/grammar/uri.ts';
import { RequestLimiter, type RequestLimitSettings } from '../../bridge/sip/request-limiter.ts';
import { SipUserAgent } from '../../bridge/sip/user-agent.ts';
import type { Logger } from '../../common/log.ts';
import { moduleLogger } from '../../common/log.ts';
import { loadConfig } from '../../common/config.ts';
import { registry } from '../../common/metrics.ts';
import { Network } from '../support/sip-network.ts';
import { FakeClock } from '../support/step-clock.ts';

const SETTINGS: RequestLimitSettings = {
  ratePerS: 2, burst: 3, carrierAddresses: ['192.0.2.1'], carrierRatePerS: 100, carrierBurst: 200, retryAfterS: 7, logPeriodS: 60,
};

/** A logger that keeps its warn lines. */
function recordingLogger(): { log: Logger; warns: Array<Record<string, unknown>> } {
  const warns: Array<Record<string, unknown>> = [];
  const log = { warn: (o: Record<string, unknown>) => { warns.push(o); } } as unknown as Logger;
  return { log, warns };
}

async function limitedTotal(): Promise<number> {
  const m = await registry.getSingleMetric('bridge_sip_requests_limited_total')?.get();
  return (m?.values ?? []).reduce((sum, v) => sum + v.value, 0);
}

describe('RequestLimiter', () => {
  test('a source gets its burst at once, then its rate; another source has its own bucket', async () => {
    const clock = new FakeClock();
    const before = await limitedTotal();
    const l = new RequestLimiter(SETTINGS, clock, recordingLogger().log);
    const took = Array.from({ length: 5 }, () => l.admit('198.51.100.1', 'INVITE'));
    assert.deepEqual(took, [true, true, true, false, false]);
    assert.equal(l.admit('198.51.100.2', 'INVITE'), true);
    clock.advance(500); // 2/s: one token back
    assert.deepEqual([l.admit('198.51.100.1', 'OPTIONS'), l.admit('198.51.100.1', 'OPTIONS')], [true, false]);
    clock.advance(60_000); // refilled to the burst, not beyond
    assert.deepEqual(Array.from({ length: 4 }, () => l.admit('198.51.100.1', 'INVITE')), [true, true, true, false]);
    assert.equal(await limitedTotal() - before, 4);
  });

  test('a carrier address has its own, higher, limit; rate 0 means no limit', () => {
    const clock = new FakeClock();
    const l = new RequestLimiter(SETTINGS, clock, recordingLogger().log);
    assert.equal(Array.from({ length: 200 }, () => l.admit('192.0.2.1', 'INVITE')).filter(Boolean).length, 200);
    assert.equal(l.admit('192.0.2.1', 'INVITE'), false);
    const open = new RequestLimiter({ ...SETTINGS, ratePerS: 0, carrierRatePerS: 0 }, clock, recordingLogger().log);
    assert.ok(Array.from({ length: 10_000 }, () => open.admit('198.51.100.1', 'INVITE')).every(Boolean));
    assert.equal(open.trackedSources, 0);
  });

  test('logs a limited source once, then once per period with the count', () => {
    const clock = new FakeClock();
    const { log, warns } = recordingLogger();
    const l = new RequestLimiter(SETTINGS, clock, log);
    for (let i = 0; i < 1000; i++) l.admit('198.51.100.9', 'INVITE');
    assert.equal(warns.length, 1);
    assert.equal(warns[0]?.limited, 1);
    for (let s = 0; s < 59; s++) { clock.advance(1000); for (let i = 0; i < 100; i++) l.admit('198.51.100.9', 'INVITE'); }
    assert.equal(warns.length, 1, 'no second line within the period');
    clock.advance(1000);
    for (let i = 0; i < 100; i++) l.admit('198.51.100.9', 'INVITE');
    assert.equal(warns.length, 2);
    assert.equal(warns[1]?.source, '198.51.100.9');
    // Everything limited since the first line, up to this one: 997 - 1 already logged,
    // 59 s × (100 - 2 admitted), and the packet that wrote it.
    assert.equal(warns[1]?.limited, 996 + 59 * 98 + 1);
  });

  test('tracks at most maxSources addresses, forgetting the least recently seen', () => {
    const l = new RequestLimiter({ ...SETTINGS, maxSources: 100 }, new FakeClock(), recordingLogger().log);
    for (let i = 0; i < 10_000; i++) l.admit(`10.0.${i >> 8}.${i & 255}`, 'INVITE');
    assert.equal(l.trackedSources, 100);
  });
});

const flush = () => new Promise<void>((r) => setImmediate(r));
const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function pair(settings: RequestLimitSettings) {
  const clock = new FakeClock();
  const net = new Network(clock);
  const logger = moduleLogger('test');
  const limiter = new RequestLimiter(settings, clock, recordingLogger().log);
  const alice = new SipUserAgent({ transport: net.endpoint('127.0.0.1', 5070), logger, host: '127.0.0.1', port: 5070, clock });
  const bridge = new SipUserAgent({ transport: net.endpoint('127.0.0.1', 5060), logger, host: '127.0.0.1', port: 5060, clock, limiter });
  const invites: ServerInviteSession[] = [];
  bridge.on('invite', (s) => invites.push(s));
  const dial = () => alice.invite({ target: parseUri('sip:888888@127.0.0.1:5060'), from: { user: 'alice' }, sdp: SDP });
  return { clock, net, alice, bridge, invites, dial };
}

describe('the user agent under a per-source limit', () => {
  test('a new INVITE over the limit gets a stateless 503 with Retry-After; the running call\'s INFO and BYE pass', async () => {
    const p = pair({ ...SETTINGS, ratePerS: 0.001, burst: 1, carrierAddresses: [] });
    const first = await p.dial();
    await flush();
    assert.equal(p.invites.length, 1);
    p.invites[0]!.accept(SDP);
    await flush(); await flush();
    assert.equal(first.state, 'confirmed');
    const second = await p.dial();
    const ended = new Promise<{ status?: number }>((r) => second.on('terminated', r));
    await flush(); await flush();
    assert.equal((await ended).status, 503);
    assert.equal(p.invites.length, 1, 'the limited INVITE never reached the application');
    const served = p.bridge.layer.serverCount;
    assert.equal(served, 1, 'no transaction for the limited INVITE (only the first call\'s)');
    assert.equal(await first.info('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), 200);
    await first.hangup();
    await flush(); await flush();
    assert.equal(p.invites[0]!.terminated, true);
    const bridgeLines = p.net.lines('127.0.0.1:5060');
    assert.ok(bridgeLines.includes('503 INVITE') && bridgeLines.includes('200 INFO') && bridgeLines.includes('200 BYE'), bridgeLines.join(','));
  });

  test('the Retry-After of the 503 is the configured one', async () => {
    const p = pair({ ...SETTINGS, ratePerS: 0.001, burst: 1, carrierAddresses: [] });
    let retryAfter: string | undefined;
    p.net.drop = (m) => { if (m.kind === 'response' && m.status === 503) retryAfter = m.headers.find((h) => h.name === 'Retry-After')?.value; return false; };
    await p.dial(); await p.dial();
    await flush(); await flush();
    assert.equal(retryAfter, '7');
  });

  test('retransmissions of an admitted INVITE do not count', async () => {
    const p = pair({ ...SETTINGS, ratePerS: 0.001, burst: 1, carrierAddresses: [] });
    p.net.drop = (m) => m.kind === 'response' && m.status === 100; // alice retransmits at T1, 2T1, 4T1
    await p.dial();
    for (let i = 0; i < 40; i++) { p.clock.advance(100); await flush(); }
    const invitesSent = p.net.lines('127.0.0.1:5070').filter((l) => l === 'INVITE').length;
    assert.ok(invitesSent >= 3, `alice retransmitted (${invitesSent} INVITEs)`);
    assert.ok(!p.net.lines('127.0.0.1:5060').includes('503 INVITE'));
    assert.equal(p.invites.length, 1);
  });

  test('a carrier\'s address is limited by the carriers\' limit', async () => {
    const p = pair({ ...SETTINGS, ratePerS: 0.001, burst: 1, carrierAddresses: ['127.0.0.1'], carrierBurst: 10 });
    for (let i = 0; i < 10; i++) await p.dial();
    await flush(); await flush();
    assert.equal(p.invites.length, 10);
    await p.dial();
    await flush(); await flush();
    assert.equal(p.invites.length, 10);
    assert.ok(p.net.lines('127.0.0.1:5060').includes('503 INVITE'));
  });
});

describe('the limits\' configuration', () => {
  test('defaults, and every key from the environment', () => {
    const d = loadConfig({});
    assert.deepEqual(
      [d.sip.requestsPerS, d.sip.requestBurst, d.sip.carrierRequestsPerS, d.sip.carrierRequestBurst, d.sip.retryAfterS, d.sip.limitLogPeriodS, d.ivr.waitingPerSource, d.ivr.waitingPerCarrier],
      [20, 40, 500, 1000, 5, 60, 20, 0],
    );
    const c = loadConfig({
      BRIDGE_SIP_REQUESTS_PER_S: '0.5', BRIDGE_SIP_REQUEST_BURST: '3', BRIDGE_SIP_CARRIER_REQUESTS_PER_S: '0', BRIDGE_SIP_CARRIER_REQUEST_BURST: '9',
      BRIDGE_SIP_RETRY_AFTER_S: '30', BRIDGE_SIP_LIMIT_LOG_PERIOD_S: '300', BRIDGE_IVR_WAITING_PER_SOURCE: '4', BRIDGE_IVR_WAITING_PER_CARRIER: '400',
    });
    assert.deepEqual(
      [c.sip.requestsPerS, c.sip.requestBurst, c.sip.carrierRequestsPerS, c.sip.carrierRequestBurst, c.sip.retryAfterS, c.sip.limitLogPeriodS, c.ivr.waitingPerSource, c.ivr.waitingPerCarrier],
      [0.5, 3, 0, 9, 30, 300, 4, 400],
    );
    assert.throws(() => loadConfig({ BRIDGE_SIP_REQUESTS_PER_S: '-1' }));
    assert.throws(() => loadConfig({ BRIDGE_SIP_REQUEST_BURST: '0' }));
    assert.throws(() => loadConfig({ BRIDGE_IVR_WAITING_PER_SOURCE: 'many' }));
  });
});
