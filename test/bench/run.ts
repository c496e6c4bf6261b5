// `make bench`: runs the benchmarks and prints their tables (copy the latest
// into BENCHMARKS.md with the command). B=name runs one: sip-parse,
// call-rate, conference (B=conference SIZES=100,500 LAYOUTS=one-few,fives-all),
// spread (one conference of N on one node, then over three nodes with relays; SIZES=100,300),
// media-tick (a media worker's own work per member and tick, no sockets),
// g722 (the G.722 codec per 20 ms frame: encode, decode, the band paths, the QMF),
// webrtc (the WebRTC gateway: codec µs per session and frame; gateway CPU per session with werift browsers; WEBRTC_SESSIONS=5,10,20),
// web-report (the month report over 1,000,000 CDRs on PostgreSQL),
// live (the live console: 500 callers through the IVR, 10 pages on the event
// stream, web mutes timed at a caller's ear; LIVE_CALLERS, LIVE_CPS, LIVE_PAGES, LIVE_CYCLES),
// dialer (1,000 invites on a trunk of 50 calls/s, sipp answering 486),
// burst (callers through the IVR at the top of the hour; BURST=N@CPS:info|rtp,…),
// soak (`make soak`: callers churning through the IVR into many rooms;
// SOAK_MINUTES, SOAK_CALLS concurrent, SOAK_RATE calls/s, SOAK_ROOMS).
import os from 'node:os';
import { benchSipParse } from './sip-parse.ts';
import { benchCallRate } from './sip-call-rate.ts';
import { benchConferenceCapacity, formatRows, runCapacity, runSpread } from './conference-capacity.ts';
import { benchMonthReport } from './web-month-report.ts';
import { benchMediaTick } from './media-tick.ts';
import { benchG722, formatG722 } from './g722.ts';
import { benchWebrtcCodecs, benchWebrtcGateway, formatWebrtc, type GatewayRow } from './webrtc-gateway.ts';
import { benchLive, formatLive, liveOptionsFromEnv } from './live-console.ts';
import { benchDialer } from './dialer.ts';
import { benchBurst, burstPlanFromEnv, formatBurst, type BurstRow } from './burst.ts';
import { formatSoak, runSoak } from './soak.ts';

const only = process.argv[2];
const want = (name: string) => !only || only === name;

console.log(`# machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, node ${process.version}, ${new Date().toISOString()}`);

if (want('sip-parse')) {
  const r = benchSipParse();
  console.log('\n## SIP parser (typical INVITE with SDP, 1.1 kB)');
  console.log('| operation | messages/s | µs/message |\n|---|---|---|');
  console.log(`| parse | ${Math.round(r.parsePerS)} | ${(1e6 / r.parsePerS).toFixed(1)} |`);
  console.log(`| parse + serialise | ${Math.round(r.roundTripPerS)} | ${(1e6 / r.roundTripPerS).toFixed(1)} |`);
}

if (want('call-rate')) {
  const rows = await benchCallRate();
  console.log('\n## Call set-up rate (sipp UAC, INVITE … 1 s … BYE, real RTP ports)');
  console.log('| calls/s offered | calls | ok | failed | wall s | bridge CPU % of a core |\n|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.cps} | ${r.calls} | ${r.ok} | ${r.failed} | ${r.wallS.toFixed(1)} | ${r.cpuPct.toFixed(0)} |`);
}

if (want('conference')) {
  const sizes = (process.env.SIZES ?? '100,250,500,750,1000,1500,2000').split(',').map(Number);
  const layouts = (process.env.LAYOUTS ?? 'one-few,one-all,fives-few,fives-all').split(',')
    .map((l) => l.split('-') as ['one' | 'fives', 'few' | 'all']);
  console.log('\n## Conference capacity (bridge process; sipp calls plus 21 measuring TypeScript callers)');
  const rows = await benchConferenceCapacity(sizes, layouts);
  console.log(`\n${formatRows(rows)}`);
}
if (want('spread')) {
  // One conference of N on one node, then spread over three (issue 18): SIZES=100,300.
  const sizes = (process.env.SIZES ?? '100,300').split(',').map(Number);
  console.log('\n## One conference spread over three nodes (the host mixes; two nodes relay their callers to it), against one node');
  const rows: string[] = [];
  for (const n of sizes) {
    const one = await runCapacity('one', 'few', n);
    const spread = await runSpread(n);
    const lines = formatRows([one, spread]).split('\n');
    if (rows.length === 0) rows.push('| nodes ' + lines[0]!, '|---' + lines[1]!);
    rows.push(`| one ${lines[2]!}`, `| three (measured on a relaying node) ${lines[3]!}`);
    console.log(rows.slice(-2).join('\n'));
  }
  console.log(`\n${rows.join('\n')}`);
}
if (want('media-tick')) {
  console.log('\n## Media worker tick without sockets (one conference, synthetic RTP in, packets discarded)');
  console.log('| codec | members | talkers | ticks | µs per tick | µs per member and tick | % of a core per member |\n|---|---|---|---|---|---|---|');
  for (const [members, talkers, codec] of [[100, 4, 'PCMU'], [1000, 4, 'PCMU'], [1000, 1000, 'PCMU'], [100, 4, 'G722'], [1000, 4, 'G722'], [1000, 1000, 'G722']] as const) {
    const r = await benchMediaTick(members, talkers, 1500, codec);
    console.log(`| ${r.codec} | ${r.members} | ${r.talkers} | ${r.ticks} | ${r.usPerTick.toFixed(0)} | ${r.usPerMemberTick.toFixed(2)} | ${(r.usPerMemberTick / 200).toFixed(3)} |`);
  }
}

if (want('webrtc')) {
  console.log('\n## WebRTC gateway (bridge/webrtc/): codecs per session and 20 ms frame; the gateway process with N werift browsers');
  const rows: GatewayRow[] = [];
  for (const n of (process.env.WEBRTC_SESSIONS ?? '5,10,20').split(',').map(Number)) rows.push(await benchWebrtcGateway(n));
  console.log(formatWebrtc(benchWebrtcCodecs(), rows));
}

if (want('g722')) {
  console.log('\n## G.722 codec per 20 ms frame (one member, one thread)');
  console.log(formatG722(benchG722()));
}

if (want('web-report')) {
  const r = await benchMonthReport();
  console.log(`\n## Web month report (PostgreSQL, ${r.rows} CDRs; the month holds ${r.monthCalls} calls in ${r.monthMeetings} meetings)`);
  console.log('| measure | median ms | min ms | max ms |\n|---|---|---|---|');
  console.log(`| billing service | ${r.serviceMs.toFixed(1)} | ${Math.min(...r.serviceRunsMs).toFixed(1)} | ${Math.max(...r.serviceRunsMs).toFixed(1)} |`);
  console.log(`| GET /api/billing/report?period=month | ${r.endpointMs.toFixed(1)} | ${Math.min(...r.endpointRunsMs).toFixed(1)} | ${Math.max(...r.endpointRunsMs).toFixed(1)} |`);
}

if (want('live')) {
  const opts = liveOptionsFromEnv();
  console.log(`\n## Live console (app/main.ts, as \`make run\`; ${opts.callers} callers through the IVR, ${opts.pages} pages on the event stream)`);
  console.log(formatLive(await benchLive(opts)));
}
if (want('dialer')) {
  const r = await benchDialer();
  console.log(`\n## Outbound dialer (${r.invites} web invites, trunk 50 calls/s and 200 concurrent, sipp answers 486; bridge in-process)`);
  console.log('| invites | total s (ideal 20) | peak INVITEs/s (dialer) | INVITEs at the carrier | peak in any 1 s at the carrier | CPU ms | CPU ms per invite | final states |\n|---|---|---|---|---|---|---|---|');
  console.log(`| ${r.invites} | ${r.wallS.toFixed(1)} | ${r.peakCps} | ${r.carrierInvites} | ${r.carrierPeakCps} | ${r.cpuMs.toFixed(0)} | ${r.cpuMsPerInvite.toFixed(2)} | ${Object.entries(r.states).map(([k, v]) => `${k} ${v}`).join(', ')} |`);
  if (r.states.busy !== r.invites) { console.log('FAIL: every invite should end busy'); process.exit(1); }
  if (r.carrierPeakCps > 50) console.log(`NOTE: the carrier saw ${r.carrierPeakCps} INVITEs in one 1-s window (its clock), above the trunk's 50`);
}

if (only === 'burst') { // minutes of sipp callers: only when asked for
  const rows: BurstRow[] = [];
  console.log('\n## The top of the hour: callers through the IVR (in-process bridge, sipp callers)');
  for (const p of burstPlanFromEnv()) {
    rows.push(await benchBurst(p.n, p.cps, p.keys, p.where));
    console.log(formatBurst(rows.slice(-1)).split('\n').slice(rows.length === 1 ? 0 : 2).join('\n'));
  }
}

if (only === 'soak') { // half an hour by default: only when asked for
  const num = (name: string, dflt: number) => { const v = Number(process.env[name] ?? dflt); if (!(v > 0)) throw new Error(`${name}: not a positive number`); return v; };
  const minutes = num('SOAK_MINUTES', 30);
  const o = { minutes, concurrent: num('SOAK_CALLS', 200), rate: num('SOAK_RATE', 10), rooms: num('SOAK_ROOMS', 25) };
  console.log(`\n## Soak: ${o.minutes} min, ${o.concurrent} calls up, ${o.rate} calls/s through the IVR into ${o.rooms} rooms (app/main.ts on PostgreSQL, sipp callers)`);
  // Ports: SIP 17900, web 17950, RTP 48200–48999 (as the wire test: not both at once), sipp 17901 (media 51200+).
  const r = await runSoak({ ...o, warmupS: Math.min(120, minutes * 20), ports: { sipPort: 17900, webPort: 17950, rtpMin: 48200, rtpMax: 48999, sippPort: 17901, sippMediaPort: 51200 },
    progress: (line) => console.log(`# ${line}`) });
  console.log(formatSoak(r));
  console.log(`outcomes: ${JSON.stringify(r.outcomes)}`);
  if (r.failed > 0 || r.sipp.code !== 0) console.log(`FAIL: sipp: ${r.sipp.summary}`);
}

process.exit(0);

