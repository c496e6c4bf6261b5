// The soak of `make soak` for 3 minutes (test/bench/soak.ts): app/main.ts on
// PostgreSQL, sipp callers at 10 calls/s through the IVR into 25 rooms, about
// 200 up at once, each streaming a tone for its 15 s in the room. After the
// last call: no descriptor and no RTP port more than at the baseline (after
// the warm-up; the database pool's connections counted apart), a closed CDR
// row for every call sipp placed, no failed call, and the bridge's RSS at
// the end no more than RSS_END_MARGIN_MIB above its value after the warm-up
// (its slope is printed; the 30-minute make soak measures it).
// Ports: SIP 17910, web 17951, sipp 17911 (media 50500+), RTP 48200–48999.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatSoak, runSoak } from '../bench/soak.ts';

/**
 * Only a gross leak (~70 KB per call at 600 calls/min) shows within 3 minutes:
 * the bridge's heap grows for its first 2–3 minutes under this load (V8 raises
 * its limits; measured: 295 → 442 MiB by 140 s, then flat, 403 after a
 * collection) and a collection moves RSS by 30–40 MiB at once, so a 90-s fit
 * wanders by tens of MiB/min (measured −8 from 90 s, +20 from 60 s). The
 * 30-minute `make soak` measures the slope (BENCHMARKS.md, "Soak"). Here the
 * slope only guards against a gross leak (a run on a clean clone measured +48
 * MiB/min while the heap still grew, then 313 MiB at the end against 373 after
 * the warm-up; another +87 MiB/min up to 521 MiB, then 320 at the end against
 * 397; another 393 → 571 at the end, still climbing as the last calls
 * ended; another 387 → 537 with a fitted slope of +108 MiB/min). The leak
 * check is the end against the start with 256 MiB of room (clean-clone runs
 * of 2026-12-06/07 ended −57, −77, +178 and +150 MiB from their post-warm-up
 * RSS with no descriptor, port or CDR left over): 1,800 calls that each kept
 * 146 KB would end 256 MiB higher. The slope over these 90 s is not asserted
 * (measured +89, +76 and +108 MiB/min without a leak).
 */
const RSS_END_MARGIN_MIB = 256;

test('3-minute soak: 10 calls/s, ~200 up, 25 rooms — nothing leaked, every CDR written, no call failed', { timeout: 600_000 }, async () => {
  const r = await runSoak({
    minutes: 3, concurrent: 200, rate: 10, rooms: 25, warmupS: 90,
    ports: { sipPort: 17910, webPort: 17951, rtpMin: 48200, rtpMax: 48999, sippPort: 17911, sippMediaPort: 50500 },
  });
  console.log(`# soak 3 min\n${formatSoak(r).split('\n').map((l) => `# ${l}`).join('\n')}`);
  console.log(`# RSS MiB every 5 s: ${r.rss.map((p) => (p.y / 1024).toFixed(0)).join(' ')}`);
  assert.equal(r.sipp.code, 0, r.sipp.summary);
  assert.equal(r.failed, 0, r.sipp.summary);
  assert.equal(r.placed, 1800, r.sipp.summary);
  assert.equal(r.joined, r.placed, `every call joins its room: ${JSON.stringify(r.outcomes)}`);
  assert.ok(r.rtpPortsPeak >= 200, `the calls held RTP ports (peak ${r.rtpPortsPeak})`);
  assert.equal(r.fdsEnd.rtpPorts, r.fdsStart.rtpPorts, 'RTP ports at the end = at the start');
  assert.ok(r.fdsEnd.other <= r.fdsStart.other,
    `descriptors (other than the database pool's) at the end ${JSON.stringify(r.fdsEnd.otherByKind)} > at the start ${JSON.stringify(r.fdsStart.otherByKind)}`);
  assert.ok(r.fdsEnd.dbConnections <= 10, `the database pool holds at most 10 connections (${r.fdsEnd.dbConnections})`);
  assert.equal(r.cdrRows, r.placed, 'a CDR row for every call placed');
  assert.equal(r.cdrOpen, 0, 'every CDR closed');
  assert.ok(r.samples >= 10, `RSS sampled after the warm-up (${r.samples} samples)`);
  assert.ok(r.rssEndKiB <= r.rssStartKiB + RSS_END_MARGIN_MIB * 1024,
    `RSS at the end ${(r.rssEndKiB / 1024).toFixed(0)} MiB > ${(r.rssStartKiB / 1024).toFixed(0)} MiB after the warm-up + ${RSS_END_MARGIN_MIB}`);
  // The slope is printed above, not asserted: over 90 s of a heap V8 is still sizing it is noise (see RSS_END_MARGIN_MIB).

});
