// Port conformance, one leg's media with sipp as the caller playing pcaps:
// keys in by RFC 4733 telephone-events, by in-band dual tones (when the
// engine can: capability inbandDtmf) and by SIP INFO, collect() with its
// terminator, max and first-digit timeout; record() ended by its terminator
// (checked as audio: Goertzel) and by maxMs; an interruptible play() cut by a
// key, the key left for collect(); keys out by SIP INFO to a caller without
// telephone-event (RFC 4733 keys out: conference.test.ts); the leg's network figures (stats) with
// 10 % of the caller's packets left out of the pcap.
// Ports: engine SIP 18121, RTP 54040–54079; sipp SIP 18160–18169, media 54240–54279.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CallLeg, LegStats, PlayResult, Recording } from '../../bridge/port.ts';
import { Q850 } from '../../bridge/q850.ts';
import { dominantFrequency, levelDbfs, readSamples, slice } from '../support/audio-check.ts';
import { makePcap } from '../support/rtp-pcap.ts';
import { runSipp } from '../support/sipp.ts';
import { dropEvery } from './support/pcap-loss.ts';
import { forEachEngine, PortRange } from './support/suite.ts';
import { PORT_SCENARIOS, receivedMessages } from './support/sip-trace.ts';

const SIPP_PORTS = new PortRange(18160, 18169);
const MEDIA_PORTS = new PortRange(54240, 54276, 4);
const settle = (p: Promise<unknown>): Promise<unknown> => p.then((v) => v, (err: unknown) => err);
const sippPort = () => SIPP_PORTS.take();
const mediaPort = () => MEDIA_PORTS.take();
const work = mkdtempSync(join(tmpdir(), 'port-leg-'));
after(() => { if (!process.env.KEEP_MEDIA_TMP) rmSync(work, { recursive: true, force: true }); });

const hangupAfter = async <T>(leg: CallLeg, result: T): Promise<T> => { await leg.hangup(Q850.NORMAL_CLEARING); return result; };

forEachEngine('leg-media', { sipPort: 18121, rtpMin: 54040, rtpMax: 54079 }, (ctx) => {
  // In-band first: an engine may stop listening for dual tones once a call has sent RFC 4733 events (phones that send both).
  test('keys in: in-band "34" (if capable), then RFC 4733 "12*D" and "#": collect() with max 2 returns the first two, then up to "#" the rest, each with its source; then the first-digit timeout gives ""', async (t) => {
    const { eut, router } = ctx();
    const inband = eut.capabilities.inbandDtmf;
    if (!inband) t.diagnostic(`${eut.name}: in-band DTMF not supported (capability inbandDtmf false): only RFC 4733 checked here`);
    const pcap = join(work, 'keys.pcap');
    makePcap(pcap, ['silence:1', ...(inband ? ['inband:34:100:100', 'silence:0.6'] : []), 'dtmf:12*D#:100:100', 'silence:1.5']);
    router.route('keys', {
      answer: async (leg) => {
        const first = await leg.collect({ max: 2, terminator: '#', firstTimeoutMs: 6000, interTimeoutMs: 3000 });
        const digits = await leg.collect({ max: 10, terminator: '#', firstTimeoutMs: 6000, interTimeoutMs: 3000 });
        const t0 = Date.now();
        const none = await leg.collect({ max: 3, firstTimeoutMs: 400, interTimeoutMs: 400 });
        return hangupAfter(leg, { first, digits, none, waitedMs: Date.now() - t0 });
      },
    });
    const r = await runSipp({ scenario: 'uac-pcap-expect-bye.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'keys', calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 12_000 });
    assert.equal(r.code, 0, r.summary);
    const c = await router.finished('keys');
    assert.equal(c.error, undefined, String(c.error));
    const res = c.result as { first: string; digits: string; none: string; waitedMs: number };
    assert.equal(res.first, inband ? '34' : '12', 'collect() ends at max');
    assert.equal(res.digits, inband ? '12*D' : '*D', 'the rest, up to the terminator');
    assert.equal(res.none, '');
    assert.ok(res.waitedMs >= 350 && res.waitedMs < 2000, `first-digit timeout of 400 ms waited ${res.waitedMs} ms`);
    const expected = [...(inband ? [['3', 'inband'], ['4', 'inband']] : []), ...['1', '2', '*', 'D', '#'].map((d) => [d, 'rfc4733'])];
    assert.deepEqual(c.dtmf.map((e) => [e.digit, e.source]), expected);
    for (const e of c.dtmf.filter((x) => x.source === 'rfc4733')) assert.ok(e.durationMs === undefined || Math.abs(e.durationMs - 100) <= 25, `RFC 4733 ${e.digit}: ${e.durationMs} ms`);
  });

  test('keys in by SIP INFO (application/dtmf-relay and application/dtmf): each answered 200, collect() returns "5*73"', async () => {
    const { eut, router } = ctx();
    router.route('info', { answer: async (leg) => hangupAfter(leg, await leg.collect({ max: 10, terminator: '#', firstTimeoutMs: 6000, interTimeoutMs: 3000 })) });
    const r = await runSipp({ scenario: 'uac-info-dtmf.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'info', calls: 1, timeoutS: 30, recvTimeoutMs: 10_000 });
    assert.equal(r.code, 0, r.summary);
    const c = await router.finished('info');
    assert.equal(c.error, undefined, String(c.error));
    assert.equal(c.result, '5*73');
    assert.deepEqual(c.dtmf.map((e) => [e.digit, e.source]), [['5', 'info'], ['*', 'info'], ['7', 'info'], ['3', 'info'], ['#', 'info']]);
  });

  test('keys out to a caller that offered no telephone-event: sendDtmf("4#7") goes as three SIP INFO (application/dtmf-relay)', async () => {
    const { eut, router } = ctx();
    router.route('info-out', { answer: async (leg) => { await leg.sendDtmf('4#7'); return hangupAfter(leg, leg.codec); } });
    const dir = mkdtempSync(join(work, 'info-out-'));
    const r = await runSipp({ scenario: join(PORT_SCENARIOS, 'port-uac-no-te-expect-info.xml'), remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'info-out', calls: 1, timeoutS: 30, recvTimeoutMs: 10_000, dir, extraArgs: ['-trace_msg'] });
    assert.equal(r.code, 0, r.summary);
    const c = await router.finished('info-out');
    assert.equal(c.error, undefined, String(c.error));
    const infos = receivedMessages(dir).filter((m) => m.method === 'INFO');
    assert.deepEqual(infos.map((m) => m.header('Content-Type')), ['application/dtmf-relay', 'application/dtmf-relay', 'application/dtmf-relay']);
    assert.deepEqual(infos.map((m) => /Signal=(\S)/.exec(m.body)?.[1]), ['4', '#', '7']);
  });

  test('record() ends at "#" with the caller\'s 1 kHz tone in it; an interruptible play() is cut by "5", left for collect(); record() ends at maxMs; a play() not interruptible runs to its end, the key kept', async () => {
    const { eut, router } = ctx();
    const pcap = join(work, 'rec.pcap');
    // 0.5 s silence, 2 s of 1 kHz, "#" (≈ 2.5 s), 1.5 s silence, "5" (≈ 4.2 s), 1.6 s silence, "9" (≈ 6 s), then silence until the BYE.
    makePcap(pcap, ['silence:0.5', 'tone:1000:2', 'dtmf:#:100:100', 'silence:1.5', 'dtmf:5:100:100', 'silence:1.6', 'dtmf:9:100:100', 'silence:4']);
    const path = join(work, 'rec.wav');
    const path2 = join(work, 'rec-max.wav');
    router.route('rec', {
      answer: async (leg) => {
        const rec = await leg.record({ path, maxMs: 5000, terminator: '#' });
        const t0 = Date.now();
        const play: PlayResult = await leg.play({ tone: { freqs: [440], totalMs: 8000 } }, { interruptible: true });
        const playedMs = Date.now() - t0;
        const key = await leg.collect({ max: 1, firstTimeoutMs: 500, interTimeoutMs: 500 });
        const rec2 = await leg.record({ path: path2, maxMs: 1000 });
        // Not interruptible: plays to its end although "9" comes during it (≈ 5.3–6.8 s); the key waits for collect().
        const t1 = Date.now();
        const whole = await leg.play({ tone: { freqs: [440], totalMs: 1500 } });
        const wholeMs = Date.now() - t1;
        const key2 = await leg.collect({ max: 1, firstTimeoutMs: 2000, interTimeoutMs: 500 });
        return hangupAfter(leg, { rec, play, playedMs, key, rec2, whole, wholeMs, key2 });
      },
    });
    const r = await runSipp({ scenario: 'uac-pcap-expect-bye.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'rec', calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 15_000 });
    assert.equal(r.code, 0, r.summary);
    const c = await router.finished('rec');
    assert.equal(c.error, undefined, String(c.error));
    const res = c.result as { rec: Recording; play: PlayResult; playedMs: number; key: string; rec2: Recording; whole: PlayResult; wholeMs: number; key2: string };
    assert.equal(res.rec.endedBy, 'terminator');
    assert.ok(res.rec.durationMs >= 2200 && res.rec.durationMs <= 3200, `recorded ${res.rec.durationMs} ms up to the "#" at 2.5 s`);
    const pcm = readSamples(path);
    const tone = dominantFrequency(slice(pcm, 900, 2100));
    assert.equal(tone.hz, 1000, `the recording's dominant frequency: ${tone.hz} Hz`);
    assert.ok(tone.share > 0.9, `1 kHz carries ${tone.share} of the energy`);
    assert.ok(levelDbfs(slice(pcm, 900, 2100)) > -20, 'the tone is at its level, not faint');
    assert.deepEqual(res.play, { interrupted: true });
    assert.ok(res.playedMs < 4000, `the 8 s play was cut by the key after ${res.playedMs} ms`);
    assert.equal(res.key, '5', 'the interrupting key is left for collect()');
    assert.equal(res.rec2.endedBy, 'max');
    assert.ok(Math.abs(res.rec2.durationMs - 1000) <= 40, `maxMs 1000: ${res.rec2.durationMs} ms`);
    assert.deepEqual(res.whole, { interrupted: false });
    assert.ok(res.wholeMs >= 1400, `a play that is not interruptible runs its 1.5 s (${res.wholeMs} ms)`);
    assert.equal(res.key2, '9', 'the key pressed during it is kept for collect()');
    assert.deepEqual(c.dtmf.map((e) => e.digit), ['#', '5', '9']);
  });

  test('the caller hangs up during record() and during play(): the recording ends "hangup" with what came, the play settles at once (nothing waits forever)', async () => {
    const { eut, router } = ctx();
    const path = join(work, 'hup.wav');
    router.route('hup-record', { answer: async (leg) => settle(leg.record({ path, maxMs: 10_000 })) });
    router.route('hup-play', {
      answer: async (leg) => {
        const t0 = Date.now();
        const play = await settle(leg.play({ tone: { freqs: [440], totalMs: 10_000 } }));
        return { play, ms: Date.now() - t0 };
      },
    });
    const [a, b] = await Promise.all(['hup-record', 'hup-play'].map((service) =>
      runSipp({ scenario: 'uac-call.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service, calls: 1, durationMs: 1500, timeoutS: 20 })));
    assert.equal(a!.code, 0, a!.summary);
    assert.equal(b!.code, 0, b!.summary);
    const rec = (await router.finished('hup-record', 5000)).result as Recording;
    assert.equal(rec.endedBy, 'hangup');
    assert.ok(rec.durationMs >= 1000 && rec.durationMs <= 2500, `recorded ${rec.durationMs} ms of a 1.5 s call`);
    assert.equal(readSamples(path).length, (rec.durationMs * 8000) / 1000, 'the WAV holds what the recording says');
    const play = (await router.finished('hup-play', 5000)).result as { play: unknown; ms: number };
    assert.ok(play.ms < 4000, `the 10 s play settled ${play.ms} ms after it began, the caller gone after 1.5 s`);
  });

  test('network figures on a PCMA call: the caller leaves out every 10th packet → the leg\'s stats show received, about 10 % lost, jitter, and packets sent; its tone is recorded', async (t) => {
    const { eut, router } = ctx();
    const full = join(work, 'stats-full.pcap');
    makePcap(full, ['tone:1000:10'], { codec: 'pcma' });
    const pcap = join(work, 'stats.pcap');
    const statsRec = join(work, 'stats.wav');
    const { dropped } = dropEvery(full, pcap, 10);
    assert.ok(dropped >= 49, `${dropped} packets left out`);
    router.route('stats', {
      answer: async (leg) => {
        const seen: LegStats[] = [];
        void leg.play({ tone: { freqs: [440], totalMs: 9000 } }).catch(() => undefined); // something to send
        const rec = leg.record({ path: statsRec, maxMs: 1000 });
        const stats = await new Promise<LegStats | undefined>((resolve) => {
          const timer = setTimeout(() => resolve(undefined), 9000);
          leg.on('stats', (s) => {
            seen.push(s);
            if (s.packetsReceived >= 50) { clearTimeout(timer); resolve(s); }
          });
        });
        return hangupAfter(leg, { stats, seen: seen.length, rec: await rec, codec: leg.codec });
      },
    });
    const r = await runSipp({ scenario: 'uac-pcap-pcma-expect-bye.xml', remote: eut.sipAddress, localPort: sippPort(), mediaPort: mediaPort(), service: 'stats', calls: 1, keys: { pcap }, timeoutS: 30, recvTimeoutMs: 15_000 });
    assert.equal(r.code, 0, r.summary);
    const c = await router.finished('stats');
    assert.equal(c.error, undefined, String(c.error));
    const { stats, seen, rec, codec } = c.result as { stats?: LegStats; seen: number; rec: Recording; codec: string };
    assert.equal(codec, 'PCMA', 'a caller offering PCMA only gets PCMA');
    assert.equal(rec.endedBy, 'max');
    const tone = dominantFrequency(slice(readSamples(statsRec), 200, 1000));
    assert.equal(tone.hz, 1000, `the PCMA caller's tone, recorded through the loss: ${tone.hz} Hz`);
    assert.ok(stats, `a stats event with 50 packets received within 9 s (${seen} events)`);
    const share = stats.packetsLost / (stats.packetsLost + stats.packetsReceived);
    t.diagnostic(`${eut.name} stats: ${JSON.stringify(stats)} (lost share ${share.toFixed(3)})`);
    assert.ok(share > 0.06 && share < 0.14, `lost ${stats.packetsLost} of ${stats.packetsLost + stats.packetsReceived}`);
    assert.ok(stats.fractionLost > 0.04 && stats.fractionLost < 0.16, `fractionLost ${stats.fractionLost}`);
    assert.ok(stats.packetsSent > 20, `packets sent ${stats.packetsSent}`);
    assert.ok(Number.isFinite(stats.jitterMs) && stats.jitterMs >= 0 && stats.jitterMs < 50, `jitter ${stats.jitterMs} ms`);
  });
}, [SIPP_PORTS, MEDIA_PORTS]);
